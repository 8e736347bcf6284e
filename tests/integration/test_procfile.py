"""Every Procfile line works as written: run through a shell, the way a platform runs it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def _environ(tmp_path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    scripts = str(Path(sys.executable).parent)  # where web21c-bridge is installed
    environ.update(
        PATH=scripts + os.pathsep + environ.get("PATH", ""),
        DATABASE_URL=f"sqlite:///{tmp_path / 'bridge.db'}",
        PORT="0",
        SANDBOX_PORT="0",
    )
    return environ


def _start(command: str, tmp_path) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "-c", f"exec {command}"],
        cwd=tmp_path,
        env=_environ(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_line(process, pattern: str) -> re.Match[str]:
    for line in process.stdout:
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"exited ({process.wait()}) before printing {pattern!r}")


def test_the_procfile_has_release_web_and_worker():
    assert set(_procfile()) == {"release", "web", "worker"}


def test_release_migrates(tmp_path):
    release = subprocess.run(
        ["sh", "-c", _procfile()["release"]],
        cwd=tmp_path,
        env=_environ(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert release.returncode == 0, release.stderr
    assert "database schema at revision" in release.stderr


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_web_and_worker_start_and_stop_cleanly(kind, tmp_path):
    process = _start(_procfile()[kind], tmp_path)
    try:
        if kind == "web":
            url = _wait_for_line(process, r"HTTP server listening on (http://\S+)").group(1)
            assert "0.0.0.0" in url
            port = url.rsplit(":", 1)[1]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                assert reply.status == 200
            # served by the production server, with its strict framing
            doubled = b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            doubled += b"Content-Length: 9\r\n\r\n{"
            with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as sock:
                sock.sendall(doubled)
                assert sock.recv(65536).startswith(b"HTTP/1.1 400 Bad Request")
        else:
            _wait_for_line(process, r"scheduler started as .*: inbound, deliveries, live-calls")
    finally:
        process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
