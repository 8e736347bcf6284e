"""Scheduled texts through the services, with fakes at the ports and the test's clock: when a
typed time falls, in whose zone, exactly-once hand-off, cancelling, missing, refusing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.cards import CANCEL_SCHEDULED
from bot.core.commands import ScheduleSms, parse
from bot.core.mrkdwn import unescape
from bot.services.dispatch import Invocation
from bot.services.scheduled import WORK_KIND, ScheduledTexts
from tests.unit.services.conftest import ADMIN, CHANNEL, services_on_test_clock

NUMBER = "+447700900123"


@pytest.fixture
def services(tmp_path, telephony, chat, clock):
    with services_on_test_clock(tmp_path, telephony, chat, clock) as wired:
        yield wired


def _schedule(services, typed: str, user: str = "UALICE") -> str:
    command = parse("/sms", typed)
    assert isinstance(command, ScheduleSms)
    return services.dispatcher.run(Invocation(user, CHANNEL), command)


def _kept(services) -> list:
    with services.db.transaction() as tx:
        return tx.scheduled.open_for(None)


def _run_queued(services) -> int:
    """What a worker does: carry out the queued scheduled texts."""
    with services.db.transaction() as tx:
        items = tx.work.claim("test", 100, 30)
    for item in items:
        assert item.kind == WORK_KIND
        services.scheduled.send_now(item.payload)
        with services.db.transaction() as tx:
            tx.work.finish(item.id, item.claim)
    return len(items)


def test_a_time_of_day_is_in_the_requesters_zone_and_the_next_one_to_come(services, chat, clock):
    chat.users["UALICE"]["tz"] = "America/New_York"
    now = clock.now()  # the fake clock's start
    local = now.astimezone(ZoneInfo("America/New_York"))
    earlier = (local - timedelta(hours=1)).strftime("%H:%M")
    answer = _schedule(services, f"at {earlier} {NUMBER} hello")
    assert "tomorrow at" in answer and "(America/New_York), in 23 hours" in answer
    (kept,) = _kept(services)
    assert kept.zone == "America/New_York"
    assert timedelta(hours=22, minutes=59) < kept.send_at - now <= timedelta(hours=23)


def test_a_date_that_has_passed_is_refused(services):
    answer = _schedule(services, f"at 2001-01-01 09:00 {NUMBER} too late")
    assert answer == "2001-01-01 09:00 (Europe/London) has passed; name a time to come."
    assert _kept(services) == []


def test_an_unknown_zone_falls_back_to_utc(services, chat):
    chat.users["UALICE"]["tz"] = "Mars/Olympus_Mons"
    assert "(UTC)" in _schedule(services, f"in 1h {NUMBER} hello")


def test_a_number_refused_now_is_not_scheduled(services):
    answer = _schedule(services, "in 1h 0909 879 0000 hello")
    assert answer.startswith("Not scheduled: ")
    assert "premium" in answer
    assert _kept(services) == []


def test_a_request_run_twice_keeps_one_text_and_answers_the_same(services):
    services.scheduled.request_key = lambda: "work:42"
    first = _schedule(services, f"in 1h {NUMBER} once")
    second = _schedule(services, f"in 1h {NUMBER} once")
    assert first == second
    assert len(_kept(services)) == 1


def test_a_due_text_is_queued_once_however_many_workers_look(services, telephony, clock):
    _schedule(services, f"in 10s {NUMBER} just once")
    other = ScheduledTexts(
        services.db,
        services.chat,
        services.directory,
        services.messaging,
        services.dispatcher.group_texts,
        clock,
        timedelta(minutes=15),
    )
    assert services.scheduled.release_due() + other.release_due() == 0  # not yet
    clock.advance(11)
    assert services.scheduled.release_due() + other.release_due() == 1
    assert _run_queued(services) == 1
    assert [t.text for t in telephony.sent] == ["just once"]
    assert _kept(services) == []


def test_a_text_late_beyond_the_grace_is_reported_missed(services, chat, telephony, clock):
    _schedule(services, f"in 10s {NUMBER} missed it")
    clock.advance(10 + 16 * 60)
    assert services.scheduled.release_due() == 0
    assert telephony.sent == []
    (told,) = [e for e in chat.ephemerals if "was due" in e[2]]
    assert told[1] == "UALICE"
    assert f"Your text `{NUMBER} missed it` was due 16 minutes ago" in told[2]


def test_cancel_is_for_the_requester_or_an_admin_and_only_before_it_goes(services, chat, clock):
    _schedule(services, f"in 10s {NUMBER} one")
    _schedule(services, f"in 10s {NUMBER} two")
    first, second = (t.id for t in _kept(services))
    press = services.dispatcher.press
    assert press(Invocation("UBOB", CHANNEL), CANCEL_SCHEDULED, str(first)).startswith("Only")
    assert press(Invocation(ADMIN, CHANNEL), CANCEL_SCHEDULED, str(first)).startswith("Cancelled:")
    clock.advance(11)
    services.scheduled.release_due()
    answer = press(Invocation("UALICE", CHANNEL), CANCEL_SCHEDULED, str(second))
    assert answer == "Too late to cancel: that text is being sent now."
    for value in ("", "x", "99999", "-1"):
        assert press(Invocation("UALICE", CHANNEL), CANCEL_SCHEDULED, value) == (
            "That scheduled text is not one the bridge knows."
        )


def test_the_list_is_a_card_with_cancel_buttons_and_an_admin_sees_everyones(services, chat):
    _schedule(services, f"in 1h {NUMBER} mine")
    _schedule(services, f"in 2h {NUMBER} bobs", user="UBOB")
    command = parse("/sms", "scheduled")
    assert services.dispatcher.run(Invocation("UALICE", CHANNEL), command) is None
    assert services.dispatcher.run(Invocation(ADMIN, CHANNEL), command) is None
    (_, _, alices), (_, _, admins) = chat.ephemeral_cards
    assert alices.title == ":alarm_clock: Your scheduled texts (1)"
    assert [r.button.action_id for r in alices.rows] == [CANCEL_SCHEDULED]
    assert admins.title == ":alarm_clock: Scheduled texts (2)"
    assert "(<@UBOB>)" in admins.rows[1].text


def test_a_number_that_opted_out_meanwhile_is_refused_at_send_time(services, chat, clock):
    _schedule(services, f"in 10s {NUMBER} after the stop")
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out(NUMBER, "STOP", clock.now())
    clock.advance(11)
    services.scheduled.release_due()
    _run_queued(services)
    (told,) = [e for e in chat.ephemerals if "was not sent" in e[2]]
    assert "has opted out" in told[2]
    with services.db.transaction() as tx:
        text = tx.scheduled.get(1)
    assert text.status == "refused" and "opted out" in text.outcome


def test_a_cancelled_text_that_was_already_queued_is_not_sent(services, telephony, clock):
    _schedule(services, f"in 10s {NUMBER} cancelled late")
    clock.advance(11)
    services.scheduled.release_due()
    with services.db.transaction() as tx:  # as a cancel that won the race would leave it
        tx.scheduled.move(1, ("queued",), "cancelled", "test")
    _run_queued(services)
    assert telephony.sent == []


def test_words_slack_escaped_are_shown_escaped_once(services, chat):
    services.scheduled.plain = unescape  # as the Slack front end undoes its escapes
    _schedule(services, f"in 1h {NUMBER} fish &amp; chips")
    (kept,) = _kept(services)
    answer = services.dispatcher.press(
        Invocation("UALICE", CHANNEL), CANCEL_SCHEDULED, str(kept.id)
    )
    assert answer == f"Cancelled: `{NUMBER} fish &amp; chips` will not be sent."
