"""One fake Slack for these tests (quicker than one server per test), reset to a fresh
workspace before each test, and a slack_sdk client pointed at it."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from tests.slackapi import SlackApiServer

BOT_TOKEN = "xoxb-test"


@pytest.fixture(scope="package")
def slack_server():
    with SlackApiServer(bot_token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def slack(slack_server: SlackApiServer) -> SlackApiServer:
    slack_server.reset()
    return slack_server


@pytest.fixture
def client(slack: SlackApiServer) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
