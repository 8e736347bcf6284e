"""Storage: SQLAlchemy 2 models, repositories and Alembic migrations.

from storage import Database, LeaseManager
from storage.migrate import upgrade

upgrade(url)                       # bring the schema to the newest revision
db = Database(url)
with db.transaction() as tx:       # commits on exit, rolls back on an exception
    tx.routes.set("help", "C0123", "U0456")
"""

from storage.database import Database, Transaction
from storage.lease import LeaseManager

__all__ = ["Database", "LeaseManager", "Transaction"]
