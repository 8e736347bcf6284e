"""The bridge as the Procfile runs it, for benches: `web` and `worker` as real processes
(`python -m bot web|worker`), pointed at the stand-ins, on one SQLite file."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.support.standins import BOT_TOKEN, SIGNING_SECRET, StandIns

LISTENING = re.compile(r"HTTP server listening on http://[^:]+:(\d+)")


def bridge_environment(stand_ins: StandIns, database_url: str, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=stand_ins.slack_api_url,
        WEB21C_ENDPOINT=stand_ins.web21c_url,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT="0",
        LOG_LEVEL="INFO",  # `web` says which port it took at INFO
    )
    environ.update(extra)
    return environ


@contextmanager
def procfile_bridge(
    stand_ins: StandIns, workdir: Path, database_url: str, **extra: str
) -> Iterator[int]:
    """`web` then `worker`; yields web's port. On the way out both get SIGTERM, as a
    platform stops them."""
    environ = bridge_environment(stand_ins, database_url, **extra)
    processes: list[subprocess.Popen] = []
    try:
        web_log = workdir / "web.log"
        processes.append(_start("web", environ, workdir, web_log))
        port = _wait_for_port(processes[0], web_log)
        processes.append(_start("worker", environ, workdir, workdir / "worker.log"))
        yield port
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def _start(command: str, environ: dict, workdir: Path, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            cwd=workdir,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for_port(process: subprocess.Popen, log_path: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := LISTENING.search(log_path.read_text("utf-8", "replace")):
            return int(found.group(1))
        if process.poll() is not None:
            raise SystemExit(f"`web` exited: {log_path.read_text()[-2000:]}")
        time.sleep(0.05)
    raise SystemExit(f"`web` did not listen within {timeout} s")
