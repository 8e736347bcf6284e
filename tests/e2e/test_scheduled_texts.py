"""Scheduled texts as a user sees them, through the real HTTP endpoint, the sandbox and the fake
Slack: one sent once when its time comes (also across a SIGKILL and restart, and with two
workers sharing PostgreSQL), one cancelled never sent, one missed while the bridge was down
reported, and the policy checked again at send time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.core.cards import CANCEL_SCHEDULED
from storage import Database
from storage.migrate import upgrade
from storage.models import ScheduledTextRow
from tests.e2e.conftest import running_bridge
from tests.e2e.processes import BridgeProcess, bridge_environment
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.e2e.waiting import wait_until
from tests.storage_fixtures import database_url, postgres_url  # noqa: F401  (fixtures)

NUMBER = "+447700900123"


def _texted(sandbox, words: str) -> list[dict]:
    return [m for m in sandbox.sandbox.messages() if m["messageText"] == words]


def _wait(predicate, what: str, timeout: float = 30.0):
    return wait_until(predicate, what, timeout)


def _status(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.transaction() as tx:
            return [t.status for t in tx.scheduled.open_for(None)]
    finally:
        db.close()


def test_a_text_scheduled_two_seconds_ahead_is_sent_once_then(bridge):
    status, ack, url = bridge.command("/sms", f"in 2s {NUMBER} sent two seconds later")
    assert (status, ack) == (200, "Scheduling your text to go in 2 seconds…")
    answer = bridge.wait_for_response(url)
    assert answer.startswith(f"Scheduled: your text to {NUMBER} goes today at ")
    assert "(Europe/London), in 1 second" in answer or "in 2 seconds" in answer
    assert _texted(bridge.sandbox, "sent two seconds later") == []
    _wait(lambda: _texted(bridge.sandbox, "sent two seconds later"), "the text sent")
    time.sleep(1.0)  # the job runs every 0.2 s: a second sending would show
    assert len(_texted(bridge.sandbox, "sent two seconds later")) == 1


def test_a_cancelled_text_is_never_sent_and_the_list_shows_only_open_ones(bridge):
    bridge.command("/sms", f"in 3s {NUMBER} never to be sent")
    _, _, url = bridge.command("/sms", "at 2026-12-31 23:59 @bob happy new year", user="UALICE")
    assert bridge.wait_for_response(url).startswith("Scheduled: your text to @bob goes on")
    _, _, url = bridge.command("/sms", "scheduled")
    state = bridge.slack.state
    listing = state.wait_for(
        lambda s: next((e for e in s.ephemerals(user="UALICE") if e.blocks), None),
        what="the list of scheduled texts",
    )
    assert "Your scheduled texts (2)" in listing.text
    buttons = [block["accessory"] for block in listing.blocks if "accessory" in block]
    assert [b["action_id"] for b in buttons] == [CANCEL_SCHEDULED, CANCEL_SCHEDULED]
    first = buttons[0]["value"]
    status, press = bridge.press(CANCEL_SCHEDULED, first, listing.message_ts)
    assert status == 200
    assert bridge.wait_for_response(press) == (
        f"Cancelled: `{NUMBER} never to be sent` will not be sent."
    )
    _, press = bridge.press(CANCEL_SCHEDULED, first, listing.message_ts, user="UBOB")
    assert bridge.wait_for_response(press) == (
        "Only whoever scheduled that text, or an admin, can cancel it."
    )
    time.sleep(4.0)
    assert _texted(bridge.sandbox, "never to be sent") == []


def test_a_text_to_a_number_that_opted_out_meanwhile_is_refused_then_and_its_requester_told(
    bridge,
):
    _, _, url = bridge.command("/sms", "route shop", user="UADMIN")
    bridge.wait_for_response(url)
    _, _, url = bridge.command("/sms", f"in 3s {NUMBER} you asked us to stop")
    bridge.wait_for_response(url)
    SandboxAdmin(bridge.sandbox.url).text_in(f"tel:{NUMBER}", "STOP")
    _wait(lambda: _opted_out(bridge), "the STOP acted on")
    told = bridge.slack.state.wait_for(
        lambda s: next((e for e in s.ephemerals(user="UALICE") if "was not sent" in e.text), None),
        timeout=30,
        what="the requester told",
    )
    assert told.text.startswith(
        f"Your scheduled text `{NUMBER} you asked us to stop` was not sent:"
    )
    assert "opted out" in told.text
    assert _texted(bridge.sandbox, "you asked us to stop") == []


def _opted_out(bridge) -> bool:
    with bridge.bridge.services.db.transaction() as tx:
        return tx.opt_outs.is_opted_out(NUMBER)


def test_texts_due_while_the_bridge_was_down_are_sent_within_the_grace_else_reported_missed(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox) as first:
        for user, words in (("UALICE", "late but in time"), ("UBOB", "too late to send")):
            _, _, url = first.command("/sms", f"in 1h {NUMBER} {words}", user=user)
            assert first.wait_for_response(url).startswith("Scheduled:")
        database_url = first.bridge.settings.database_url
    # The bridge is down while both fall due: one 2 s ago (within the grace), one an hour ago.
    db = Database(database_url)
    now = datetime.now(UTC)
    with db.transaction() as tx:
        table = ScheduledTextRow.__table__
        for user, ago in (("UALICE", timedelta(seconds=2)), ("UBOB", timedelta(hours=1))):
            (text,) = tx.scheduled.open_for(user)
            tx.connection.execute(
                update(table).where(table.c.id == text.id).values(send_at=now - ago)
            )
    db.close()
    env = {"DATABASE_URL": database_url}
    with running_bridge(tmp_path, slack, sandbox, **env) as again:
        _wait(lambda: _texted(sandbox, "late but in time"), "the late text sent on start-up")
        told = slack.state.wait_for(
            lambda s: next((e for e in s.ephemerals(user="UBOB") if "was due" in e.text), None),
            timeout=30,
            what="the missed text reported",
        )
        assert told.text.startswith(f"Your text `{NUMBER} too late to send` was due 1 hour")
        assert "while the bridge was down, so it was not sent" in told.text
        assert _texted(sandbox, "too late to send") == []
        assert again.bridge.services.scheduled.release_due() == 0


def _worker(tmp_path, slack, sandbox, url: str, name: str) -> BridgeProcess:
    environ = bridge_environment(slack.api_url, sandbox.url, url, WORK_CLAIM_SECONDS="2")
    return BridgeProcess(tmp_path, environ, name=name, command="worker")


def test_a_scheduled_text_is_sent_once_across_a_sigkill_and_restart(tmp_path, slack, sandbox):
    with running_bridge(tmp_path, slack, sandbox, worker=False) as web:
        database_url = web.bridge.settings.database_url
        first = _worker(tmp_path, slack, sandbox, database_url, "first").start()
        try:
            first.wait_started()
            _, _, url = web.command("/sms", f"in 2s {NUMBER} across a kill")
            assert web.wait_for_response(url, timeout=20).startswith("Scheduled:")
            first.kill()  # SIGKILL, before its time
            time.sleep(2.5)  # its time passes while no worker runs
            second = _worker(tmp_path, slack, sandbox, database_url, "second").start()
            second.wait_started()
            _wait(lambda: _texted(sandbox, "across a kill"), "the text sent after the restart")
            time.sleep(1.0)
        finally:
            first.stop()
            if "second" in locals():
                second.stop()
        assert len(_texted(sandbox, "across a kill")) == 1
        assert _status(database_url) == []


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_send_each_scheduled_text_once(
    tmp_path,
    slack,
    sandbox,
    database_url,  # noqa: F811  (the storage fixture, PostgreSQL only)
):
    upgrade(database_url)
    with running_bridge(tmp_path, slack, sandbox, worker=False, DATABASE_URL=database_url) as web:
        workers = [_worker(tmp_path, slack, sandbox, database_url, f"w{n}") for n in (1, 2)]
        try:
            for worker in workers:
                worker.start().wait_started()
            for n in range(6):
                _, _, url = web.command("/sms", f"in 2s {NUMBER} shared {n}")
                assert web.wait_for_response(url, timeout=20).startswith("Scheduled:")
            workers[0].kill()  # one of them dies on the way; the other carries on
            for n in range(6):
                _wait(lambda n=n: _texted(sandbox, f"shared {n}"), f"text {n}", timeout=60)
            time.sleep(1.5)
        finally:
            for worker in workers:
                worker.stop()
        counts = [len(_texted(sandbox, f"shared {n}")) for n in range(6)]
        assert counts == [1] * 6
