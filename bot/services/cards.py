"""What the call and conference cards say, built from stored state.

Cards show what people care about and nothing that changes every second (the duration is
shown once a call has ended), so a card only needs updating when something visible changed:
comparing the old and new Card is the test.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.cards import (
    DROP_PARTICIPANT,
    END_CONFERENCE,
    HANG_UP,
    INVITE_PARTICIPANT,
    Button,
    Card,
    Row,
)
from bot.core.domain import CallStatus, CallTerminationCause, ConferenceStatus, ParticipantStatus
from bot.core.mrkdwn import escape
from bot.core.numbers import display


def call_card(call, calling_label: str, called_label: str) -> Card:
    title = f":telephone_receiver: Call: {calling_label} → {called_label}"
    status = CallStatus(call.status)
    if status is CallStatus.INITIAL:
        rows = (Row(f"Ringing {calling_label}, then {called_label}…"),)
    elif status is CallStatus.CONNECTED:
        rows = (Row(f"Connected{_since(call.start_time)}"),)
    else:
        cause = _cause_in_words(call.termination_cause, calling_label, called_label)
        rows = (Row(f"Ended: {cause}{_lasted(call.duration, call.start_time)}"),)
    buttons = (
        ()
        if status is CallStatus.TERMINATED
        else (Button("Hang up", HANG_UP, call.call_id, danger=True),)
    )
    return Card(title, rows, buttons, footer=f"Started by <@{call.started_by}>")


def unknown_call_card(calling_label: str, called_label: str, started_by: str) -> Card:
    """The card for a makeCall Web21C never answered: no callId, so nothing to follow or hang
    up, and it says so (Session/ThirdPartyCall 2007/07 has no callbacks to settle it)."""
    return Card(
        f":telephone_receiver: Call: {calling_label} → {called_label}",
        (
            Row(
                ":warning: Web21C did not answer; the call may have been placed. If the phones "
                "ring, it was. The bridge can't follow it or hang it up from here."
            ),
        ),
        (),
        footer=f"Started by <@{started_by}>",
    )


def conference_card(conference, participants, labels: dict[str, str]) -> Card:
    status = ConferenceStatus(conference.status)
    live = status is not ConferenceStatus.TERMINATED
    rows = []
    for p in participants:
        label = labels.get(p.participant_id) or escape(display(p.uri))
        p_status = ParticipantStatus(p.status)
        words = {"Invited": "ringing…", "Connected": "connected", "Disconnected": "left"}[
            p_status.value
        ]
        button = None
        if live and p_status is not ParticipantStatus.DISCONNECTED:
            button = Button("Drop", DROP_PARTICIPANT, p.participant_id, danger=True)
        rows.append(Row(f"{label}: {words}", button))
    if status is ConferenceStatus.INITIAL:
        state = "Waiting for the first participant to answer"
    elif status is ConferenceStatus.ACTIVE:
        state = f"Active{_since(conference.start_time)}"
    else:
        state = f"Ended{_lasted(conference.duration, conference.start_time)}"
    connected = sum(1 for p in participants if p.status == ParticipantStatus.CONNECTED)
    title = f":busts_in_silhouette: Conference call: {connected} of {len(participants)} connected"
    buttons = ()
    if live:
        buttons = (
            Button("Invite", INVITE_PARTICIPANT, conference.conference_id),
            Button("End conference", END_CONFERENCE, conference.conference_id, danger=True),
        )
    footer = f"{state} · started by <@{conference.started_by}>"
    return Card(title, (*rows,), buttons, footer)


def call_outcome_line(call, calling_label: str, called_label: str) -> str:
    """The line a finished call leaves in a conversation thread: who, whom, how long, how."""
    cause = _cause_in_words(call.termination_cause, calling_label, called_label)
    lasted = _lasted(call.duration, call.start_time)
    talked = f"connected{lasted}" if call.start_time else "never connected"
    return (
        f":telephone_receiver: Call placed by <@{call.started_by}>: {calling_label} → "
        f"{called_label}, {talked}; {cause}."
    )


def conference_outcome_line(conference, labels: list[str]) -> str:
    """The line a finished conference leaves in a conversation thread."""
    lasted = _lasted(conference.duration, conference.start_time)
    how = f"ended{lasted}" if conference.start_time else "ended before anyone answered"
    return (
        f":busts_in_silhouette: Conference call started by <@{conference.started_by}> with "
        f"{', '.join(labels)}, {how}."
    )


def _cause_in_words(cause: str | None, calling: str, called: str) -> str:
    words = {
        CallTerminationCause.CALLING_PARTY_UNAVAILABLE: f"{calling} could not be reached",
        CallTerminationCause.CALLED_PARTY_UNAVAILABLE: f"{called} could not be reached",
        CallTerminationCause.CALLING_PARTY_HUNG_UP: f"{calling} hung up",
        CallTerminationCause.CALLED_PARTY_HUNG_UP: f"{called} hung up",
        CallTerminationCause.TERMINATED_BY_CONTROLLER: "hung up from here",
    }
    try:
        return words.get(CallTerminationCause(cause), "the call ended")
    except ValueError:
        return "the call ended"


def _since(start: datetime | None) -> str:
    return f" since {start:%H:%M:%S} UTC" if start else ""


def _lasted(duration: int | None, start: datetime | None) -> str:
    if not start or not duration:
        return ""
    minutes, seconds = divmod(int(duration), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
    return f" after {text}"
