"""Fixtures for the fault-injection suite: the fake Slack, the sandbox, a wired bridge on
SQLite, and a recorder of every log record the bridge emits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.web21c.sandbox import RunningSandbox, SandboxOptions, start_sandbox
from tests.reliability.harness import (
    BOT_TOKEN,
    LogRecorder,
    WiredBridge,
    populate_workspace,
    recording_logs,
    wired_bridge,
)
from tests.slackapi import SlackApiServer

SANDBOX_SPEED = 20.0


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(bot_token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(options=SandboxOptions(speed=SANDBOX_SPEED)) as running:
        yield running


@pytest.fixture
def logs() -> Iterator[LogRecorder]:
    with recording_logs() as recorder:
        yield recorder


@pytest.fixture
def reliability_bridge(
    tmp_path, slack: SlackApiServer, sandbox: RunningSandbox, logs: LogRecorder
) -> Iterator[WiredBridge]:
    populate_workspace(slack)
    with wired_bridge(slack, sandbox, f"sqlite:///{tmp_path / 'bridge.db'}") as wired:
        yield wired
