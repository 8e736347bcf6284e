"""Finding a conversation's thread in the fake Slack, as a person scrolling the channel would."""

from __future__ import annotations

from tests.e2e.conftest import GENERAL


def conversation_header(bridge, number: str, channel: str = GENERAL):
    """The header post of the conversation with `number`, once it is there."""
    return bridge.slack.state.wait_for(
        lambda s: next(
            (
                m
                for m in s.messages(channel)
                if m.text.startswith(":speech_balloon:") and number in m.text
            ),
            None,
        ),
        timeout=30,
        what=f"the conversation thread with {number}",
    )
