"""Migrations: empty -> head -> empty on both databases, and the models match the result."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.engine import create_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.models import Base


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_and_back(database_url):
    assert _tables(database_url) == set()
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert _tables(database_url) == set(Base.metadata.tables)
    upgrade(database_url)  # again: nothing to do, no error
    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert _tables(database_url) == set()


def test_the_models_match_the_migrated_schema(database_url):
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_db_upgrade_command_from_any_working_directory(database_url, tmp_path):
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"database schema at revision {head_revision()}" in done.stdout + done.stderr
    assert current_revision(database_url) == head_revision()
    assert list(workdir.iterdir()) == []  # nothing written where it ran


def test_default_database_is_a_file_in_the_working_directory(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "WEB21C_")) and k != "DATABASE_URL"
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    database_file = tmp_path / "web21c-bridge.db"
    assert database_file.is_file()
    assert current_revision(f"sqlite:///{database_file}") == head_revision()
