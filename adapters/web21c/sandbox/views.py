"""JSON views of the sandbox's world for the admin API (`GET /sandbox/...`) and for tests.

Times are xs:dateTime strings in UTC; statuses are Web21C's wire values.
"""

from __future__ import annotations

from typing import Any

from adapters.web21c.sandbox.clock import xs_datetime
from adapters.web21c.sandbox.state import SandboxState, UnknownId


def _time(state: SandboxState, seconds: float | None) -> str | None:
    return None if seconds is None else xs_datetime(state.clock.to_datetime(seconds))


def calls(state: SandboxState) -> list[dict[str, Any]]:
    with state.lock:
        return [call(state, call_id) for call_id in state.tables()[0]]


def call(state: SandboxState, call_id: str) -> dict[str, Any]:
    with state.lock:
        found = state.tables()[0].get(call_id)
        if found is None:
            raise UnknownId(f"unknown callId {call_id!r}")
        now = state.clock.seconds()
        current = found.state(now)
        return {
            "callId": found.call_id,
            "callingParty": found.calling_party,
            "calledParty": found.called_party,
            "dialTimeoutSec": found.dial_timeout,
            "createdTime": _time(state, found.created),
            "callStatus": current.status.value,
            "callTerminationCause": current.cause.value,
            "startTime": _time(state, current.connected),
            "duration": current.duration,
        }


def conferences(state: SandboxState) -> list[dict[str, Any]]:
    with state.lock:
        return [conference(state, conference_id) for conference_id in state.tables()[1]]


def conference(state: SandboxState, conference_id: str) -> dict[str, Any]:
    with state.lock:
        found = state.tables()[1].get(conference_id)
        if found is None:
            raise UnknownId(f"unknown conferenceId {conference_id!r}")
        now = state.clock.seconds()
        return {
            "conferenceId": found.conference_id,
            "createdTime": _time(state, found.created),
            "conferenceStatus": found.status(now).value,
            "startTime": _time(state, found.start_time(now)),
            "duration": found.duration(now),
            "numberOfParticipants": found.connected_count(now),
            "participants": [
                {
                    "participantId": p.participant_id,
                    "participantUri": p.uri,
                    "participantStatus": p.status(now).value,
                    "startTime": _time(state, p.start_time(now)),
                }
                for p in found.participants
            ],
        }


def messages(state: SandboxState) -> list[dict[str, Any]]:
    with state.lock:
        now = state.clock.seconds()
        return [
            {
                "messageId": m.message_id,
                "capability": m.capability,
                "from": m.sender,
                "messageText": m.text,
                "url": m.event_url,
                "sentTime": _time(state, m.created),
                "recipients": [
                    {"destinationUri": r.uri, "messageStatus": r.status(now).value}
                    for r in m.recipients
                ],
            }
            for m in state.tables()[2].values()
        ]


def inbound(state: SandboxState) -> dict[str, list[dict[str, Any]]]:
    """Texts waiting to be fetched, grouped by keyword (lower-cased)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for text in state.waiting_texts():
        grouped.setdefault(text.keyword.casefold(), []).append(
            {
                "messageId": text.message_id,
                "keyword": text.keyword,
                "senderUri": text.sender_uri,
                "destinationUri": text.destination_uri,
                "messageText": text.text,
                "receiveTime": xs_datetime(text.receive_time),
            }
        )
    return grouped
