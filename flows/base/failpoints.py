"""Failpoints for crash tests: ``MIC2025_FAILPOINT=<name>`` kills the process at that point.

Used only by the crash-safety tests (tests/test_crash_safety.py), which SIGKILL a refresh at each
point and then check that the published warehouse is the previous or the new complete one.
Points: ``snapshot``, ``load``, ``transform``, ``before-publish``, ``after-publish``.
``MIC2025_FAILPOINT_PAUSE=<point>:<seconds>`` sleeps there instead (the two-writers test holds the
writer lock that way), and ``MIC2025_FAILPOINT_RAISE=<point>`` raises :class:`FailpointError`
there (an unexpected error in the middle of a build, with the temporary file half written).
``MIC2025_FAILPOINT_DISK_FULL=<point>`` raises DuckDB's own I/O error there, as a full disk
does when a test cannot mount a small file system.
"""

from __future__ import annotations

import os
import signal
import time

POINTS = ("snapshot", "load", "transform", "before-publish", "after-publish")


class FailpointError(RuntimeError):
    """Raised by ``MIC2025_FAILPOINT_RAISE`` (an unexpected error, not a Mic2025Error)."""


def failpoint(name: str) -> None:
    if os.environ.get("MIC2025_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, seconds = os.environ.get("MIC2025_FAILPOINT_PAUSE", "").partition(":")
    if point == name:
        time.sleep(float(seconds))
    if os.environ.get("MIC2025_FAILPOINT_RAISE") == name:
        raise FailpointError(f"failpoint {name}")
    if os.environ.get("MIC2025_FAILPOINT_DISK_FULL") == name:
        import duckdb

        raise duckdb.IOException(
            'IO Error: Could not write file "failpoint": No space left on device'
        )
