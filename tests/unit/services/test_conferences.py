from bot.core.cards import DROP_PARTICIPANT, END_CONFERENCE, INVITE_PARTICIPANT
from bot.core.commands import NumberTarget, StartConference, UserTarget
from bot.core.domain import ConferenceInfo, ConferenceStatus, ParticipantInfo, ParticipantStatus
from bot.services.dispatch import Invocation
from tests.unit.services.conftest import CHANNEL


def _card(chat):
    (post,) = [m for m in chat.top_level(CHANNEL) if m.card is not None]
    return post.card


def test_conf_invites_everyone_and_posts_a_roster(services, telephony, chat):
    answer = services.conferences.start(
        "UALICE",
        CHANNEL,
        (UserTarget(name="alice"), UserTarget("UBOB"), NumberTarget("07700900123")),
    )
    assert answer is None
    assert len(telephony.conferences) == 1
    assert sorted(telephony.participant_uris.values()) == [
        "tel:+447700900001",
        "tel:+447700900006",
        "tel:+447700900123",
    ]
    card = _card(chat)
    assert [row.button.action_id for row in card.rows] == [DROP_PARTICIPANT] * 3
    assert {b.action_id for b in card.buttons} == {INVITE_PARTICIPANT, END_CONFERENCE}
    assert "0 of 3 connected" in card.title


def test_people_without_numbers_are_named_and_nothing_is_created(services, telephony):
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL),
        StartConference((UserTarget("UNOPHONE"), UserTarget("UBOB"))),
    )
    assert "<@UNOPHONE> has no known phone number" in answer
    assert telephony.conferences == {}


def test_drop_and_end_update_the_roster(services, telephony, chat):
    services.conferences.start("UALICE", CHANNEL, (UserTarget("UBOB"), NumberTarget("07700900123")))
    (conference_id,) = telephony.conferences
    first, second = telephony.participants[conference_id]
    telephony.conferences[conference_id] = ConferenceInfo(
        conference_id, ConferenceStatus.ACTIVE, None, 0, 2
    )
    for pid in (first, second):
        telephony.participants[conference_id][pid] = ParticipantInfo(
            pid, ParticipantStatus.CONNECTED, None
        )
    assert services.conferences.refresh(conference_id)
    assert "2 of 2 connected" in _card(chat).title

    outsider = Invocation("UNOPHONE", CHANNEL)
    assert "Only the person who started" in services.dispatcher.press(
        outsider, DROP_PARTICIPANT, first
    )
    assert services.dispatcher.press(Invocation("UALICE", CHANNEL), DROP_PARTICIPANT, first) is None
    assert telephony.participants[conference_id][first].status is ParticipantStatus.DISCONNECTED
    assert "left" in _card(chat).rows[0].text

    assert (
        services.dispatcher.press(Invocation("UALICE", CHANNEL), END_CONFERENCE, conference_id)
        is None
    )
    card = _card(chat)
    assert card.buttons == ()
    assert card.footer.startswith("Ended")


def test_invite_adds_someone_to_a_live_conference(services, telephony, chat):
    services.conferences.start("UALICE", CHANNEL, (UserTarget("UBOB"),))
    (conference_id,) = telephony.conferences
    who = Invocation("UALICE", CHANNEL)
    assert services.dispatcher.invite(who, conference_id, NumberTarget("07700900123")) is None
    assert len(_card(chat).rows) == 2
    again = services.dispatcher.invite(who, conference_id, NumberTarget("07700900123"))
    assert "already in this conference" in again
