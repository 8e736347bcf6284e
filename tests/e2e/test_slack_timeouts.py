"""Slack timing out: a post the bridge gave up on, which Slack then carries out anyway, is
recognised in Slack and never posted a second time. The services are wired as bootstrap wires
them, but with a 1-second Slack timeout, so a timeout takes a second rather than thirty."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from adapters.web21c.client import Web21CClient
from bot.bootstrap import schedule, wire_services
from bot.config import load_settings
from bot.slack.chat import SlackChat
from storage import Database
from storage.migrate import upgrade
from storage.records import Direction
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.e2e.sandbox_admin import SandboxAdmin

TIMEOUT_SECONDS = 1.0


@pytest.fixture
def impatient_bridge(tmp_path, slack, sandbox) -> Iterator[Database]:
    slack.reset()
    slack.state.add_channel("ops", channel_id="COPS")
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "WEB21C_ENDPOINT": sandbox.url,
            "DATABASE_URL": url,
            "POLL_INTERVAL_SECONDS": "0.2",
        },
        dotenv_path=None,
    )
    upgrade(url)
    db = Database(url)
    with db.transaction() as tx:
        tx.routes.set("pizza", "COPS", "UADMIN")
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, timeout=TIMEOUT_SECONDS)
    chat = SlackChat(client)
    telephony = Web21CClient.from_settings(settings, sandbox.url)
    services = wire_services(settings, db, telephony, chat, find_posted=chat.find_posted)
    jobs = schedule(services, settings)
    jobs.start()
    try:
        yield db
    finally:
        jobs.stop()
        services.close()
        db.close()


def test_a_post_that_timed_out_but_landed_is_not_posted_again(
    impatient_bridge, slack, sandbox, caplog
):
    caplog.set_level(logging.INFO, logger="bot.services.inbound")
    admin = SandboxAdmin(sandbox.url)
    admin.text_in("tel:+447700900401", "pizza first, to open the thread")
    slack.state.wait_for(
        lambda s: any("first, to open" in m.text for m in s.find_messages(lambda m: True)),
        what="the first text",
    )
    slack.faults.hang_next(
        1, seconds=3 * TIMEOUT_SECONDS, method="chat.postMessage", then_process=True
    )
    text_id = admin.text_in("tel:+447700900401", "pizza second, held by Slack")
    slack.state.wait_for(
        lambda s: any("held by Slack" in m.text for m in s.find_messages(lambda m: True)),
        timeout=30,
        what="the held text, carried out after the bridge gave up",
    )
    deadline = time.monotonic() + 30
    while text_id in admin.waiting_ids():  # cleared only once recorded as posted
        assert time.monotonic() < deadline, "the held text was never recorded as posted"
        time.sleep(0.1)
    held = slack.state.find_messages(lambda m: "held by Slack" in m.text)
    assert len(held) == 1
    assert any("posted by an earlier attempt" in r.message for r in caplog.records)
    with impatient_bridge.transaction() as tx:
        stored = tx.messages.by_web21c_id(Direction.INBOUND, text_id)
    assert stored.slack_ts == held[0].ts
