"""Start-up failures are one sentence that names the fix, on stderr, with exit status 2: never
a traceback. Each is provoked for real: a port already taken, a HOST that is not this
machine's, a database that does not answer, a PostgreSQL database never upgraded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.storage_fixtures import _private_schema, postgres_url  # noqa: F401


def _bridge(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.pop("DATABASE_URL", None)
    environ.update({"PORT": "0", "SANDBOX_PORT": "0", "HOST": "127.0.0.1", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", *(args or ("run",))],
        cwd=tmp_path,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_sentence(result: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == f"cannot start: {sentence}\n"
    assert "Traceback" not in result.stdout


def test_the_http_port_in_use(tmp_path, taken_port):
    result = _bridge(tmp_path, PORT=str(taken_port))
    _one_sentence(
        result,
        f"the HTTP server cannot listen on 127.0.0.1:{taken_port}: the port is in use (is "
        "another web21c-bridge running?); stop it, or set PORT to a free port (0 picks one)",
    )


def test_the_sandbox_port_in_use(tmp_path, taken_port):
    result = _bridge(tmp_path, SANDBOX_PORT=str(taken_port))
    _one_sentence(
        result,
        f"the Web21C sandbox cannot listen on 127.0.0.1:{taken_port}: the port is in use (is "
        "another web21c-bridge running?); stop it, or set SANDBOX_PORT to a free port (0 picks "
        "one)",
    )


def test_a_host_that_is_not_this_machine(tmp_path):
    # 192.0.2.1 is TEST-NET-1: binding to it fails here, and no packet is ever sent.
    result = _bridge(tmp_path, HOST="192.0.2.1")
    _one_sentence(
        result,
        "HOST=192.0.2.1 is not an address of this machine: set HOST to 127.0.0.1 (this machine "
        "only) or 0.0.0.0 (every interface)",
    )


def test_a_database_server_that_does_not_answer(tmp_path):
    port = _closed_port()
    url = f"postgresql://bridge:s3cret-pw@127.0.0.1:{port}/bridge"
    for command in (("run",), ("worker",), ("db", "upgrade")):
        result = _bridge(tmp_path, *command, DATABASE_URL=url)
        _one_sentence(
            result,
            f"cannot reach the database postgresql+psycopg://bridge:***@127.0.0.1:{port}/bridge: "
            "check "
            "DATABASE_URL, and that the database server runs and accepts this user",
        )
        assert "s3cret-pw" not in result.stdout + result.stderr


def test_an_sqlite_file_that_cannot_be_opened(tmp_path):
    url = f"sqlite:///{tmp_path}/no-such-folder/bridge.db"
    result = _bridge(tmp_path, DATABASE_URL=url)
    _one_sentence(
        result,
        f"cannot open the database {url}: check DATABASE_URL, and that its folder exists and "
        "is writable",
    )


@pytest.mark.postgres
def test_a_postgresql_database_never_upgraded(tmp_path, postgres_url):  # noqa: F811
    for url in _private_schema(postgres_url):
        shown = url.replace(":bridge@", ":***@", 1).replace("postgresql:", "postgresql+psycopg:")
        from storage.migrate import head_revision

        for command in ("run", "worker"):
            result = _bridge(tmp_path, command, DATABASE_URL=url)
            _one_sentence(
                result,
                f"the database {shown} has no bridge schema yet, and this bridge needs "
                f"{head_revision()}: run `web21c-bridge db upgrade` first (the Procfile's "
                "release step)",
            )
        assert _bridge(tmp_path, "db", "upgrade", DATABASE_URL=url).returncode == 0
        running = _bridge(tmp_path, "doctor", DATABASE_URL=url)
        assert "database schema is current" in running.stdout
