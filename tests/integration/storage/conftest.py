from tests.storage_fixtures import database, database_url, postgres_url  # noqa: F401
