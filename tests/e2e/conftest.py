"""The whole bridge, as `web21c-bridge run` wires it, between the real sandbox and the fake
Slack Web API server, all on loopback. Tests speak to it as Slack does: signed HTTP requests
to /slack/events; they read the outcome from the Slack server's state and the sandbox's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from adapters.web21c.sandbox import RunningSandbox, SandboxOptions, start_sandbox
from bot.bootstrap import Bridge, bootstrap
from bot.config import load_settings
from tests.slackapi import GENERAL_CHANNEL_ID, SlackApiServer
from tests.slackapi.signing import (
    block_actions_body,
    event_callback_body,
    message_event,
    post_to_bridge,
    signed_headers,
    slash_command_body,
    view_submission_body,
)

BOT_TOKEN = "xoxb-e2e-token"
SIGNING_SECRET = "e2e-signing-secret"
GENERAL = GENERAL_CHANNEL_ID
SANDBOX_SPEED = 20.0  # simulated seconds per real second


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(bot_token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(options=SandboxOptions(speed=SANDBOX_SPEED)) as running:
        yield running


@dataclass
class BridgeUnderTest:
    bridge: Bridge
    url: str
    slack: SlackApiServer
    sandbox: RunningSandbox

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        headers = headers or signed_headers(SIGNING_SECRET, body)
        return post_to_bridge(self.url + "/slack/events", body, headers)

    def command(self, command: str, text: str, user: str = "UALICE", channel: str = GENERAL):
        """A signed slash command; returns (status, ack body, response_url)."""
        response_url = self.slack.state.new_response_url(channel=channel, user=user)
        status, body = self.post(slash_command_body(command, text, user, channel, response_url))
        return status, body, response_url

    def press(
        self,
        action_id: str,
        value: str,
        message_ts: str,
        user: str = "UALICE",
        channel: str = GENERAL,
    ):
        response_url = self.slack.state.new_response_url(channel=channel, user=user)
        body = block_actions_body(action_id, value, user, channel, message_ts, response_url)
        status, _ = self.post(body)
        return status, response_url

    def reply_in_thread(
        self, channel: str, thread_ts: str, user: str, text: str, event_id=None, files=None
    ):
        message = self.slack.state.post_as_user(
            channel, user, text, thread_ts=thread_ts, files=files
        )
        event = message_event(channel, user, text, message.ts, thread_ts=thread_ts, files=files)
        return self.post(event_callback_body(event, event_id)), message

    def submit_view(
        self, callback_id: str, private_metadata: str, values: dict, user: str = "UALICE"
    ):
        return self.post(view_submission_body(callback_id, private_metadata, values, user))

    def responses(self, response_url: str) -> list[str]:
        return [post.text or "" for post in self.slack.state.response_posts(response_url)]

    def wait_for_response(self, response_url: str, timeout: float = 10) -> str:
        self.slack.state.wait_for_response_posts(response_url, 1, timeout=timeout)
        return self.responses(response_url)[0]


@contextmanager
def running_bridge(
    tmp_path, slack: SlackApiServer, sandbox: RunningSandbox, *, worker: bool = True, **env: str
):
    """The bridge wired as `run` wires it (as `web` does with `worker=False`), in a fresh
    workspace; `env` overrides settings."""
    slack.reset()
    state = slack.state
    state.add_user("alice", user_id="UALICE", real_name="Alice", phone="07700 900001")
    state.add_user("bob", user_id="UBOB", real_name="Bob", phone="+44 7700 900005")
    state.add_user("carol", user_id="UCAROL", real_name="Carol", phone=None)
    state.add_user("admin", user_id="UADMIN", real_name="Admin", phone="")
    state.add_channel("ops", channel_id="COPS")
    values = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB21C_ENDPOINT": sandbox.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}",
        "PORT": "0",
        "ADMIN_USER_IDS": "UADMIN",
        "POLL_INTERVAL_SECONDS": "0.2",
        "WEB21C_READ_TIMEOUT": "5",
        **env,
    }
    wired = bootstrap(load_settings(values, dotenv_path=None))
    server = wired.start_http() if worker else wired.start_web()
    if worker:
        wired.start_worker()
    try:
        yield BridgeUnderTest(wired, server.url, slack, sandbox)
    finally:
        wired.stop()


@pytest.fixture
def bridge(tmp_path, slack: SlackApiServer, sandbox: RunningSandbox) -> Iterator[BridgeUnderTest]:
    with running_bridge(tmp_path, slack, sandbox) as wired:
        yield wired


def json_body(text: str) -> dict:
    return json.loads(text) if text else {}
