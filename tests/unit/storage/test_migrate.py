"""Migrations are configured from the package, whatever the working directory."""

from __future__ import annotations

from storage import Database
from storage.migrate import MIGRATIONS, alembic_config, current_revision, head_revision, upgrade


def test_script_location_is_inside_the_package(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = alembic_config("sqlite:///x.db")
    assert config.get_main_option("script_location") == str(MIGRATIONS)
    assert (MIGRATIONS / "env.py").is_file()
    assert head_revision() is not None


def test_percent_signs_in_urls_survive_alembic_interpolation():
    url = "postgresql+psycopg://u:p%40ss@h/db"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_upgrade_an_embedded_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()


def test_an_open_in_memory_database_can_be_migrated():
    with Database("sqlite://") as database:
        assert current_revision(database) is None
        upgrade(database)
        assert current_revision(database) == head_revision()
        with database.transaction() as tx:
            tx.audit.record("U1", "test", "migrated")
            assert len(tx.audit.recent()) == 1
