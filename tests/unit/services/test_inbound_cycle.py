"""The inbound cycle on fakes: the catch-all route, STOP/START/HELP under any keyword, texts
nobody routes counted (never dropped, never cleared), and the per-keyword fallback."""

import pytest

from bot.bootstrap import wire_services
from bot.config import load_settings
from bot.core.commands import NumberTarget
from bot.core.domain import ChatError, InvalidArgument
from bot.services.errors import Rejected
from storage import Database
from tests.unit.services.conftest import CHANNEL

PHONE = "tel:+447700900123"
NUMBER = "+447700900123"


def _route(services, keyword="pizza", channel="COPS"):
    with services.db.transaction() as tx:
        tx.routes.set(keyword, channel, "UADMIN")


def _texts_back(telephony, uri=PHONE) -> list[str]:
    return [t.text for t in telephony.sent if uri in t.recipients]


def test_the_catch_all_receives_texts_no_other_route_takes(services, telephony, chat):
    _route(services, "pizza", "CPIZZA")
    _route(services, "*", "CINBOX")
    telephony.receive("hello", PHONE, "hello is this the shop?")
    telephony.receive("pizza", PHONE, "pizza large")
    services.poll_inbound()
    (inbox,) = chat.top_level("CINBOX")
    assert [m.text for m in chat.thread("CINBOX", inbox.ts)] == [
        f"*{NUMBER}*: hello is this the shop?"
    ]
    (pizza,) = chat.top_level("CPIZZA")
    assert [m.text for m in chat.thread("CPIZZA", pizza.ts)] == [f"*{NUMBER}*: pizza large"]
    assert all(texts == [] for texts in telephony.inbox.values())  # both cleared
    assert services.inbound_cycle.unrouted_waiting() == 0


def test_without_a_catch_all_unrouted_texts_stay_waiting_and_are_counted(services, telephony, chat):
    _route(services)
    telephony.receive("hello", PHONE, "hello anyone?")
    telephony.receive("hi", "tel:+447700900124", "hi")
    services.poll_inbound()
    services.poll_inbound()
    assert chat.messages == {}
    assert telephony.cleared == []
    assert services.inbound_cycle.unrouted_waiting() == 2
    assert services.inbound_cycle.problem().startswith("2 text(s) wait at Web21C")
    _route(services, "*", "CINBOX")  # an admin adds a catch-all: nothing was lost
    services.poll_inbound()
    assert len(chat.top_level("CINBOX")) == 2
    assert services.inbound_cycle.problem() is None


def test_a_plain_stop_under_no_route_opts_out_confirms_once_and_is_cleared(services, telephony):
    _route(services)
    telephony.receive("stop", PHONE, "STOP")
    services.poll_inbound()
    with services.db.transaction() as tx:
        assert tx.opt_outs.get(NUMBER).word == "STOP"
        actions = [(e.action, e.target) for e in tx.audit.recent()]
    assert ("sms.opt_out", NUMBER) in actions
    assert _texts_back(telephony) == [
        "You will get no more texts from us. Text START to get them again."
    ]
    assert telephony.inbox["stop"] == []
    telephony.receive("stop", PHONE, "stop")  # again: no second confirmation
    services.poll_inbound()
    assert len(_texts_back(telephony)) == 1
    with pytest.raises(Rejected, match="opted out"):
        services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello?")
    assert services.inbound_cycle.unrouted_waiting() == 0  # acted on, so not waiting


def test_start_opts_back_in_and_the_note_shows_in_the_numbers_thread(services, telephony, chat):
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    (parent,) = chat.top_level(CHANNEL)
    telephony.receive("quit", PHONE, "Quit")
    services.poll_inbound()
    telephony.receive("unstop", PHONE, "unstop")
    services.poll_inbound()
    notes = [m.text for m in chat.thread(CHANNEL, parent.ts) if "texted" in m.text]
    assert notes[0].startswith(f":no_bell: {NUMBER} texted QUIT")
    assert notes[1].startswith(f":bell: {NUMBER} texted UNSTOP")
    with services.db.transaction() as tx:
        assert not tx.opt_outs.is_opted_out(NUMBER)
        actions = [e.action for e in reversed(tx.audit.recent()) if e.target == NUMBER]
    assert actions.index("sms.opt_out") < actions.index("sms.opt_in")


def test_a_stop_under_a_routed_keyword_holds_before_slack_shows_it(services, telephony, chat):
    _route(services)
    chat.refuse["COPS"] = ChatError("is_archived", permanent=True)
    telephony.receive("pizza", PHONE, "pizza stop sending these")
    services.poll_inbound()
    with services.db.transaction() as tx:
        assert tx.opt_outs.is_opted_out(NUMBER)
    assert len(telephony.inbox["pizza"]) == 1  # not posted, so kept at Web21C
    assert len(_texts_back(telephony)) == 1


def test_help_is_answered_unless_help_is_routed(services, telephony, chat):
    telephony.receive("help", PHONE, "help")
    services.poll_inbound()
    (answer,) = _texts_back(telephony)
    assert answer.startswith("You are texting a team on Slack")
    _route(services, "help", "CSUPPORT")
    telephony.receive("help", PHONE, "help my order")
    services.poll_inbound()
    assert len(_texts_back(telephony)) == 1
    (parent,) = chat.top_level("CSUPPORT")
    assert chat.thread("CSUPPORT", parent.ts)[0].text.endswith("help my order")


def test_replies_take_their_wording_from_settings_and_off_sends_none(tmp_path, telephony, chat):
    settings = load_settings(
        {"OPT_OUT_REPLY": "Bye from Pizza Co.", "HELP_REPLY": "off", "OPT_IN_REPLY": "Hi again"},
        dotenv_path=None,
    )
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}")
    db.create_schema()
    services = wire_services(settings, db, telephony, chat)
    try:
        for text in ("stop", "help", "start"):
            telephony.receive(text, PHONE, text)
            services.poll_inbound()
        assert _texts_back(telephony) == ["Bye from Pizza Co.", "Hi again"]
    finally:
        services.close()
        db.close()


def test_a_web21c_that_refuses_the_empty_keyword_is_polled_per_keyword(services, telephony, chat):
    _route(services)
    _route(services, "shop", "CSHOP")
    telephony.receive("pizza", PHONE, "pizza one")
    telephony.receive("shop", "tel:+447700900124", "shop two")
    telephony.failure = InvalidArgument("keyword must not be empty")
    services.poll_inbound()
    assert len(chat.top_level("COPS")) == 1 and len(chat.top_level("CSHOP")) == 1
    telephony.receive("pizza", PHONE, "pizza three")
    services.poll_inbound()
    (parent,) = chat.top_level("COPS")
    assert [m.text.split(": ", 1)[1] for m in chat.thread("COPS", parent.ts)] == [
        "pizza one",
        "pizza three",
    ]
    assert services.inbound_cycle.unrouted_waiting() is None  # cannot be seen: not claimed 0


def test_a_process_that_runs_no_cycle_counts_without_touching_anything(services, telephony):
    _route(services)
    telephony.receive("hello", PHONE, "hello?")
    telephony.receive("stop", PHONE, "stop")  # an opt word is not "waiting unrouted"
    telephony.receive("pizza", PHONE, "pizza")
    assert services.inbound_cycle.count_unrouted() == 1
    assert services.inbound_cycle.problem().startswith("1 text(s) wait at Web21C")
    assert telephony.cleared == [] and telephony.sent == []
    with services.db.transaction() as tx:
        assert tx.messages.unposted_inbound() == []
        assert not tx.opt_outs.is_opted_out(NUMBER)


def test_help_is_answered_at_most_once_an_hour_per_number(services, telephony, clock):
    for _ in range(3):  # an auto-responder answering every reply with HELP
        telephony.receive("help", PHONE, "HELP")
        services.poll_inbound()
    assert len(_texts_back(telephony)) == 1
    assert telephony.inbox["help"] == []  # each was acted on and cleared, none left waiting
    telephony.receive("help", "tel:+447700900124", "help")  # another number is answered
    services.poll_inbound()
    assert len(_texts_back(telephony, "tel:+447700900124")) == 1
    clock.advance(3601)
    telephony.receive("help", PHONE, "HELP")
    services.poll_inbound()
    assert len(_texts_back(telephony)) == 2


def test_an_opted_out_number_gets_no_help_text(services, telephony):
    telephony.receive("stop", PHONE, "stop")
    services.poll_inbound()
    telephony.receive("help", PHONE, "help")
    services.poll_inbound()
    assert _texts_back(telephony) == [
        "You will get no more texts from us. Text START to get them again."
    ]
