"""The bridge's tables, as typed SQLAlchemy 2 models.

Repositories read and write these tables with Core statements and hand out frozen records
(storage.records), so no live ORM object ever leaves a transaction. Statuses are stored as the
string values of the enums in bot.core.domain; times are UTC (storage.types.UTCDateTime).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import RowId, UTCDateTime

# Deterministic constraint names, so migrations can name what they drop or alter.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), str: String()}


class DirectoryEntryRow(Base):
    """Who is who: a Slack user and the phone number that reaches them. Only 'verified' and
    'admin' numbers grant identity; 'profile' is a cache of the user's Slack profile phone."""

    __tablename__ = "directory"
    __table_args__ = (CheckConstraint("source IN ('verified', 'admin', 'profile')", name="source"),)

    slack_user_id: Mapped[str] = mapped_column(primary_key=True)
    phone_number: Mapped[str] = mapped_column(index=True)  # E.164
    source: Mapped[str]
    updated_at: Mapped[datetime]


class PhoneVerificationRow(Base):
    """A number a user registered and has yet to prove: the code texted to it (hashed), when
    it expires, wrong tries so far, and the cooling-off after too many."""

    __tablename__ = "phone_verifications"

    slack_user_id: Mapped[str] = mapped_column(primary_key=True)
    phone_number: Mapped[str]  # E.164
    code_hash: Mapped[str | None]  # None: no usable code (withdrawn, or from before 0004)
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None]


class RouteRow(Base):
    """An inbound keyword and the Slack channel its texts go to."""

    __tablename__ = "routes"

    keyword: Mapped[str] = mapped_column(primary_key=True)  # lowercased
    channel_id: Mapped[str] = mapped_column(index=True)
    created_by: Mapped[str]
    created_at: Mapped[datetime]


class ConversationRow(Base):
    """One phone number talking in one channel, in one Slack thread."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("phone_number", "channel_id"),
        UniqueConstraint("channel_id", "thread_ts"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    phone_number: Mapped[str]
    channel_id: Mapped[str]
    thread_ts: Mapped[str | None]
    # Set while one opener posts the thread header, so a second one waits for its thread.
    thread_opening_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime] = mapped_column(index=True)


class MessageRow(Base):
    """A text, inbound or outbound, findable from Web21C's side and from Slack's."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        UniqueConstraint("direction", "web21c_message_id"),
        UniqueConstraint("channel_id", "slack_ts"),
        UniqueConstraint("event_token"),
        Index(None, "direction", "posted_at"),
        Index(None, "keyword", "cleared_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    direction: Mapped[str]
    web21c_message_id: Mapped[str | None]
    conversation_id: Mapped[int | None] = mapped_column(
        RowId, ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    channel_id: Mapped[str | None]
    slack_ts: Mapped[str | None]
    text: Mapped[str] = mapped_column(Text)
    sender: Mapped[str]  # a Slack user id (outbound) or a phone URI (inbound)
    keyword: Mapped[str | None]  # inbound only, lowercased
    received_at: Mapped[datetime | None]  # inbound: when Web21C received it
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention deletes by age
    post_started_at: Mapped[datetime | None]  # inbound: a Slack post was attempted
    posted_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]  # inbound: when cleared at Web21C
    event_token: Mapped[str | None]  # outbound: the delivery callback's token
    # True when the Slack message at slack_ts is the bridge's own post (it may edit it),
    # False when it is a person's message (the bridge can only react to it).
    bridge_post: Mapped[bool] = mapped_column(server_default=false())
    # Outbound: Web21C took the send but its answer never came back, so the text may or may
    # not have gone; a delivery callback for it (its event_token) settles it.
    outcome_unknown: Mapped[bool] = mapped_column(server_default=false())


class RecipientRow(Base):
    """Delivery status of one outbound message to one destination."""

    __tablename__ = "message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "destination_uri"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(RowId, ForeignKey("messages.id", ondelete="CASCADE"))
    destination_uri: Mapped[str]
    status: Mapped[str]  # bot.core.domain.MessageStatus
    updated_at: Mapped[datetime]


class CallRow(Base):
    """A third-party call and where its live card is in Slack."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(unique=True)
    calling_party: Mapped[str]
    called_party: Mapped[str]
    started_by: Mapped[str]
    channel_id: Mapped[str]
    card_ts: Mapped[str | None]
    status: Mapped[str] = mapped_column(index=True)  # bot.core.domain.CallStatus
    termination_cause: Mapped[str | None]  # bot.core.domain.CallTerminationCause
    start_time: Mapped[datetime | None]
    duration: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention deletes by age
    ended_at: Mapped[datetime | None]


class ConferenceRow(Base):
    """A conference call and where its live card is in Slack."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conference_id: Mapped[str] = mapped_column(unique=True)
    started_by: Mapped[str]
    channel_id: Mapped[str]
    card_ts: Mapped[str | None]
    status: Mapped[str] = mapped_column(index=True)  # bot.core.domain.ConferenceStatus
    start_time: Mapped[datetime | None]
    duration: Mapped[int] = mapped_column(Integer)
    number_of_participants: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention deletes by age
    ended_at: Mapped[datetime | None]


class ParticipantRow(Base):
    """One invitee of a conference."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conference_id: Mapped[str] = mapped_column(
        ForeignKey("conferences.conference_id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(unique=True)
    uri: Mapped[str]
    slack_user_id: Mapped[str | None]
    status: Mapped[str]  # bot.core.domain.ParticipantStatus
    start_time: Mapped[datetime | None]


class OptOutRow(Base):
    """A number that texted STOP (or similar) and must not be texted again until it opts in."""

    __tablename__ = "opt_outs"

    phone_number: Mapped[str] = mapped_column(primary_key=True)
    opted_out_at: Mapped[datetime]
    word: Mapped[str]


class HandledEventRow(Base):
    """A Slack event id already handled, kept until Slack stops retrying it."""

    __tablename__ = "handled_events"

    event_id: Mapped[str] = mapped_column(primary_key=True)
    handled_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LeaseRow(Base):
    """A named lease: who may run a given scheduled job, and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(primary_key=True)
    holder: Mapped[str]
    expires_at: Mapped[datetime]


class AuditRow(Base):
    """Who texted or called whom, and other actions worth answering for later."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str]
    action: Mapped[str]
    target: Mapped[str]
    detail: Mapped[str] = mapped_column(Text)


class WorkRow(Base):
    """A request a front end has acknowledged and a worker has yet to finish. Kept here, not
    in memory, so the hand-off reaches another process and survives a restart.

    A worker claims an item for a while (started_by, claim_expires_at) and renews the claim
    while it works; an expired claim means its worker stopped. side_effect_at is committed
    right before the first write to Web21C, so an item whose worker stopped before it is
    safe to run again, and one whose worker stopped after it is never repeated. Items with
    one ordering_key (one Slack user, one thread) are carried out one at a time, by id."""

    __tablename__ = "work_queue"
    __table_args__ = (Index(None, "ordering_key", "id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    kind: Mapped[str]  # which handler carries it out, e.g. "command"
    payload: Mapped[str] = mapped_column(Text)  # JSON
    ordering_key: Mapped[str | None]  # e.g. "user:U123"; None: no order to keep
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(index=True)  # claimed; None: waiting
    started_by: Mapped[str | None]  # the claim: which worker, which attempt
    claim_expires_at: Mapped[datetime | None]  # renewed while its worker works on it
    side_effect_at: Mapped[datetime | None]  # a write to Web21C was about to be sent
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")


class ContactRow(Base):
    """A name the team gave a phone number (`/contact`), shown wherever the number is."""

    __tablename__ = "contacts"

    phone_number: Mapped[str] = mapped_column(primary_key=True)  # E.164
    name: Mapped[str]  # as typed; escaped whenever it is shown
    set_by: Mapped[str]  # the Slack user who last named it
    updated_at: Mapped[datetime]


class NoteRow(Base):
    """A thread reply marked `note:`/`private:`: kept for the team, never texted."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str]
    slack_ts: Mapped[str]
    author: Mapped[str]  # a Slack user id
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class HolderRow(Base):
    """Who has a conversation (its header's Take it): one holder each, found from either side."""

    __tablename__ = "conversation_holders"

    conversation_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(index=True)  # a Slack user id
    taken_at: Mapped[datetime]


class ReminderRow(Base):
    """The newest unanswered inbound text a conversation was reminded about: once each."""

    __tablename__ = "conversation_reminders"

    conversation_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    message_id: Mapped[int] = mapped_column(RowId)
    reminded_at: Mapped[datetime]


class OutcomeLineRow(Base):
    """A finished call's or conference's line in a conversation thread: posted once each."""

    __tablename__ = "call_outcome_lines"
    __table_args__ = (UniqueConstraint("call_kind", "call_key", "conversation_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    call_kind: Mapped[str]  # "call" or "conference"
    call_key: Mapped[str]  # its Web21C id
    conversation_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    posted_at: Mapped[datetime]


class HomeTabRow(Base):
    """Who has opened the app's Home tab, so any process may refresh it when it changes."""

    __tablename__ = "home_tabs"

    user_id: Mapped[str] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime]


class ScheduledTextRow(Base):
    """A `/sms at ...` or `/sms in ...`: sent once when its time comes, unless cancelled.

    status: waiting -> queued (handed to the work queue, in the same transaction) -> sent or
    refused; or waiting/queued -> cancelled; or waiting -> missed (its time passed while the
    bridge was down for longer than the grace)."""

    __tablename__ = "scheduled_texts"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'queued', 'sent', 'refused', 'cancelled', 'missed')",
            name="status",
        ),
        Index(None, "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    # The request that scheduled it (a work item's key): a request run again after its
    # worker died finds this row instead of scheduling the text twice.
    request_key: Mapped[str | None] = mapped_column(unique=True)
    requester: Mapped[str] = mapped_column(index=True)  # a Slack user id
    channel_id: Mapped[str]
    typed: Mapped[str] = mapped_column(Text)  # what follows the time: `<party> <text>`
    send_at: Mapped[datetime]
    zone: Mapped[str]  # the requester's time zone, for showing the time
    status: Mapped[str]
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)  # why refused, when; for the list
