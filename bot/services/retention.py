"""Retention: texts and notes are personal data, so the bridge deletes them once
RETENTION_DAYS have passed, and forgets one number entirely when an admin asks
(`/sms forget <number>`): its texts, notes, calls, conversations and contact name.

Both work in batches (storage.repositories.retention), each batch its own short transaction,
so texts arriving meanwhile are recorded, posted and cleared as usual.

What an open conversation still needs: its row (number, channel, Slack thread) while it was
active within the retention period or the conversation window (bot.services.inbound), which
ever is longer, so the person's next text or a reply in its Slack thread still lands in that
thread. Its old texts themselves go like any others. Unfinished deliveries, live calls, the
audit log and opt-outs are kept (see the repository's docstring).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from phonenumbers import NumberParseException

from bot.core.numbers import is_sip_uri, number_from_uri
from bot.core.ports import Clock
from bot.services.errors import Rejected
from bot.services.inbound import CONVERSATION_WINDOW
from bot.services.parties import Policy
from storage import Database
from storage.repositories.retention import BATCH

log = logging.getLogger(__name__)

FORGET_ACTION = "number.forget"
# Between two full batches: room for writers waiting on the database (SQLite's busy handler
# sleeps between tries, so a loop that commits and at once writes again would starve them).
BATCH_PAUSE_SECONDS = 0.05


@dataclass(frozen=True)
class Purged:
    """How many rows one retention run deleted, by kind."""

    texts: int = 0
    notes: int = 0
    calls: int = 0
    conferences: int = 0
    conversations: int = 0

    @property
    def total(self) -> int:
        return self.texts + self.notes + self.calls + self.conferences + self.conversations


@dataclass
class Retention:
    db: Database
    clock: Clock
    policy: Policy
    days: int | None  # None: retention is off
    default_region: str = "GB"
    pause: Callable[[float], None] = time.sleep

    def purge(self) -> Purged:
        """Delete what is older than the retention period and no longer needed."""
        if self.days is None:
            return Purged()
        now = self.clock.now()
        before = now - timedelta(days=self.days)
        idle_before = now - max(timedelta(days=self.days), CONVERSATION_WINDOW)
        purged = Purged(
            texts=self._batches(lambda tx: tx.retention.purge_texts(before)),
            notes=self._batches(lambda tx: tx.retention.purge_notes(before)),
            calls=self._batches(lambda tx: tx.retention.purge_calls(before)),
            conferences=self._batches(lambda tx: tx.retention.purge_conferences(before)),
            conversations=self._batches(lambda tx: tx.retention.purge_conversations(idle_before)),
        )
        if purged.total:
            log.info(
                "retention (%d days) deleted %d texts, %d notes, %d calls, %d conferences, "
                "%d conversations",
                self.days,
                purged.texts,
                purged.notes,
                purged.calls,
                purged.conferences,
                purged.conversations,
            )
        return purged

    def forget(self, actor: str, typed: str) -> str:
        """Delete everything stored about one number; the answer counts what went."""
        if not self.policy.is_admin(actor):
            raise Rejected(
                "Only admins can make the bridge forget a number (ask one of the people in "
                "ADMIN_USER_IDS)."
            )
        number = self._number(typed)
        texts = self._batches(lambda tx: tx.retention.forget_texts(number))
        calls = self._batches(lambda tx: tx.retention.forget_calls(number))
        notes = self._batches(lambda tx: tx.retention.forget_notes(number))
        audit = self._batches(lambda tx: tx.retention.redact_audit(number))
        with self.db.transaction() as tx:
            conversations = tx.retention.forget_conversations(number)
            named = tx.retention.forget_contact(number)
            invitations = tx.retention.forget_participants(number)
            entries = tx.retention.forget_directory(number)
            opted_out = tx.opt_outs.is_opted_out(number)
            # That it happened, by whom and when; neither the number nor what went (a hash
            # of a phone number is no protection: there are few enough to try them all).
            tx.audit.record(actor, FORGET_ACTION, "", "")
        counts = [
            _count(texts, "text"),
            _count(calls, "call"),
            _count(conversations, "conversation"),
            _count(notes, "note"),
            *(["its contact name"] if named else []),
            _count(invitations, "conference invitation"),
            _count(entries, "directory entry", "directory entries"),
        ]
        answer = f"Forgot {number}: " + ", ".join(counts) + "."
        if audit:
            verb = "names" if audit == 1 else "name"
            answer += f" {_count(audit, 'audit entry', 'audit entries')} no longer {verb} it."
        if opted_out:
            answer += (
                " Its opt-out is kept: they texted STOP, and the bridge must go on honouring "
                "that until they text START."
            )
        return answer + " Messages already in Slack stay there; delete them in Slack if need be."

    def _batches(self, batch: Callable) -> int:
        """Run one bounded batch per transaction until a batch comes back short."""
        total = 0
        while True:
            with self.db.transaction() as tx:
                done = batch(tx)
            total += done
            if done < BATCH:
                return total
            self.pause(BATCH_PAUSE_SECONDS)

    def _number(self, typed: str) -> str:
        """The number as the bridge stores it: E.164, or a SIP URI as is. No country or
        premium-rate policy here: any number the bridge may have heard from can be forgotten."""
        raw = typed.strip()
        if raw.lower().startswith("sip:"):
            if not is_sip_uri(raw):
                raise Rejected(f"`{_clip(raw)}` is not a valid sip: URI.")
            return raw
        raw = number_from_uri(raw) if raw.lower().startswith("tel:") else raw
        try:
            parsed = phonenumbers.parse(raw, self.default_region)
        except NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_possible_number(parsed):
            raise Rejected(
                f"`{_clip(raw)}` is not a phone number. Example: `/sms forget +447700900123`"
            )
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _clip(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
