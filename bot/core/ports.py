"""The Protocols the core depends on. Adapters implement them; tests use hand-written fakes.

- Telephony: Web21C (adapters.web21c.client.Web21CClient satisfies it structurally).
- ChatSurface: where the bridge shows things to people (Slack, or the console).
- Clock: the time, so that jobs and tests agree on "now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.core.cards import Card
from bot.core.domain import (
    CallInformation,
    ConferenceInfo,
    DeliveryStatus,
    InboundMessage,
    ParticipantInfo,
)


class Telephony(Protocol):
    """The Web21C operations the bridge uses. URIs are `tel:+...` or `sip:...` strings.

    Every method raises a bot.core.domain.TelephonyError subclass on failure.
    """

    def send_message(
        self, recipient_uris: Sequence[str], sender: str, text: str, event_url: str | None = None
    ) -> str:
        """Texts recipients (Messaging/OneWay); with event_url, statuses are POSTed there."""
        ...

    def get_message_delivery_statuses(self, message_id: str) -> list[DeliveryStatus]: ...

    def get_received_messages(self, keyword: str) -> list[InboundMessage]: ...

    def clear_received_messages(self, message_ids: Sequence[str]) -> int: ...

    def make_call(
        self, calling_party: str, called_party: str, dial_timeout_sec: int | None = None
    ) -> str: ...

    def get_call_information(self, call_id: str) -> CallInformation: ...

    def end_call(self, call_id: str) -> str: ...

    def create_conference(self) -> str: ...

    def invite_participant(self, conference_id: str, participant_uri: str) -> str: ...

    def get_conference_info(self, conference_id: str) -> ConferenceInfo: ...

    def get_participants(self, conference_id: str) -> list[ParticipantInfo]: ...

    def get_participant_info(self, participant_id: str) -> ParticipantInfo: ...

    def disconnect_participant(self, participant_id: str) -> str: ...

    def end_conference(self, conference_id: str) -> str: ...

    def close(self) -> None:
        """Release pooled connections; the bridge calls it once, when it stops."""
        ...


class ChatSurface(Protocol):
    """A place that shows messages to people: a Slack workspace or the terminal.

    Timestamps (`ts`) identify posted messages; `thread_ts` puts a message in a thread. A
    `card` (bot.core.cards) is rendered by the front end; `text` is always sent too, as the
    fallback. `metadata` carries the bridge's own ids (for example a Web21C messageId) so that
    a post can be recognised later. Methods raise bot.core.domain.ChatError on failure.
    """

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        card: Card | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str: ...

    def turn(self, channel: str) -> AbstractContextManager[None]:
        """Hold the channel's next posting slot (pacing) for the posts made inside, so a caller
        can note "posting now" right before the request leaves rather than before a wait."""
        ...

    def update(self, channel: str, ts: str, text: str, *, card: Card | None = None) -> None: ...

    def post_ephemeral(
        self, channel: str, user: str, text: str, *, card: Card | None = None
    ) -> None: ...

    def react(self, channel: str, ts: str, name: str) -> None:
        """Add the reaction `name` (an emoji name) to a message; already there is fine."""
        ...

    def unreact(self, channel: str, ts: str, name: str) -> None:
        """Remove the bridge's reaction `name`; not there is fine."""
        ...

    def user_phone(self, user_id: str) -> str | None:
        """The phone number on the user's profile, as typed there, if any."""
        ...

    def user_name(self, user_id: str) -> str | None:
        """The name people know the user by, if the user exists."""
        ...

    def user_timezone(self, user_id: str) -> str | None:
        """The user's time zone (an IANA name such as `Europe/London`), if known: times they
        type and times shown to them are in it."""
        ...

    def find_user(self, name: str) -> str | None:
        """The id of the user called `name` (a plain `@alice` mention), if there is one."""
        ...

    def find_channel(self, name: str) -> str | None:
        """The id of the channel called `name` (a plain `#ops`), if there is one."""
        ...

    def channel_members(self, channel: str) -> frozenset[str]:
        """The users in a channel (none when the bridge can't see it), for who may read what
        was said there."""
        ...

    def send_file(self, user: str, filename: str, content: bytes, comment: str) -> str:
        """Give a file to one user privately (a direct message in Slack, a saved file in the
        console); returns where they will find it, in words for the answer."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...
