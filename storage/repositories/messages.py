"""Messages: every text in or out, findable by Web21C id, by Slack ts and by callback token.

Inbound texts move through three steps, each its own transaction, so a crash at any point
neither loses nor duplicates one: recorded (record_inbound), posted to Slack (mark_posted),
cleared at Web21C (mark_cleared).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, exists, func, select, update

from bot.core.domain import MessageStatus
from storage.models import MessageRow, RecipientRow
from storage.records import Direction, Message, Recipient
from storage.repositories.base import Repository
from storage.repositories.routes import normalise_keyword

_m = MessageRow.__table__
_r = RecipientRow.__table__

_IN_BATCH = 500  # ids per IN (...) list, well inside every database's parameter limit
FINAL_STATUSES = tuple(status.value for status in MessageStatus if status.is_final)


class MessageRepository(Repository):
    # -- inbound -------------------------------------------------------------------------

    def record_inbound(
        self,
        web21c_message_id: str,
        keyword: str,
        sender_uri: str,
        text: str,
        received_at: datetime,
    ) -> tuple[Message, bool]:
        """Store a text Web21C holds for us; the same messageId twice is stored once.
        Returns the stored message and whether this call stored it."""
        insert = self._prepared(
            "record_inbound",
            lambda: (
                self._upsert(_m)
                .on_conflict_do_nothing(index_elements=[_m.c.direction, _m.c.web21c_message_id])
                .returning(*_m.c)
            ),
        )
        created = self._conn.execute(
            insert,
            {
                "direction": Direction.INBOUND.value,
                "web21c_message_id": web21c_message_id,
                "keyword": normalise_keyword(keyword),
                "sender": sender_uri,
                "text": text,
                "received_at": received_at,
                "created_at": self._now(),
                "bridge_post": True,
            },
        ).first()
        if created:
            return _message(created), True
        existing = self.by_web21c_id(Direction.INBOUND, web21c_message_id)
        assert existing is not None
        return existing, False

    def record_inbound_many(self, texts: Sequence[tuple[str, str, str, str, datetime]]) -> set[str]:
        """record_inbound for a batch of (messageId, keyword, sender, text, received_at), in
        a few statements rather than one per text (a cycle may fetch thousands, most of them
        seen before); returns the messageIds this call stored."""
        ids = list(dict.fromkeys(t[0] for t in texts))
        known: set[str] = set()
        for i in range(0, len(ids), _IN_BATCH):
            known.update(
                self._conn.execute(
                    select(_m.c.web21c_message_id).where(
                        _m.c.direction == Direction.INBOUND.value,
                        _m.c.web21c_message_id.in_(ids[i : i + _IN_BATCH]),
                    )
                ).scalars()
            )
        now = self._now()
        rows, new = [], set()
        for message_id, keyword, sender, text, received_at in texts:
            if message_id in known or message_id in new:
                continue
            new.add(message_id)
            rows.append(
                {
                    "direction": Direction.INBOUND.value,
                    "web21c_message_id": message_id,
                    "keyword": normalise_keyword(keyword),
                    "sender": sender,
                    "text": text,
                    "received_at": received_at,
                    "created_at": now,
                    "bridge_post": True,
                }
            )
        if rows:
            self._conn.execute(
                self._upsert(_m).on_conflict_do_nothing(
                    index_elements=[_m.c.direction, _m.c.web21c_message_id]
                ),
                rows,
            )
        return new

    def unposted_inbound(self, limit: int = 100) -> list[Message]:
        """Recorded inbound texts not yet in Slack, oldest first."""
        return self._messages(
            select(_m)
            .where(_m.c.direction == Direction.INBOUND.value, _m.c.posted_at.is_(None))
            .order_by(_m.c.received_at, _m.c.id)
            .limit(limit)
        )

    def unposted_by_keyword(self) -> dict[str, int]:
        """How many fetched inbound texts wait to be posted, by keyword."""
        rows = self._conn.execute(
            select(_m.c.keyword, func.count())
            .where(_m.c.direction == Direction.INBOUND.value, _m.c.posted_at.is_(None))
            .group_by(_m.c.keyword)
        )
        return {keyword or "": count for keyword, count in rows}

    def mark_post_started(self, message_id: int) -> bool:
        """Note that a Slack post of this inbound text is about to be attempted, so after a
        crash the bridge knows to look for it in Slack before posting it again. False if
        it is already posted."""
        result = self._conn.execute(
            update(_m)
            .where(_m.c.id == message_id, _m.c.posted_at.is_(None))
            .values(post_started_at=self._now())
        )
        return result.rowcount > 0

    def claim_post(self, message_id: int, stale_before: datetime) -> bool:
        """Claim the Slack post of an unposted inbound text: True unless another attempt
        started after `stale_before` (it may still be on its way to Slack), so two attempts
        never overlap, whether in one process, across a restart or across processes."""
        result = self._conn.execute(
            update(_m)
            .where(
                _m.c.id == message_id,
                _m.c.posted_at.is_(None),
                _m.c.post_started_at.is_(None) | (_m.c.post_started_at <= stale_before),
            )
            .values(post_started_at=self._now())
        )
        return result.rowcount > 0

    def expire_post_claim(self, message_id: int, stale: datetime) -> None:
        """Slack answered the attempt (with an error): it is no longer in flight. The start
        time is kept, only moved back to `stale`, so the next attempt still looks in Slack
        first and may then go ahead at once."""
        self._conn.execute(
            update(_m)
            .where(_m.c.id == message_id, _m.c.posted_at.is_(None))
            .values(post_started_at=stale)
        )

    def mark_posted(
        self, message_id: int, conversation_id: int, channel_id: str, slack_ts: str
    ) -> bool:
        """Note where an inbound text landed in Slack; False if it was already posted."""
        mark = self._prepared(
            "mark_posted",
            lambda: update(_m).where(_m.c.id == bindparam("message_id"), _m.c.posted_at.is_(None)),
        )
        result = self._conn.execute(
            mark,
            {
                "message_id": message_id,
                "conversation_id": conversation_id,
                "channel_id": channel_id,
                "slack_ts": slack_ts,
                "posted_at": self._now(),
            },
        )
        return result.rowcount > 0

    def posted_uncleared(self, keyword: str | None, limit: int = 100) -> list[Message]:
        """Inbound texts under `keyword` (None: any) already in Slack but not yet cleared at
        Web21C."""
        wanted = [] if keyword is None else [_m.c.keyword == normalise_keyword(keyword)]
        return self._messages(
            select(_m)
            .where(
                _m.c.direction == Direction.INBOUND.value,
                *wanted,
                _m.c.posted_at.is_not(None),
                _m.c.cleared_at.is_(None),
            )
            .order_by(_m.c.id)
            .limit(limit)
        )

    def mark_cleared(self, message_ids: Iterable[int]) -> int:
        """Note that these inbound texts were cleared at Web21C; returns how many changed."""
        ids = list(message_ids)
        if not ids:
            return 0
        result = self._conn.execute(
            update(_m)
            .where(_m.c.id.in_(ids), _m.c.cleared_at.is_(None))
            .values(cleared_at=self._now())
        )
        return result.rowcount

    # -- outbound ------------------------------------------------------------------------

    def record_outbound(
        self,
        web21c_message_id: str | None,
        conversation_id: int | None,
        channel_id: str | None,
        slack_ts: str | None,
        text: str,
        sender: str,
        recipient_uris: Sequence[str],
        event_token: str | None,
        *,
        bridge_post: bool = False,
    ) -> Message:
        """Store a text the bridge sends, with one Initial recipient row per destination.
        It may be recorded before Web21C answers (web21c_message_id None, set later with
        set_web21c_id), so a delivery callback that beats the reply still finds it.
        `bridge_post`: slack_ts is the bridge's own post (True) or a person's reply."""
        now = self._now()
        row = self._conn.execute(
            _m.insert()
            .values(
                direction=Direction.OUTBOUND.value,
                web21c_message_id=web21c_message_id,
                conversation_id=conversation_id,
                channel_id=channel_id,
                slack_ts=slack_ts,
                text=text,
                sender=sender,
                created_at=now,
                posted_at=now if slack_ts is not None else None,
                event_token=event_token,
                bridge_post=bridge_post,
            )
            .returning(*_m.c)
        ).one()
        uris = list(dict.fromkeys(recipient_uris))
        if uris:
            self._conn.execute(
                _r.insert(),
                [
                    {
                        "message_id": row.id,
                        "destination_uri": uri,
                        "status": MessageStatus.INITIAL.value,
                        "updated_at": now,
                    }
                    for uri in uris
                ],
            )
        return _message(row)

    def set_web21c_id(self, message_id: int, web21c_message_id: str) -> None:
        self._conn.execute(
            update(_m).where(_m.c.id == message_id).values(web21c_message_id=web21c_message_id)
        )

    def mark_outcome_unknown(self, message_id: int) -> bool:
        """Web21C took the send but did not answer: note that the text may have gone. False
        (and nothing changes) if Web21C has already spoken of it (a callback brought its id
        or a status), so it is known to have been sent."""
        heard = exists().where(
            _r.c.message_id == _m.c.id, _r.c.status != MessageStatus.INITIAL.value
        )
        result = self._conn.execute(
            update(_m)
            .where(_m.c.id == message_id, _m.c.web21c_message_id.is_(None), ~heard)
            .values(outcome_unknown=True)
        )
        return result.rowcount > 0

    def settle(self, message_id: int, web21c_message_id: str) -> bool:
        """Web21C spoke of this text (a delivery callback): it was sent, under this id (the
        first id heard is kept). True if this cleared its outcome-unknown mark."""
        self._conn.execute(
            update(_m)
            .where(_m.c.id == message_id, _m.c.web21c_message_id.is_(None))
            .values(web21c_message_id=web21c_message_id)
        )
        result = self._conn.execute(
            update(_m)
            .where(_m.c.id == message_id, _m.c.outcome_unknown.is_(True))
            .values(outcome_unknown=False)
        )
        return result.rowcount > 0

    def set_recipient_status(
        self, message_id: int, destination_uri: str, status: MessageStatus | str
    ) -> bool:
        """Record a delivery status; True if it changed. Delivered, Failed and Blocked are
        final: a late or repeated report never moves a recipient out of them."""
        status = MessageStatus(status)
        result = self._conn.execute(
            update(_r)
            .where(
                _r.c.message_id == message_id,
                _r.c.destination_uri == destination_uri,
                _r.c.status != status.value,
                _r.c.status.not_in(FINAL_STATUSES),
            )
            .values(status=status.value, updated_at=self._now())
        )
        return result.rowcount > 0

    def recipients(self, message_id: int) -> list[Recipient]:
        rows = self._conn.execute(select(_r).where(_r.c.message_id == message_id).order_by(_r.c.id))
        return [_recipient(row) for row in rows]

    def outbound_awaiting_delivery(self, limit: int = 100) -> list[Message]:
        """Sent texts with at least one recipient whose status may still change, oldest first."""
        pending = exists().where(_r.c.message_id == _m.c.id, _r.c.status.not_in(FINAL_STATUSES))
        return self._messages(
            select(_m)
            .where(
                _m.c.direction == Direction.OUTBOUND.value,
                _m.c.web21c_message_id.is_not(None),
                pending,
            )
            .order_by(_m.c.id)
            .limit(limit)
        )

    # -- lookups -------------------------------------------------------------------------

    def get(self, message_id: int) -> Message | None:
        return self._one(select(_m).where(_m.c.id == message_id))

    def by_event_token(self, event_token: str) -> Message | None:
        return self._one(select(_m).where(_m.c.event_token == event_token))

    def by_web21c_id(self, direction: Direction | str, web21c_message_id: str) -> Message | None:
        return self._one(
            select(_m).where(
                _m.c.direction == Direction(direction).value,
                _m.c.web21c_message_id == web21c_message_id,
            )
        )

    def by_slack(self, channel_id: str, slack_ts: str) -> Message | None:
        return self._one(select(_m).where(_m.c.channel_id == channel_id, _m.c.slack_ts == slack_ts))

    def _one(self, query) -> Message | None:
        row = self._conn.execute(query).first()
        return _message(row) if row else None

    def _messages(self, query) -> list[Message]:
        return [_message(row) for row in self._conn.execute(query)]


def _message(row: Row) -> Message:
    return Message(
        id=row.id,
        direction=Direction(row.direction),
        web21c_message_id=row.web21c_message_id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        slack_ts=row.slack_ts,
        text=row.text,
        sender=row.sender,
        keyword=row.keyword,
        received_at=row.received_at,
        created_at=row.created_at,
        post_started_at=row.post_started_at,
        posted_at=row.posted_at,
        cleared_at=row.cleared_at,
        event_token=row.event_token,
        bridge_post=row.bridge_post,
        outcome_unknown=row.outcome_unknown,
    )


def _recipient(row: Row) -> Recipient:
    return Recipient(
        message_id=row.message_id,
        destination_uri=row.destination_uri,
        status=MessageStatus(row.status),
        updated_at=row.updated_at,
    )
