"""A PostgreSQL cluster of the suite's own, so it can be restarted under a running bridge.

Restarting the shared `main` cluster (the one .ci/postgres.sh starts) would cut every other
test or process using it at that moment; a second Debian cluster, `reliability` on port 5433,
is created once (pg_createcluster, as root) and restarted with `pg_ctlcluster <ver>
reliability restart`, exactly as an operator restarts one. Its role has a distinctive
password, which the secrets test looks for in the logs.

Where the cluster cannot be made (no PostgreSQL, not root) the tests that need it are
skipped with the reason, except when CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from storage.engine import create_engine, normalise_url

CLUSTER = "reliability"
PORT = 5433
ROLE = "bridge_rel"
PASSWORD = "pg-Pa55-Zq8rT3vW"  # distinctive, so a leak into a log is unmistakable
DATABASE = "bridge_rel"
URL = f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{PORT}/{DATABASE}"


def version() -> str | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted((p.name for p in root.iterdir()), key=float) if root.is_dir() else []
    return versions[-1] if versions else None


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _psql(sql: str) -> str:
    result = subprocess.run(
        ["su", "postgres", "-c", f'psql -p {PORT} -tAc "{sql}"'],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip()


def _unavailable() -> str | None:
    if version() is None or shutil.which("pg_createcluster") is None:
        return "PostgreSQL's Debian tools are not installed (see .ci/postgres.sh)"
    if os.geteuid() != 0:
        return "creating and restarting a PostgreSQL cluster needs root"
    return None


def ensure_cluster() -> str:
    """The URL of the suite's own cluster, created and started if need be."""
    problem = _unavailable()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem + " (CI=true: the database restart tests must run)")
        pytest.skip(problem)
    ver = version()
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not any(line.split()[:2] == [ver, CLUSTER] for line in listed.splitlines()):
        _run("pg_createcluster", ver, CLUSTER, "-p", str(PORT))
    subprocess.run(["pg_ctlcluster", ver, CLUSTER, "start"], capture_output=True, timeout=60)
    wait_ready()
    if _psql(f"SELECT 1 FROM pg_roles WHERE rolname='{ROLE}'") != "1":
        _psql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
    if _psql(f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'") != "1":
        _run("su", "postgres", "-c", f"createdb -p {PORT} -O {ROLE} {DATABASE}")
    return URL


def wait_ready(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORT)])
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"PostgreSQL cluster {CLUSTER} did not come up")


def restart() -> float:
    """`pg_ctlcluster <ver> reliability restart`; seconds until it accepts connections."""
    started = time.monotonic()
    _run("pg_ctlcluster", version() or "", CLUSTER, "restart")
    wait_ready()
    return time.monotonic() - started


@contextmanager
def private_schema(server_url: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards, reached through a URL whose search_path points at
    it. Like tests.storage_fixtures, but its own engine pings before use: the restarts
    this suite makes would otherwise break the pooled connection that drops the schema."""
    schema = f"test_{uuid.uuid4().hex}"  # generated, never user input
    admin = create_engine(server_url)  # storage's engine: pre-ping on PostgreSQL
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(normalise_url(server_url))
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
