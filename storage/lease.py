"""Leases: how several processes agree that only one runs a given scheduled job at a time.

    leases = LeaseManager(db)
    if leases.acquire("poll-inbound", holder=process_id, ttl_seconds=30):
        ...  # do the work; renew() before the ttl runs out, release() when done

Every operation is one statement in its own transaction, and the condition that decides it
(free, expired, or already ours) sits in that statement's WHERE clause, so the database
serialises competing processes: two of them never both hold a lease. A lease whose holder
stopped renewing can be taken over once it has expired, never before.

Times come from the database's clock (PostgreSQL's clock_timestamp(), SQLite's 'now'), not
from each process, so processes on hosts with drifting clocks still agree on expiry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import Database
from storage.models import LeaseRow
from storage.records import Lease

_t = LeaseRow.__table__


class LeaseManager:
    def __init__(self, database: Database):
        self._db = database

    def acquire(self, name: str, holder: str, ttl_seconds: float) -> bool:
        """Take the lease if it is free or expired (or extend it if `holder` has it)."""
        with self._db.engine.begin() as connection:
            now = database_now(connection)
            insert_cls = (
                postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            )
            insert = insert_cls(_t).values(
                name=name, holder=holder, expires_at=now + timedelta(seconds=ttl_seconds)
            )
            taken = connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[_t.c.name],
                    set_={
                        "holder": insert.excluded.holder,
                        "expires_at": insert.excluded.expires_at,
                    },
                    where=(_t.c.expires_at <= now) | (_t.c.holder == holder),
                ).returning(_t.c.holder)
            ).first()
        return taken is not None

    def renew(self, name: str, holder: str, ttl_seconds: float) -> bool:
        """Extend a lease `holder` still has; False if it expired or someone else has it,
        in which case the caller must stop the work it guards."""
        with self._db.engine.begin() as connection:
            now = database_now(connection)
            result = connection.execute(
                update(_t)
                .where(_t.c.name == name, _t.c.holder == holder, _t.c.expires_at > now)
                .values(expires_at=now + timedelta(seconds=ttl_seconds))
            )
        return result.rowcount > 0

    def release(self, name: str, holder: str) -> bool:
        """Give the lease up so another process need not wait for expiry; only its holder can."""
        with self._db.engine.begin() as connection:
            result = connection.execute(delete(_t).where(_t.c.name == name, _t.c.holder == holder))
        return result.rowcount > 0

    def holder(self, name: str) -> str | None:
        """Who holds the lease now, or None if it is free or expired."""
        lease = self.get(name)
        return lease.holder if lease else None

    def get(self, name: str) -> Lease | None:
        """The lease as it stands, if it is held (not expired)."""
        with self._db.engine.begin() as connection:
            now = database_now(connection)
            row = connection.execute(
                select(_t).where(_t.c.name == name, _t.c.expires_at > now)
            ).first()
        return Lease(name=row.name, holder=row.holder, expires_at=row.expires_at) if row else None


def database_now(connection: Connection) -> datetime:
    """The database server's current time, in UTC."""
    if connection.dialect.name == "postgresql":
        return connection.execute(select(func.clock_timestamp())).scalar_one().astimezone(UTC)
    text = connection.execute(select(func.strftime("%Y-%m-%d %H:%M:%f", "now"))).scalar_one()
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
