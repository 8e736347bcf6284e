"""Schema migrations, run programmatically so they work from an installed package and from
any working directory: `web21c-bridge db upgrade`, and `run` for an embedded SQLite file.

The Alembic scripts live inside the package (storage/migrations); no alembic.ini is needed.
To write a new migration after changing storage.models:

    from alembic import command
    from storage.migrate import alembic_config
    command.revision(alembic_config("sqlite:///dev.db"), "what changed", autogenerate=True)

(upgrade dev.db to head first), then read and correct the generated file by hand.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.database import Database
from storage.engine import create_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Alembic announces each of its plugins at INFO; only the migrations themselves are news.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at `url`, pointing into this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # '%' is Alembic's interpolation character; URL-encoded passwords may contain it.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(target: str | Database, revision: str = "head") -> None:
    """Bring the database (a URL, or an open Database: the only way to reach an in-memory
    one) up to `revision`, the newest by default. Safe to repeat."""
    _run(target, lambda config: command.upgrade(config, revision))


def downgrade(target: str | Database, revision: str) -> None:
    """Take the database back to `revision` ('base' empties it)."""
    _run(target, lambda config: command.downgrade(config, revision))


def current_revision(target: str | Database) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def head_revision() -> str | None:
    """The newest revision this version of the bridge knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _engine(target: str | Database) -> tuple[Engine, bool]:
    """The engine to migrate with, and whether we made it (and so must dispose of it)."""
    if isinstance(target, Database):
        return target.engine, False
    return create_engine(target), True


def _run(target: str | Database, action) -> None:
    engine, owned = _engine(target)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            action(config)
    finally:
        if owned:
            engine.dispose()
