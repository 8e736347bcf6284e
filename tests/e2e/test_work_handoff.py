"""The hand-off behind every ack: Slack requests are queued in the database and carried out
by a worker, which may be another process (the Procfile's web + worker) and may come later."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request

from bot.bootstrap import bootstrap
from bot.slack.app import NOT_QUEUED
from tests.e2e.conftest import GENERAL, running_bridge
from tests.slackapi.signing import event_callback_body, message_event


def test_work_acknowledged_by_a_web_process_is_done_by_a_worker_that_starts_later(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox, worker=False) as web:  # `web21c-bridge web`
        status, ack, _ = web.command("/sms", "07700900123 queued while no worker runs")
        assert (status, ack) == (200, "")
        time.sleep(0.5)
        assert sandbox.sandbox.messages() == []  # acknowledged, kept, not yet done
        assert web.bridge.services.work.outstanding() == 1
        worker = bootstrap(web.bridge.settings)  # `web21c-bridge worker`, same database
        worker.start_worker()
        try:
            texts = slack.state.wait_for(
                lambda s: [m["messageText"] for m in sandbox.sandbox.messages()] or None,
                what="the text sent by the worker",
            )
            assert texts == ["queued while no worker runs"]
            slack.state.wait_for(
                lambda s: web.bridge.services.work.outstanding() == 0 or None,
                what="the queue emptied",
            )
        finally:
            worker.stop()
        posts = [m.text for m in slack.state.messages(GENERAL)]
        assert any("Texts with +447700900123" in p for p in posts)


def test_a_request_a_crashed_worker_left_after_asking_web21c_is_reported_not_repeated(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox, worker=False) as web:
        _, _, response_url = web.command("/sms", "07700900123 interrupted by a crash")
        db = web.bridge.services.db
        web.bridge.services.work.take_in()  # a worker moved it from the intake, took it,
        with db.transaction() as tx:  # began sending, then died (kill -9)
            (item,) = tx.work.claim("dead-worker:1#1", 1, 30)
            assert tx.work.mark_side_effect(item.id, item.claim)
            tx.work.renew([item.claim], -1)  # ... and its claim has run out since
        worker = bootstrap(web.bridge.settings)
        worker.start_worker()
        try:
            answer = web.wait_for_response(response_url)
        finally:
            worker.stop()
        assert (
            "stopped while it was carrying out `/sms 07700900123 interrupted by a crash`, "
            "after it had asked Web21C to do it, so it may or may not have happened" in answer
        )
        assert "before you send it again" in answer
        assert sandbox.sandbox.messages() == []  # not sent a second time
        assert web.bridge.services.work.outstanding() == 0


def test_while_the_database_refuses_work_acks_say_so_and_promise_nothing(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox) as bridge:
        intake = sqlite3.connect(bridge.bridge.services.work.intake.path, isolation_level=None)
        # the database refuses to take work (on SQLite, acks commit to its intake file)
        intake.execute("ALTER TABLE requests RENAME TO requests_away")
        status, ack, _ = bridge.command("/sms", "07700900123 refused")
        assert status == 200
        assert ack == NOT_QUEUED.format(reason="its database is unreachable")
        # An event Slack will retry gets a 5xx, so the retry, not a loss, follows:
        event = message_event(GENERAL, "UBOB", "a reply", "1.000200", thread_ts="1.000100")
        status, _ = bridge.post(event_callback_body(event, "EvNOTQUEUED"))
        assert status == 503
        intake.execute("ALTER TABLE requests_away RENAME TO requests")  # the database is back
        intake.close()
        status, ack, _ = bridge.command("/sms", "07700900123 taken again")
        assert (status, ack) == (200, "")
        texts = slack.state.wait_for(
            lambda s: [m["messageText"] for m in sandbox.sandbox.messages()] or None,
            what="the request carried out",
        )
        assert texts == ["taken again"]  # the refused one was never promised, so never sent


def _degraded(bridge, words: str) -> dict | None:
    """/healthz's problems, once one of them says `words`."""
    with urllib.request.urlopen(bridge.url + "/healthz", timeout=5) as answer:
        problems = json.loads(answer.read()).get("problems", {})
    return problems if any(words in problem for problem in problems.values()) else None
