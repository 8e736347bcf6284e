"""History and export: what was said and rung with one party, for the people allowed to see it.

A conversation lives in a channel, so whoever may read that channel may read its history:
admins, and the channel's members. Each text, note and call is checked against the channel it
happened in; someone in none of them is told why they get nothing. `/sms history` shows the
last HISTORY_LIMIT texts and calls (conferences included, notes not) to the requester only;
`/sms export` gives them the whole conversation, notes marked as notes, as a CSV file.

Times are the bridge's own (when it recorded a text, note or placed a call), so everything is
ordered by one clock, whatever Web21C's clock says.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.commands import NumberTarget, Target, UserTarget
from bot.core.domain import CallStatus, CallTerminationCause, ConferenceStatus, MessageStatus
from bot.core.mrkdwn import escape
from bot.core.numbers import NumberRejected, parse_number
from bot.core.ports import ChatSurface
from bot.services.errors import Rejected
from bot.services.parties import Directory, Party
from storage import Database

HISTORY_LIMIT = 20
CSV_COLUMNS = ("time_utc", "kind", "direction", "from", "to", "text", "state", "channel")
_E164 = re.compile(r"^\+\d{1,15}$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CAUSES = {
    CallTerminationCause.CALLING_PARTY_UNAVAILABLE: "caller unavailable",
    CallTerminationCause.CALLED_PARTY_UNAVAILABLE: "called party unavailable",
    CallTerminationCause.CALLING_PARTY_HUNG_UP: "caller hung up",
    CallTerminationCause.CALLED_PARTY_HUNG_UP: "called party hung up",
    CallTerminationCause.TERMINATED_BY_CONTROLLER: "hung up from the bridge",
}


@dataclass(frozen=True)
class Entry:
    """One thing in a conversation, in words both the chat answer and the CSV use."""

    at: datetime
    kind: str  # "text", "note", "call" or "conference"
    direction: str  # "in", "out" or "" (a note)
    sender: str  # a Slack user id, or an address
    recipient: str
    text: str
    state: str
    channel: str


@dataclass
class History:
    db: Database
    chat: ChatSurface
    directory: Directory

    def show(self, actor: str, target: Target) -> str:
        """`/sms history`: the last texts and calls with a number or person, oldest first."""
        party = self._party(target)
        entries = [e for e in self._readable(actor, party) if e.kind != "note"]  # calls too
        if not entries:
            return f"There are no texts or calls with {party.label} yet."
        shown = entries[-HISTORY_LIMIT:]
        count = f"last {len(shown)} of {len(entries)}" if len(entries) > len(shown) else "all"
        lines = [f"*Texts and calls with {party.label}* ({count}, oldest first)"]
        lines += [self._line(entry, party) for entry in shown]
        return "\n".join(lines)

    def export(self, actor: str, target: NumberTarget) -> str:
        """`/sms export`: the whole conversation as a CSV file, given to the requester."""
        party = self._party(target)
        entries = self._readable(actor, party)
        if not entries:
            return f"There is nothing with {party.label} to export yet."
        filename = f"conversation-{party.number.lstrip('+')}.csv"
        where = self.chat.send_file(
            actor,
            filename,
            to_csv(entries, {party.number: party.name} if party.name else {}),
            f"The conversation with {party.label}: {len(entries)} rows.",
        )
        with self.db.transaction() as tx:
            tx.audit.record(actor, "history.export", party.number, f"{len(entries)} rows")
        return f"The conversation with {party.label} ({len(entries)} rows) is {where}."

    # --- gathering -------------------------------------------------------------------------

    def _party(self, target: Target) -> Party:
        if isinstance(target, UserTarget):
            return self.directory.party(target)
        if target.text.lower().startswith("sip:"):
            raise Rejected("History is kept for phone numbers, not sip: addresses.")
        try:  # a number the policy would not text may still have texted in
            number = parse_number(target.text, self.directory.policy.default_region)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        return self.directory.known(number.uri)

    def _readable(self, actor: str, party: Party) -> list[Entry]:
        """Everything with the party that the actor may read, oldest first; Rejected (saying
        where it lives) when there is some and they may read none of it."""
        entries = self._entries(party)
        if not entries or self.directory.policy.is_admin(actor):
            return entries
        channels = sorted({e.channel for e in entries})
        allowed = {c for c in channels if actor in self.chat.channel_members(c)}
        if not allowed:
            where = " or ".join(f"<#{c}>" for c in channels)
            raise Rejected(
                f"The conversation with {party.label} lives in {where}: only admins and "
                "members of that channel may read or export it, and you are not one."
            )
        return [e for e in entries if e.channel in allowed]

    def _entries(self, party: Party) -> list[Entry]:
        number, uri = party.number, party.uri
        entries: list[Entry] = []
        with self.db.transaction() as tx:
            conversations = {c.id: c for c in tx.history.conversations_with(number)}
            texts = tx.history.texts(conversations, group_to=uri)
            notes = tx.notes.for_conversations(conversations)
            calls = tx.history.calls_with(uri)
            conferences = tx.history.conferences_with(uri)
        for message, recipients in texts:
            conversation = conversations.get(message.conversation_id)
            channel = conversation.channel_id if conversation else message.channel_id
            if message.direction.value == "in":
                entries.append(
                    Entry(
                        message.created_at,
                        "text",
                        "in",
                        number,
                        "",
                        message.text,
                        "received",
                        channel,
                    )
                )
                continue
            mine = [r for r in recipients if r.destination_uri == uri] or recipients
            state = mine[0].status.value.lower() if mine else MessageStatus.INITIAL.value.lower()
            if message.outcome_unknown:
                state = "unknown (may have been sent)"
            entries.append(
                Entry(
                    message.created_at,
                    "text",
                    "out",
                    message.sender,
                    number,
                    message.text,
                    state,
                    channel,
                )
            )
        for note in notes:
            entries.append(
                Entry(
                    note.created_at,
                    "note",
                    "",
                    note.author,
                    "",
                    note.text,
                    "not sent",
                    note.channel_id,
                )
            )
        for call in calls:
            direction = "out" if call.called_party == uri else "in"
            entries.append(
                Entry(
                    call.created_at,
                    "call",
                    direction,
                    call.calling_party,
                    call.called_party,
                    "",
                    _call_state(call),
                    call.channel_id,
                )
            )
        for conference in conferences:
            entries.append(
                Entry(
                    conference.created_at,
                    "conference",
                    "out",
                    conference.started_by,
                    number,
                    "",
                    _conference_state(conference),
                    conference.channel_id,
                )
            )
        entries.sort(key=lambda e: e.at)
        return entries

    def _line(self, entry: Entry, party: Party) -> str:
        when = f"`{entry.at:%Y-%m-%d %H:%M} UTC`"
        if entry.kind == "conference":
            return (
                f"{when} :busts_in_silhouette: conference started by <@{entry.sender}> · "
                f"{entry.state}"
            )
        if entry.kind == "call":
            other = entry.sender if entry.direction == "out" else entry.recipient
            who = "call to them from" if entry.direction == "out" else "call from them to"
            return (
                f"{when} :telephone_receiver: {who} {self.directory.label(other)} · {entry.state}"
            )
        if entry.direction == "in":
            return f"{when} ← {party.label}: {escape(entry.text)} · {entry.state}"
        return f"{when} → <@{entry.sender}>: {escape(entry.text)} · {entry.state}"


def _conference_state(conference) -> str:
    if conference.status is not ConferenceStatus.TERMINATED:
        return "live"
    if conference.start_time and conference.duration:
        minutes, seconds = divmod(int(conference.duration), 60)
        return f"ended after {minutes}:{seconds:02}"
    return "ended"


def _call_state(call) -> str:
    if call.status is CallStatus.INITIAL:
        return "ringing"
    if call.status is CallStatus.CONNECTED:
        return "connected"
    cause = _CAUSES.get(call.termination_cause, "ended") if call.termination_cause else "ended"
    if call.start_time and call.duration:
        minutes, seconds = divmod(int(call.duration), 60)
        return f"{cause} after {minutes}:{seconds:02}"
    return cause


def to_csv(entries: list[Entry], names: dict[str, str] | None = None) -> bytes:
    """The rows as CSV (UTF-8), a number shown with its contact name from `names`. Cells from
    outside that a spreadsheet would run as a formula (`=...`, `@...`) are prefixed with a
    quote, so opening the export runs nothing."""
    names = names or {}

    def who(value: str) -> str:
        address = _address(value)
        return f"{names[address]} ({address})" if address in names else address

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                e.kind,
                e.direction,
                _cell(who(e.sender)),
                _cell(who(e.recipient)),
                _cell(e.text),
                e.state,
                e.channel,
            ]
        )
    return out.getvalue().encode("utf-8")


def _address(value: str) -> str:
    return value[4:] if value.lower().startswith("tel:") else value


def _cell(value: str) -> str:
    if value.startswith(_FORMULA_STARTS) and not _E164.match(value):
        return "'" + value
    return value
