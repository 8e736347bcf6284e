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


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (the newest by default). Safe to repeat."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` ('base' empties it)."""
    _run(url, lambda config: command.downgrade(config, revision))


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision this version of the bridge knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _run(url: str, action) -> None:
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            action(config)
    finally:
        engine.dispose()
