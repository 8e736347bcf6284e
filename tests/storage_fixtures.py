"""Database fixtures for any test suite: the same test runs on SQLite and on PostgreSQL.

Import the fixtures into a conftest.py to use them:

    from tests.storage_fixtures import database, database_url, postgres_url  # noqa: F401

- `database_url`: the URL of an empty, private database, once per backend: a fresh SQLite
  file under tmp_path, and a fresh PostgreSQL schema (dropped afterwards) reached through
  a URL whose search_path points at it, so it can be handed to subprocesses as it is.
- `database`: a storage.Database on that URL with every table created.
- `postgres_url`: the server URL itself (session scope).

PostgreSQL comes from TEST_POSTGRES_URL (default: the server .ci/postgres.sh starts). When
it cannot be reached the PostgreSQL half is skipped with the reason, except when CI=true,
where it fails: CI must never pass without having run it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

from storage import Database
from storage.engine import normalise_url

DEFAULT_POSTGRES_URL = "postgresql://bridge:bridge@127.0.0.1:5432/bridge_test"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL server's URL, after checking that it answers."""
    url = normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    problem = _unreachable(url)
    if problem:
        message = f"PostgreSQL at {make_url(url)!r} is not reachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message + " (start one with `. .ci/postgres.sh`)")
    return url


def _unreachable(url: str) -> str | None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "not reachable"
        cause = getattr(error, "orig", None) or error  # the driver's words, not the wrapper's
        return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0]}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of each kind, private to the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bridge.db'}"
        return
    yield from _private_schema(request.getfixturevalue("postgres_url"))


def _private_schema(server_url: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex}"  # generated, never user input
    admin = create_engine(server_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A Database with every table, on each backend."""
    db = Database(database_url)
    db.create_schema()
    try:
        yield db
    finally:
        db.close()
