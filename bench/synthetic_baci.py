"""Generate BACI-format files of SYNTHETIC trade data (seeded) for benchmarks and tests.

Every value here is random: the files are labelled synthetic in their names and never committed
or published. Layout as CEPII BACI: t,i,j,k,v,q (year, exporter, importer, HS6, value in thousand
USD, quantity in tonnes), one file per year.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

CHINA = 156
# HS6 codes of the sector map (ICs, PV, EVs, batteries, robots, machine tools) plus filler codes
MAP_CODES = [
    854231,
    854232,
    854233,
    854239,
    854140,
    854142,
    854143,
    870380,
    850760,
    847950,
    845710,
    845811,
    845961,
    846221,
]


def generate_year(path: Path, year: int, rows: int, seed: int, chunk: int = 2_000_000) -> Path:
    """Write ``rows`` synthetic rows for one year, in chunks (bounded memory)."""
    rng = np.random.default_rng(seed + year)
    countries = np.concatenate([[CHINA], rng.choice(np.arange(4, 900), 199, replace=False)])
    products = np.concatenate([MAP_CODES, rng.integers(10000, 999999, 4000)])
    with path.open("wb") as fh:
        fh.write(b"t,i,j,k,v,q\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            frame = pl.DataFrame(
                {
                    "t": np.full(n, year, dtype=np.int32),
                    "i": rng.choice(countries, n, p=None).astype(np.int32),
                    "j": rng.choice(countries, n).astype(np.int32),
                    "k": rng.choice(products, n).astype(np.int32),
                    "v": np.round(rng.lognormal(3.0, 2.0, n), 3),
                    "q": np.round(rng.lognormal(1.0, 2.0, n), 3),
                }
            )
            frame.write_csv(fh, include_header=False)
    return path


def generate(folder: Path, rows: int, years: int = 1, seed: int = 2025) -> list[Path]:
    """``rows`` in total, split evenly over ``years`` files (2019, 2020 ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    per_year = rows // years
    return [
        generate_year(
            folder / f"SYNTHETIC_BACI_Y{2019 + y}_{per_year}.csv", 2019 + y, per_year, seed
        )
        for y in range(years)
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args()
    for p in generate(args.folder, args.rows, args.years):
        print(p)
