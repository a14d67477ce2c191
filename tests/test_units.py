import pytest

from mic2025.warehouse.units import (
    UnknownUnit,
    change_words,
    first_clause,
    format_change,
    format_compact,
    format_value,
    metric_words,
    parse_unit,
    to_base,
)


@pytest.mark.parametrize(
    ("unit", "value", "expected", "base"),
    [
        ("万辆 (10k vehicles)", 1288.8, 12_888_000, "vehicles"),
        ("亿块 (100 million pieces)", 3241.9, 324_190_000_000, "pieces"),
        ("100 million units (亿块)", 3594.3, 359_430_000_000, "units"),
        ("GW", 545, 545e9, "W"),
        ("GWh", 940, 940e9, "Wh"),
        ("万吨 (10k tonnes)", 143, 1_430_000, "t"),
        ("亿美元 (100 million USD)", 4155.79, 415_579_000_000, "USD"),
        ("亿元 (100 million CNY)", 27663, 2_766_300_000_000, "CNY"),
        ("万亿元 (trillion CNY)", 1.7, 1.7e12, "CNY"),
        ("billion USD", 31.2, 31.2e9, "USD"),
        ("million vehicles", 9.44, 9_440_000, "vehicles"),
        ("万载重吨 (10k DWT)", 4232, 42_320_000, "DWT"),
        ("万美元/台 (10k USD per unit)", 3.3, 33_000, "USD per unit"),
        ("10,000 units (万台)", 69.5, 695_000, "units"),
        ("percent", 40.9, 40.9, "percent"),
        ("%", 47, 47, "percent"),
    ],
)
def test_published_units_convert_to_base(unit, value, expected, base):
    converted, base_unit = to_base(value, unit)
    assert converted == pytest.approx(expected, rel=1e-12)
    assert base_unit == base


def test_currencies_are_separate_dimensions():
    assert parse_unit("亿美元").dimension == "USD"
    assert parse_unit("亿元").dimension == "CNY"


def test_unknown_unit_names_itself():
    with pytest.raises(UnknownUnit, match="furlongs"):
        parse_unit("furlongs")


def test_gloss_that_contradicts_the_unit_is_refused():
    with pytest.raises(UnknownUnit, match="contradicts"):
        parse_unit("万辆 (100 million vehicles)")


@pytest.mark.parametrize(
    ("change", "bound", "compact", "words"),
    [
        (0.255, "exact", "+25.5 pts", "up 25.5 points"),
        (-0.3768, "approximate", "~-37.7 pts", "down about 37.7 points"),
        # at least 60% now against exactly 40% then: a rise of at least 20 points
        (0.20, "lower", "≥ +20.0 pts", "up at least 20.0 points"),
        # at most 28% now against exactly 40% then: a fall of at least 12 points
        (-0.12, "upper", "≤ -12.0 pts", "down at least 12.0 points"),
    ],
)
def test_a_change_is_shown_with_its_bound(change, bound, compact, words):
    assert format_change(change, bound) == compact
    assert change_words(change, bound) == words
    assert format_change(None) == "-"


def test_a_long_note_is_cut_to_its_head_for_a_terminal_cell():
    gap = (
        "Only CAAMM's 2015 statement (about 90% of domestic demand met) was found; no 2021-2024 "
        "share (searched: 国内市场满足率 2021-2023; 农机工业 营业收入 2021). NBS's tractor output"
    )
    assert first_clause(gap) == (
        "Only CAAMM's 2015 statement (about 90% of domestic demand met) was found"
    )
    # a search log in parentheses is dropped, and its ';' does not end the head
    world = "No share was found for 2021-2024 (searched: a, b; c (d)). A refresh with BACI"
    assert first_clause(world) == "No share was found for 2021-2024"
    # the head ends at ':' outside parentheses, not at the ';' inside them
    ships = "home deliveries over purchases (home deliveries + imports; by value): MIIT tonnages"
    assert (
        first_clause(ships)
        == "home deliveries over purchases (home deliveries + imports; by value)"
    )
    # too long: cut at a word, never inside a parenthesis, and marked
    poly = "domestic polysilicon's share of what China has (output / (output + imports), tonnes)"
    assert first_clause(poly, limit=60) == "domestic polysilicon's share of what China has…"
    assert first_clause("China's share of world bulk-API output") == (
        "China's share of world bulk-API output"
    )
    assert first_clause(None) == ""


def test_a_large_value_reads_in_a_terminal_to_three_figures():
    assert format_compact(976_100_000_000, "CNY") == "976 bn CNY"
    assert format_compact(4_984_310_000_000, "CNY") == "4.98 trn CNY"
    assert format_compact(692_678_961_046, "USD", "approximate") == "~693 bn USD"
    assert format_compact(49_428_744_934, "USD") == "49.4 bn USD"
    assert format_compact(2.423, "times") == "2.423 times"  # small: as format_value shows it
    assert format_compact(0.035, "ratio") == "3.5%"
    assert format_compact(None) == "-"


def test_a_city_metric_key_reads_as_words():
    assert metric_words("gdp") == "GDP"
    assert metric_words("gdp_usd_multiple_since_base") == (
        "GDP in US dollars, multiple of the base year"
    )
    assert metric_words("nev_output_share_of_national") == "NEV output, share of China's"
    assert metric_words("rd_expenditure_usd") == "R&D expenditure in US dollars"


def test_a_unit_that_adds_nothing_is_not_shown():
    """T07 reads '>= 15 by 2020' and '16 (2020)', not '15 count'; a unit that says something
    stays ('5 L/100km')."""
    assert format_value(15, "count", show_unit=True) == "15"
    assert format_value(5, "L/100km", show_unit=True) == "5 L/100km"
    assert format_value(0.4, "ratio", show_unit=True) == "40.0%"
    assert format_compact(2_000_000, "count") == "2.00 mn"
