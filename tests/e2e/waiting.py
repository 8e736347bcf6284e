"""Waiting in end-to-end tests: for what the bridge does on its own threads and processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """The first truthy value of predicate(), asked every 50 ms; AssertionError naming `what`
    once `timeout` seconds have passed without one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
