from datetime import UTC, datetime

import pytest

from bot.core.cards import HANG_UP
from bot.core.commands import NumberTarget, UserTarget
from bot.core.domain import CallInformation, CallStatus, CallTerminationCause
from bot.services.dispatch import Invocation
from bot.services.errors import Rejected
from tests.unit.services.conftest import ADMIN, CHANNEL


def _card(chat):
    (card_post,) = [m for m in chat.top_level(CHANNEL) if m.card is not None]
    return card_post


def _verified(services, user_id, number):
    with services.db.transaction() as tx:
        tx.directory.set_number(user_id, number, "verified")


def test_call_rings_the_first_party_then_the_second_and_posts_a_card(services, telephony, chat):
    _verified(services, "UALICE", "+447700900001")  # only a proven number names a person
    services.calls.place(
        "UADMIN", CHANNEL, (UserTarget(name="alice"), NumberTarget("07700 900123"))
    )
    (call_id,) = telephony.calls
    assert telephony.call_parties[call_id] == ("tel:+447700900001", "tel:+447700900123")
    card = _card(chat).card
    assert "<@UALICE> → +447700900123" in card.title
    assert card.buttons[0].action_id == HANG_UP and card.buttons[0].value == call_id


def test_a_profile_phone_rings_its_user_but_does_not_name_them_on_the_card(
    services, telephony, chat
):
    services.calls.place("UADMIN", CHANNEL, (UserTarget(name="alice"), NumberTarget("07700900123")))
    (call_id,) = telephony.calls
    assert telephony.call_parties[call_id][0] == "tel:+447700900001"
    assert "+447700900001 → +447700900123" in _card(chat).card.title


def test_with_one_party_the_invoker_is_rung_first(services, telephony):
    services.calls.place("UBOB", CHANNEL, (NumberTarget("07700900123"),))
    (parties,) = telephony.call_parties.values()
    assert parties == ("tel:+447700900006", "tel:+447700900123")


def test_an_invoker_without_a_number_is_told_how_to_get_one(services, telephony):
    with pytest.raises(Rejected, match="register one with `/phone <number>`"):
        services.calls.place("UNOPHONE", CHANNEL, (NumberTarget("07700900123"),))
    assert telephony.calls == {}


def test_the_card_follows_the_call_and_changes_only_when_something_visible_did(
    services, telephony, chat
):
    _verified(services, "UBOB", "+447700900006")
    services.calls.place("UALICE", CHANNEL, (UserTarget("UBOB"),))
    (call_id,) = telephony.calls
    assert not services.calls.refresh(call_id)  # still ringing: nothing to redraw
    start = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)
    telephony.calls[call_id] = CallInformation(
        CallStatus.CONNECTED, start, 3, CallTerminationCause.NOT_TERMINATED
    )
    assert services.calls.refresh(call_id)
    telephony.calls[call_id] = CallInformation(
        CallStatus.CONNECTED, start, 9, CallTerminationCause.NOT_TERMINATED
    )
    assert not services.calls.refresh(call_id)  # only the duration moved: card unchanged
    telephony.calls[call_id] = CallInformation(
        CallStatus.TERMINATED, start, 65, CallTerminationCause.CALLED_PARTY_HUNG_UP
    )
    assert services.calls.refresh(call_id)
    card = _card(chat).card
    assert "Ended: <@UBOB> hung up after 1:05" in card.rows[0].text
    assert card.buttons == ()
    with services.db.transaction() as tx:
        assert tx.calls.live() == []


def test_hang_up_is_for_the_caller_the_parties_and_admins(services, telephony, chat):
    services.calls.place("UALICE", CHANNEL, (NumberTarget("07700900123"),))
    (call_id,) = telephony.calls
    who = Invocation("UNOPHONE", CHANNEL)
    assert "Only the person who placed the call" in services.dispatcher.press(who, HANG_UP, call_id)
    assert telephony.calls[call_id].status is CallStatus.INITIAL
    assert services.dispatcher.press(Invocation(ADMIN, CHANNEL), HANG_UP, call_id) is None
    assert (
        telephony.calls[call_id].termination_cause is CallTerminationCause.TERMINATED_BY_CONTROLLER
    )
    assert "hung up from here" in _card(chat).card.rows[0].text
    assert (
        services.dispatcher.press(Invocation("UALICE", CHANNEL), HANG_UP, call_id)
        == "That call has already ended."
    )


def test_a_call_web21c_forgot_is_shown_as_ended_and_no_longer_polled(services, telephony, chat):
    services.calls.place("UALICE", CHANNEL, (NumberTarget("07700900123"),))
    (call_id,) = telephony.calls
    del telephony.calls[call_id]
    services.tracking.refresh_all()
    with services.db.transaction() as tx:
        assert tx.calls.live() == []
    assert "Ended" in _card(chat).card.rows[0].text


class RefreshingChat:
    """A chat surface whose post lets a tracking refresh run first, as the scheduler can
    while a new card is on its way to Slack."""

    def __init__(self, chat, refresh):
        self._chat, self._refresh = chat, refresh

    def __getattr__(self, name):
        return getattr(self._chat, name)

    def post(self, channel, text, **kwargs):
        self._refresh()
        return self._chat.post(channel, text, **kwargs)


def test_a_state_stored_while_the_card_was_posted_is_shown(services, telephony, chat):
    start = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)

    def connect_and_refresh():
        (call_id,) = telephony.calls
        telephony.calls[call_id] = CallInformation(
            CallStatus.CONNECTED, start, 1, CallTerminationCause.NOT_TERMINATED
        )
        services.calls.refresh(call_id)  # no card yet: nothing to update

    services.calls.chat = RefreshingChat(chat, connect_and_refresh)
    services.calls.place("UALICE", CHANNEL, (NumberTarget("07700900123"),))
    assert "Connected" in _card(chat).card.rows[0].text
