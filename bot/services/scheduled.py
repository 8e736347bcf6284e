"""Scheduled texts: `/sms at 17:00 <party> <text>`, `/sms at 2026-12-24 09:00 ...`,
`/sms in 2h ...`, `/sms scheduled` with its Cancel buttons.

A time typed is in the requester's time zone (their Slack profile's; the console's machine's).
Each text is sent exactly once: when its time comes, the `scheduled` job moves it from
waiting to queued and puts it on the work queue in the same transaction, so a crash loses
nothing and no second process queues it again; the work queue's own rules (a side effect
begun is never repeated) then carry it out once. At that moment the words typed are parsed
and checked again, so a number that opted out or is no longer allowed is refused then, and
the requester told. A text whose time passed while the bridge was down is sent if it is late
by less than the grace, else reported to its requester as missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.cards import CANCEL_SCHEDULED, Button, Card, Row
from bot.core.commands import (
    MAX_DELAY,
    ScheduleSms,
    SendAt,
    SendGroupSms,
    SendIn,
    SendSms,
    UsageError,
    parse,
)
from bot.core.domain import ChatError, TelephonyError
from bot.core.mrkdwn import escape
from bot.core.ports import ChatSurface, Clock
from bot.services.errors import Rejected
from bot.services.group_texts import GroupTexts
from bot.services.messaging import Messaging
from bot.services.parties import Directory
from bot.services.telephony_errors import explain
from storage import Database
from storage.records import ScheduledText

log = logging.getLogger(__name__)

WORK_KIND = "scheduled_text"  # the work queue's kind for a text whose time has come
OPEN = ("waiting", "queued")


@dataclass
class ScheduledTexts:
    db: Database
    chat: ChatSurface
    directory: Directory
    messaging: Messaging
    group_texts: GroupTexts
    clock: Clock
    grace: timedelta  # how late a text may still be sent after the bridge was down
    wake: Callable[[], None] = lambda: None  # the work queue's: a runner here starts at once
    # The key of the request being carried out (bot.queue.side_effects.current_request), so
    # that a request run again after its worker died schedules nothing twice.
    request_key: Callable[[], str | None] = lambda: None
    # The words typed, as the person meant them: Slack's markup and escapes undone (a front
    # end that escapes sets it; the console's words are plain already).
    plain: Callable[[str], str] = lambda words: words

    # --- commands ------------------------------------------------------------------------

    def schedule(self, actor: str, channel: str, command: ScheduleSms) -> str:
        """Keep the text for later; the answer says when, in words, in the requester's zone."""
        self._check(command.send)  # refused now if it would be refused now
        zone = self._zone(actor)
        now = self.clock.now()
        send_at = self._when(command.when, zone, now)
        with self.db.transaction() as tx:
            kept, new = tx.scheduled.add(
                actor, channel, command.typed, send_at, zone.key, self.request_key()
            )
            if new:
                tx.audit.record(actor, "sms.schedule", command.typed[:80], send_at.isoformat())
        send_at = kept.send_at  # a request run again answers as the first attempt did
        return (
            f"Scheduled: your text to {self._whom(command.send)} goes "
            f"{_in_words(send_at, zone, now)}. `/sms scheduled` lists yours."
        )

    def describe(self, actor: str, channel: str) -> str | None:
        """`/sms scheduled`: the open ones, each with a Cancel button (an admin sees all)."""
        everyone = self.directory.policy.is_admin(actor)
        with self.db.transaction() as tx:
            texts = tx.scheduled.open_for(None if everyone else actor)
        if not texts:
            return "No texts are scheduled. `/sms at 17:00 <party> <text>` schedules one."
        zone = self._zone(actor)
        now = self.clock.now()
        rows = []
        for text in texts:
            who = f" (<@{text.requester}>)" if text.requester != actor else ""
            state = "" if text.status == "waiting" else " · being sent"
            words = f"{_in_words(text.send_at, zone, now)}{who}: {self._shown(text)}{state}"
            button = Button("Cancel", CANCEL_SCHEDULED, str(text.id), danger=True)
            rows.append(Row(words, button if text.status == "waiting" else None))
        whose = "Scheduled texts" if everyone else "Your scheduled texts"
        card = Card(f":alarm_clock: {whose} ({len(texts)})", tuple(rows))
        self.chat.post_ephemeral(channel, actor, card.as_text(), card=card)
        return None

    def cancel(self, actor: str, value: str) -> str:
        """The Cancel button: the requester's own, or anyone's for an admin."""
        text = self._get(value)
        if text.requester != actor and not self.directory.policy.is_admin(actor):
            return "Only whoever scheduled that text, or an admin, can cancel it."
        with self.db.transaction() as tx:
            cancelled = tx.scheduled.move(text.id, ("waiting",), "cancelled", f"by {actor}")
            if cancelled:
                tx.audit.record(actor, "sms.cancel", text.typed[:80], str(text.id))
        if not cancelled:
            return f"Too late to cancel: that text is {_status_words(self._get(value).status)}."
        return f"Cancelled: `{self._shown(text)}` will not be sent."

    # --- the job and the work it queues --------------------------------------------------

    def release_due(self) -> int:
        """Hand every text whose time has come to the work queue (or report it missed);
        how many were queued."""
        now = self.clock.now()
        with self.db.transaction() as tx:
            due = tx.scheduled.due(now)
        queued = 0
        for text in due:
            if now - text.send_at > self.grace:
                self._missed(text, now)
                continue
            with self.db.transaction() as tx:  # both or neither: nothing lost, nothing twice
                if tx.scheduled.move(text.id, ("waiting",), "queued"):
                    payload = {"id": text.id, "user": text.requester, "channel": text.channel_id}
                    tx.work.add(WORK_KIND, payload, f"user:{text.requester}")
                    queued += 1
        if queued:
            self.wake()
        return queued

    def send_now(self, payload: dict) -> None:
        """Carry out one queued text (the work queue calls this, once per attempt)."""
        text = self._get(str(payload["id"]))
        if text.status != "queued":
            return  # cancelled meanwhile, or settled by an earlier attempt
        try:
            command = parse("/sms", text.typed, self.directory.policy.default_region)
            if not isinstance(command, SendSms | SendGroupSms):
                raise Rejected("it is no longer a text this bridge understands")
            note = self._send(text, replace(command, text=self.plain(command.text)))
        except UsageError as error:
            self._refused(text, str(error).splitlines()[0])
            return
        except Rejected as refusal:
            self._refused(text, str(refusal))
            return
        except TelephonyError as error:
            self._refused(text, explain(error))
            return
        with self.db.transaction() as tx:
            tx.scheduled.move(text.id, ("queued",), "sent", note)
        if note:
            self._tell(text, f"Your scheduled text `{self._shown(text)}`: {note}")

    def describe_work(self, payload: dict) -> str:
        return "your scheduled text"

    def tell_requester(self, payload: dict, words: str) -> None:
        try:
            self.chat.post_ephemeral(payload["channel"], payload["user"], words)
        except ChatError as error:
            log.warning("could not tell %s: %s (%s)", payload["user"], words, error.reason)

    # --- helpers -------------------------------------------------------------------------

    def _send(self, text: ScheduledText, command: SendSms | SendGroupSms) -> str | None:
        if isinstance(command, SendSms):
            return self.messaging.send(text.requester, text.channel_id, command.to, command.text)
        return self.group_texts.send(text.requester, text.channel_id, command.to, command.text)

    def _check(self, send: SendSms | SendGroupSms) -> None:
        """Refuse now what would be refused now (a group text needs one sendable party)."""
        targets = (send.to,) if isinstance(send, SendSms) else send.to
        accepted, refused = self.group_texts.sendable(targets, send.text)
        if not accepted:
            raise Rejected("Not scheduled: " + " ".join(refused))

    def _missed(self, text: ScheduledText, now: datetime) -> None:
        with self.db.transaction() as tx:
            missed = tx.scheduled.move(text.id, ("waiting",), "missed", "the bridge was down")
        if missed:
            late = duration_words(now - text.send_at)
            self._tell(
                text,
                f"Your text `{self._shown(text)}` was due {late} ago, while the bridge was "
                "down, so it was not sent (texts later than "
                f"{duration_words(self.grace)} are not). Send it again if it still matters.",
            )

    def _refused(self, text: ScheduledText, reason: str) -> None:
        with self.db.transaction() as tx:
            tx.scheduled.move(text.id, ("queued",), "refused", reason)
        self._tell(text, f"Your scheduled text `{self._shown(text)}` was not sent: {reason}")

    def _shown(self, text: ScheduledText) -> str:
        """The words typed, for a message: as the person meant them, escaped once (Slack's
        own escapes undone first, or they would show as `&amp;`)."""
        return escape(self.plain(text.typed))

    def _tell(self, text: ScheduledText, words: str) -> None:
        self.tell_requester({"user": text.requester, "channel": text.channel_id}, words)

    def _get(self, value: str) -> ScheduledText:
        text = None
        if value.isdigit():
            with self.db.transaction() as tx:
                text = tx.scheduled.get(int(value))
        if text is None:
            raise Rejected("That scheduled text is not one the bridge knows.")
        return text

    def _zone(self, user: str) -> ZoneInfo:
        name = self.chat.user_timezone(user) or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r for %s; using UTC", name, user)
            return ZoneInfo("UTC")

    @staticmethod
    def _when(when: SendAt | SendIn, zone: ZoneInfo, now: datetime) -> datetime:
        if isinstance(when, SendIn):
            return now + when.delay
        local_now = now.astimezone(zone)
        day = when.date or local_now.date()
        at = datetime.combine(day, when.time, tzinfo=zone)
        if at <= local_now:
            if when.date is not None:
                raise Rejected(f"{at:%Y-%m-%d %H:%M} ({zone.key}) has passed; name a time to come.")
            at = datetime.combine(day + timedelta(days=1), when.time, tzinfo=zone)
        if at - local_now > MAX_DELAY:
            raise Rejected("A text can be scheduled at most a year ahead.")
        return at.astimezone(UTC)

    def _whom(self, send: SendSms | SendGroupSms) -> str:
        targets = (send.to,) if isinstance(send, SendSms) else send.to
        return ", ".join(str(t) for t in targets)


def _in_words(at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`today at 17:00 (Europe/London), in 2 hours 13 minutes`."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {local:%A} {local.day} {local:%B %Y}"
    return f"{day} at {local:%H:%M} ({zone.key}), in {duration_words(at - now)}"


def duration_words(span: timedelta) -> str:
    """`2 hours 13 minutes`: the two largest units, or seconds under a minute."""
    seconds = max(0, int(span.total_seconds()))
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    if not words:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return " ".join(words)


def _status_words(status: str) -> str:
    return {
        "queued": "being sent now",
        "sent": "sent already",
        "refused": "refused already",
        "cancelled": "cancelled already",
        "missed": "missed (the bridge was down at its time)",
    }.get(status, status)
