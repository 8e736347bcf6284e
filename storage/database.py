"""The database handle and its unit of work.

    db = Database(settings.database_url)
    with db.transaction() as tx:
        conversation, created = tx.conversations.get_or_create(phone, channel)
        tx.audit.record(user, "sms", phone)

The block commits when it ends and rolls back if it raises. Repositories hang off the
transaction, share its connection, and return frozen records (storage.records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine, text

from storage.engine import create_engine, normalise_url
from storage.models import Base
from storage.repositories import (
    AuditRepository,
    CallRepository,
    ConferenceRepository,
    ConsoleViewRepository,
    ContactRepository,
    ConversationRepository,
    DirectoryRepository,
    HandledEventRepository,
    HistoryRepository,
    HomeTabRepository,
    MessageRepository,
    NoteRepository,
    OptOutRepository,
    OutcomeLineRepository,
    OwnershipRepository,
    RetentionRepository,
    RouteRepository,
    ScheduledTextRepository,
    VerificationRepository,
    WorkRepository,
)
from storage.types import utcnow

Clock = Callable[[], datetime]


class Transaction:
    """One unit of work: every repository, on one connection, in one transaction."""

    def __init__(self, connection: Connection, clock: Clock):
        self.connection = connection
        self._clock = clock

    @cached_property
    def directory(self) -> DirectoryRepository:
        return DirectoryRepository(self.connection, self._clock)

    @cached_property
    def verifications(self) -> VerificationRepository:
        return VerificationRepository(self.connection, self._clock)

    @cached_property
    def routes(self) -> RouteRepository:
        return RouteRepository(self.connection, self._clock)

    @cached_property
    def conversations(self) -> ConversationRepository:
        return ConversationRepository(self.connection, self._clock)

    @cached_property
    def messages(self) -> MessageRepository:
        return MessageRepository(self.connection, self._clock)

    @cached_property
    def calls(self) -> CallRepository:
        return CallRepository(self.connection, self._clock)

    @cached_property
    def conferences(self) -> ConferenceRepository:
        return ConferenceRepository(self.connection, self._clock)

    @cached_property
    def opt_outs(self) -> OptOutRepository:
        return OptOutRepository(self.connection, self._clock)

    @cached_property
    def events(self) -> HandledEventRepository:
        return HandledEventRepository(self.connection, self._clock)

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.connection, self._clock)

    @cached_property
    def work(self) -> WorkRepository:
        return WorkRepository(self.connection, self._clock)

    @cached_property
    def contacts(self) -> ContactRepository:
        return ContactRepository(self.connection, self._clock)

    @cached_property
    def notes(self) -> NoteRepository:
        return NoteRepository(self.connection, self._clock)

    @cached_property
    def ownership(self) -> OwnershipRepository:
        return OwnershipRepository(self.connection, self._clock)

    @cached_property
    def outcome_lines(self) -> OutcomeLineRepository:
        return OutcomeLineRepository(self.connection, self._clock)

    @cached_property
    def home_tabs(self) -> HomeTabRepository:
        return HomeTabRepository(self.connection, self._clock)

    @cached_property
    def scheduled(self) -> ScheduledTextRepository:
        return ScheduledTextRepository(self.connection, self._clock)

    @cached_property
    def history(self) -> HistoryRepository:
        return HistoryRepository(self.connection, self._clock)

    @cached_property
    def retention(self) -> RetentionRepository:
        return RetentionRepository(self.connection, self._clock)

    @cached_property
    def console_view(self) -> ConsoleViewRepository:
        return ConsoleViewRepository(self.connection, self._clock)


class Database:
    """The bridge's database: an engine set up for SQLite or PostgreSQL (storage.engine).

    `clock` is the application clock every repository stamps times with (UTC, aware);
    tests pass their own to control time. Leases use the database clock (storage.lease).
    """

    def __init__(self, url: str, *, clock: Clock = utcnow, **engine_kwargs: Any):
        self.url = normalise_url(url)
        self.engine: Engine = create_engine(self.url, **engine_kwargs)
        self.clock = clock

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit on normal exit, roll back (and re-raise) on an exception."""
        with self.engine.begin() as connection:
            yield Transaction(connection, self.clock)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def ping(self) -> bool:
        """True if the database answers, for health checks."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def create_schema(self) -> None:
        """Create every table straight from the models. For tests and tools; the bridge's
        own databases are built by migrations (storage.migrate.upgrade)."""
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
