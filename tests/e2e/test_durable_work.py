"""An ack is a promise, kept through SIGKILLs of real bridge processes: a request acked by a
`web` killed at once is done after a restart; a worker killed before its Web21C write is
replaced by another that does the work once; a worker killed after it is never repeated
and its requester hears so within seconds; one user's pasted commands run in order."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from storage import Database
from storage.migrate import upgrade
from tests.e2e.conftest import GENERAL, SIGNING_SECRET, running_bridge
from tests.e2e.processes import LISTENING, BridgeProcess, bridge_environment, free_port
from tests.e2e.waiting import wait_until
from tests.slackapi.signing import post_to_bridge, signed_headers, slash_command_body

CLAIM_SECONDS = "2"  # WORK_CLAIM_SECONDS for the workers here: a takeover within seconds
HANG_SECONDS = 30.0  # a Slack call held this long is one the killed worker was inside


def _populate(slack) -> None:
    slack.reset()
    state = slack.state
    state.add_user("alice", user_id="UALICE", real_name="Alice", phone="07700 900001")
    state.add_user("bob", user_id="UBOB", real_name="Bob", phone="+44 7700 900005")


def _worker(tmp_path, slack, sandbox, database_url: str, name: str) -> BridgeProcess:
    environ = bridge_environment(
        slack.api_url, sandbox.url, database_url, WORK_CLAIM_SECONDS=CLAIM_SECONDS
    )
    return BridgeProcess(tmp_path, environ, name=name, command="worker")


def _texts(sandbox, words: str) -> list[dict]:
    return [m for m in sandbox.sandbox.messages() if m["messageText"] == words]


def _claimed(database_url: str) -> bool:
    """A worker has claimed the (one) queued item."""
    db = Database(database_url)
    try:
        with db.transaction() as tx:
            row = tx.connection.execute(text("SELECT started_by FROM work_queue")).first()
    finally:
        db.close()
    return bool(row and row.started_by)


def _wait(predicate, what: str, timeout: float = 60.0):
    return wait_until(predicate, what, timeout)


def test_a_request_acked_by_a_web_process_killed_at_once_is_done_after_restart(
    tmp_path, slack, sandbox
):
    _populate(slack)
    database_url = f"sqlite:///{tmp_path / 'bridge.db'}"
    upgrade(database_url)
    port = free_port()
    web = BridgeProcess(
        tmp_path,
        bridge_environment(slack.api_url, sandbox.url, database_url, PORT=str(port)),
        name="web",
        command="web",
        ready=LISTENING,
    )
    web.start().wait_started()
    response_url = slack.state.new_response_url(channel=GENERAL, user="UALICE")
    words = "07700900123 acked then killed"
    body = slash_command_body("/sms", words, "UALICE", GENERAL, response_url)
    status, ack = post_to_bridge(
        f"http://127.0.0.1:{port}/slack/events", body, signed_headers(SIGNING_SECRET, body)
    )
    assert (status, ack) == (200, "")
    web.kill_all()  # the web process and anything it started, right after the ack
    worker = _worker(tmp_path, slack, sandbox, database_url, "worker").start()
    try:
        worker.wait_started()
        _wait(lambda: _texts(sandbox, "acked then killed"), "the acked text sent", timeout=30)
        time.sleep(1.0)  # long enough for a second sending to show
    finally:
        worker.stop()
    assert len(_texts(sandbox, "acked then killed")) == 1


def test_a_worker_killed_before_its_web21c_write_is_replaced_and_the_work_done_once(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox, worker=False) as web:  # `web`, in process
        database_url = web.bridge.settings.database_url
        first = _worker(tmp_path, slack, sandbox, database_url, "first").start()
        second = _worker(tmp_path, slack, sandbox, database_url, "second")
        try:
            first.wait_started()
            # The worker posts the number's thread before it texts: hold that post, so the
            # kill lands after the claim and before anything was asked of Web21C.
            slack.faults.hang_next(1, seconds=HANG_SECONDS, method="chat.postMessage")
            _, ack, response_url = web.command("/sms", "07700900123 redone after a kill")
            assert ack == ""
            _wait(lambda: _claimed(database_url), "the first worker's claim")
            _wait(lambda: slack.faults.unspent() == 0, "the first worker inside the held post")
            first.kill()
            assert sandbox.sandbox.messages() == []
            second.start().wait_started()
            _wait(
                lambda: _texts(sandbox, "redone after a kill"),
                "the second worker to send it",
                timeout=30,
            )
            _wait(lambda: web.bridge.services.work.outstanding() == 0, "the queue emptied")
            time.sleep(1.0)  # long enough for a second sending to show
        finally:
            second.stop()
            slack.faults.clear()
        assert len(_texts(sandbox, "redone after a kill")) == 1
        assert "running it again" in second.full_log()
        assert not any("may or may not" in r for r in web.responses(response_url))


def test_a_worker_killed_after_its_web21c_write_is_never_repeated_and_its_requester_told(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox, worker=False) as web:
        database_url = web.bridge.settings.database_url
        first = _worker(tmp_path, slack, sandbox, database_url, "first").start()
        second = _worker(tmp_path, slack, sandbox, database_url, "second")
        try:
            first.wait_started()
            # /call asks Web21C first, then posts the call's card: hold the card, kill there.
            slack.faults.hang_next(1, seconds=HANG_SECONDS, method="chat.postMessage")
            _, ack, response_url = web.command("/call", "+447700900006")
            assert ack == ""
            _wait(lambda: sandbox.sandbox.calls(), "the call placed")
            _wait(lambda: slack.faults.unspent() == 0, "the first worker inside the held post")
            first.kill()
            killed_at = time.monotonic()
            second.start().wait_started()
            answer = web.wait_for_response(response_url, timeout=30)
            waited = time.monotonic() - killed_at
            _wait(lambda: web.bridge.services.work.outstanding() == 0, "the queue emptied")
            time.sleep(1.0)  # long enough for a second call to show
        finally:
            second.stop()
            slack.faults.clear()
        assert len(sandbox.sandbox.calls()) == 1  # never placed twice
        assert "`/call +447700900006`" in answer
        assert "may or may not have happened" in answer
        assert "Look for the call's card in this channel" in answer
        print(f"requester told {waited:.1f} s after the kill")


@pytest.mark.parametrize("pairs", [5])
def test_pasted_dependent_commands_from_one_user_run_in_the_order_they_were_made(
    tmp_path, slack, sandbox, pairs
):
    users = [f"UPASTE{n}" for n in range(pairs)]
    # Admins set their own number without a texted code, so /phone takes effect at once and
    # the /call pasted after it depends on it.
    admins = ",".join(["UADMIN", *users])
    with running_bridge(tmp_path, slack, sandbox, ADMIN_USER_IDS=admins) as bridge:
        for n, user in enumerate(users):
            slack.state.add_user(f"paste{n}", user_id=user, real_name=f"Paste {n}", phone=None)
        first_urls, second_urls = {}, {}
        for n, user in enumerate(users):  # as fast as Slack delivers a paste: back to back
            number = "07700 900001" if n == 0 else f"07700 9000{20 + n}"
            _, ack, first_urls[user] = bridge.command("/phone", number, user=user)
            assert ack == ""
            _, ack, second_urls[user] = bridge.command("/call", "+447700900006", user=user)
            assert ack == ""
        answers = {
            user: bridge.wait_for_response(first_urls[user], timeout=30) for user in users
        }
        _wait(lambda: bridge.bridge.services.work.outstanding() == 0, "every command done")
        calls = sandbox.sandbox.calls()
        refused = {user: bridge.responses(second_urls[user]) for user in users}
    assert all(a.startswith("Your number is now +4477009000") for a in answers.values())
    assert {user: r for user, r in refused.items() if r} == {}  # no "no known number"
    assert sorted(c["callingParty"] for c in calls) == sorted(
        ["tel:+447700900001"] + [f"tel:+4477009000{20 + n}" for n in range(1, pairs)]
    )
