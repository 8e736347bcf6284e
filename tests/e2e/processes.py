"""The bridge as a real operating-system process (`python -m bot worker`), for tests that kill
it with SIGKILL or run several at once. The sandbox and the fake Slack live in the test
process, so they outlive every kill; each run of the bridge appends to one log file."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET

STARTED = "scheduler started as "
LISTENING = "HTTP server listening on "  # what `web` logs once it answers
PYCACHE = Path(tempfile.gettempdir()) / "web21c-bridge-test-pycache"


def bridge_environment(slack_api_url: str, web21c_url: str, database_url: str, **extra) -> dict:
    """The environment of a worker: Slack configured, polling fast, nothing from the test's
    own SLACK_*/WEB21C_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.pop("PYTHONDONTWRITEBYTECODE", None)  # restarts then reuse compiled modules...
    environ.update(
        {
            "PYTHONPYCACHEPREFIX": str(PYCACHE),  # ...kept outside the source tree
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
            "WEB21C_ENDPOINT": web21c_url,
            "DATABASE_URL": database_url,
            "POLL_INTERVAL_SECONDS": "0.2",
            "WEB21C_READ_TIMEOUT": "5",
            "LOG_LEVEL": "INFO",
            **extra,
        }
    )
    return environ


class BridgeProcess:
    """One bridge worker; start() again after kill() is a restart."""

    def __init__(
        self,
        workdir: Path,
        environ: dict,
        name: str = "bridge",
        command="worker",
        ready: str = STARTED,
    ):
        self.workdir = workdir
        self.ready = ready  # the log line that says this run is up
        self.environ = environ
        self.log_path = workdir / f"{name}.log"
        self.command = command
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._log_offset = 0

    def start(self) -> BridgeProcess:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", self.command],
                cwd=self.workdir,  # no .env there: the environment says everything
                env=self.environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_started(self, timeout: float = 60.0) -> str:
        """Wait until this run is up (its scheduler, or what `ready` names); for a worker,
        its lease holder identity."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.run_log().splitlines():
                if self.ready in line:
                    return _holder(line) if self.ready == STARTED else line
            if not self.alive():
                raise AssertionError(f"the bridge exited early:\n{self.run_log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"the bridge did not start in {timeout}s:\n{self.run_log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, leases stay held until they expire."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def kill_all(self) -> None:
        """SIGKILL this process and every process it started (a child writer, say), all
        before any of them can react."""
        assert self.process is not None
        family = [self.process.pid, *descendants(self.process.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit status (None if it was not running)."""
        if not self.alive():
            return None
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)

    def run_log(self) -> str:
        """What this run (since the last start) logged."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            return log.read().decode("utf-8", "replace")

    def full_log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""


def descendants(pid: int) -> list[int]:
    """Every living process below `pid` (Linux /proc; elsewhere none are found)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError):
                children = [int(child) for child in (task / "children").read_text().split()]
                found += children
                queue += children
    return found


def free_port() -> int:
    """A loopback port nobody listens on now, for a bridge process's HTTP server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _holder(line: str) -> str:
    """The holder identity from the "scheduler started as <holder>: jobs" log line."""
    rest = line.split(STARTED, 1)[1]
    return rest.rsplit(": ", 1)[0]
