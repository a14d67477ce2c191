"""Failpoints for crash tests: ``MIC2025_FAILPOINT=<name>`` kills the process at that point.

Used only by the crash-safety tests (tests/test_crash_safety.py), which SIGKILL a refresh at each
point and then check that the published warehouse is the previous or the new complete one.
Points: ``snapshot``, ``load``, ``transform``, ``before-publish``, ``after-publish``.
"""

from __future__ import annotations

import os
import signal

POINTS = ("snapshot", "load", "transform", "before-publish", "after-publish")


def failpoint(name: str) -> None:
    if os.environ.get("MIC2025_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
