"""slack-manifest.yml and the Bolt app agree: every command, action and event the app handles
is declared in the manifest, and everything the manifest declares is handled."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot.core import cards
from bot.core.commands import COMMANDS
from bot.slack.app import BUTTON_ACTIONS, EVENTS, SlackFrontEnd, create_bolt_app
from tests.slackapi import SlackApiServer
from tests.slackapi.signing import (
    block_actions_body,
    event_callback_body,
    message_event,
    message_shortcut_body,
    signed_headers,
    slash_command_body,
)

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"
SECRET = "manifest-test-secret"


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


class _Queue:
    """Stands in for the work queue: the listeners are what is under test here."""

    def __init__(self):
        self.kinds: list[str] = []

    def put(self, kind, payload, event_id=None, ordering_key=None):
        self.kinds.append(kind)
        return True


@pytest.fixture(scope="module")
def slack():
    with SlackApiServer(bot_token="xoxb-manifest") as server:  # answers Bolt's auth.test
        yield server


def _app(slack, queue=None):
    front = SlackFrontEnd(queue=(queue or _Queue()).put, default_region="GB")
    client = WebClient(token="xoxb-manifest", base_url=slack.api_url)
    return create_bolt_app(client, SECRET, front)


def _dispatch(app, body: bytes):
    headers = {k.lower(): v for k, v in signed_headers(SECRET, body, int(time.time())).items()}
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def test_manifest_commands_are_exactly_the_ones_the_app_answers(slack):
    declared = {c["command"] for c in _manifest()["features"]["slash_commands"]}
    assert declared == set(COMMANDS)
    app = _app(slack)
    for command in declared:
        body = slash_command_body(command, "help", "U1", "C1", "http://127.0.0.1:9/r")
        response = _dispatch(app, body)
        assert response.status == 200, command
        assert "Usage:" in response.body, command
    unknown = _dispatch(app, slash_command_body("/fax", "help", "U1", "C1", "http://127.0.0.1:9/r"))
    assert unknown.status == 404


def test_every_card_button_is_handled_and_interactivity_is_on(slack):
    manifest = _manifest()
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(cards.ACTIONS) == {*BUTTON_ACTIONS, cards.INVITE_PARTICIPANT}
    queue = _Queue()
    app = _app(slack, queue)
    for action_id in BUTTON_ACTIONS:
        body = block_actions_body(action_id, "x", "U1", "C1", "1.1", "http://127.0.0.1:9/r")
        assert _dispatch(app, body).status == 200, action_id
    assert queue.kinds == ["button"] * len(BUTTON_ACTIONS)
    # Invite opens a modal (views.open, on the fake Slack) instead of queueing work:
    body = block_actions_body(cards.INVITE_PARTICIPANT, "x", "U1", "C1", "1.1", "http://x/r")
    assert _dispatch(app, body).status != 404


def test_the_events_the_app_handles_are_subscribed(slack):
    subscribed = set(_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert {name.split(".")[0] for name in subscribed} == set(EVENTS)
    assert subscribed == {"message.channels", "message.groups", "app_home_opened"}
    body = event_callback_body(message_event("C1", "U1", "hi", "1.2", thread_ts="1.1"))
    queue = _Queue()
    assert _dispatch(_app(slack, queue), body).status == 200
    assert queue.kinds == ["reply"]


def test_the_shortcut_and_the_home_tab_are_declared_and_handled(slack):
    from bot.slack.compose import TEXT_THIS

    features = _manifest()["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert [s["callback_id"] for s in features["shortcuts"]] == [TEXT_THIS]
    app = _app(slack)
    body = message_shortcut_body(TEXT_THIS, "U1", "C1", "1.1", "hello there")
    assert _dispatch(app, body).status == 200  # opens the compose modal (views.open)
    opened = [v for v in slack.state.views() if v.opened_by == "views.open"]
    assert opened and opened[-1].view["callback_id"] == "sms_compose_modal"


def test_the_scopes_cover_the_web_api_methods_the_bridge_calls():
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    needed = {
        "commands",
        "chat:write",
        "reactions:write",
        "users:read",
        "channels:read",
        "channels:history",
        "files:write",  # /sms export (files_upload_v2)
        "im:write",  # ... to the requester's direct message (conversations.open)
    }
    assert needed <= scopes
    assert _manifest()["settings"]["socket_mode_enabled"] is True
