"""Cards: a front-end-neutral description of a live message with buttons.

Services describe what a call or conference card says; each front end renders it (Block Kit in
Slack, plain lines in the console). Button `action_id`s are the names front ends route clicks
by, and `value` is the id the click acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

HANG_UP = "call_hang_up"
DROP_PARTICIPANT = "conference_drop"
INVITE_PARTICIPANT = "conference_invite"
END_CONFERENCE = "conference_end"
TAKE_CONVERSATION = "conversation_take"  # a thread header's Take it / Take over
RELEASE_CONVERSATION = "conversation_release"
CALL_CONVERSATION = "conversation_call"  # rings the presser, then the conversation's number
CANCEL_SCHEDULED = "scheduled_cancel"  # `/sms scheduled`'s Cancel
ACTIONS = (
    HANG_UP,
    DROP_PARTICIPANT,
    INVITE_PARTICIPANT,
    END_CONFERENCE,
    TAKE_CONVERSATION,
    RELEASE_CONVERSATION,
    CALL_CONVERSATION,
    CANCEL_SCHEDULED,
)


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str
    danger: bool = False


@dataclass(frozen=True)
class Row:
    """One line of a card, optionally with a button beside it (a participant and 'Drop')."""

    text: str
    button: Button | None = None


@dataclass(frozen=True)
class Card:
    title: str
    rows: tuple[Row, ...]
    buttons: tuple[Button, ...] = ()
    footer: str | None = None

    def as_text(self) -> str:
        """The plain-text rendering: Slack's notification fallback and the console's view."""
        lines = [self.title, *(row.text for row in self.rows)]
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)
