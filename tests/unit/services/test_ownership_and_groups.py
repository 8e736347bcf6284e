"""Who has a conversation, calls in the thread and group texts, through the services with
fakes at the ports: the edges the end-to-end tests do not reach (a lost answer, a refused
post, two workers racing for one reminder or one outcome line, a hostile button value)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.cards import CALL_CONVERSATION, RELEASE_CONVERSATION, TAKE_CONVERSATION
from bot.core.commands import (
    ListMine,
    NumberTarget,
    SendGroupSms,
    TakeConversation,
    UsageError,
    UserTarget,
    parse,
)
from bot.core.domain import (
    ChatError,
    ConferenceInfo,
    ConferenceStatus,
    ParticipantInfo,
    ParticipantStatus,
    TelephonyError,
)
from bot.services.dispatch import SOMETHING_WENT_WRONG, Invocation
from bot.services.errors import Rejected
from bot.services.ownership import Ownership
from tests.unit.services.conftest import CHANNEL, services_on_test_clock

JANE = "+447700900123"
KIM = "+447700900124"


@pytest.fixture
def services(tmp_path, telephony, chat, clock):
    with services_on_test_clock(tmp_path, telephony, chat, clock) as wired:
        yield wired


def _conversation(services, chat, number=JANE):
    services.messaging.send("UBOB", CHANNEL, NumberTarget(number), "hello")
    with services.db.transaction() as tx:
        (conversation,) = [
            c for c in tx.history.conversations_with(number) if c.channel_id == CHANNEL
        ]
    return conversation


def _header(chat, conversation):
    return chat.messages[(CHANNEL, conversation.thread_ts)]


def _press(services, action_id, value, user):
    return services.dispatcher.press(Invocation(user, CHANNEL), action_id, value)


def test_a_header_carries_take_it_and_call_and_shows_its_holder(services, chat):
    conversation = _conversation(services, chat)
    header = _header(chat, conversation)
    labels = [b.label for b in header.card.buttons]
    assert labels == ["Take it", "Call"]
    _press(services, TAKE_CONVERSATION, str(conversation.id), "UALICE")
    header = _header(chat, conversation)
    assert [r.text for r in header.card.rows] == ["Taken by <@UALICE>"]
    assert [b.label for b in header.card.buttons] == ["Release", "Take over", "Call"]
    assert header.text.startswith(":speech_balloon: Texts with")  # the fallback text


def test_taking_what_you_hold_changes_nothing(services, chat):
    conversation = _conversation(services, chat)
    _press(services, TAKE_CONVERSATION, str(conversation.id), "UALICE")
    edits = len(_header(chat, conversation).edits)
    answer = _press(services, TAKE_CONVERSATION, str(conversation.id), "UALICE")
    assert answer == f"You have the conversation with {JANE} already."
    assert len(_header(chat, conversation).edits) == edits


def test_an_admin_may_release_what_someone_else_holds(services, chat):
    conversation = _conversation(services, chat)
    _press(services, TAKE_CONVERSATION, str(conversation.id), "UALICE")
    answer = _press(services, RELEASE_CONVERSATION, str(conversation.id), "UADMIN")
    assert answer.startswith("Released:")
    with services.db.transaction() as tx:
        assert tx.ownership.holder(conversation.id) is None
        actions = [e.action for e in tx.audit.recent()]
    assert "conversation.release" in actions and "conversation.take" in actions


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "1; DROP TABLE", "٣"])
def test_a_button_value_that_names_no_conversation_gets_words_not_a_trace(services, value):
    for action_id in (TAKE_CONVERSATION, RELEASE_CONVERSATION, CALL_CONVERSATION):
        answer = _press(services, action_id, value, "UALICE")
        assert answer == "That conversation is not one the bridge knows (any more)."


def test_a_refused_header_edit_still_records_the_holder(services, chat):
    conversation = _conversation(services, chat)
    original = chat.update

    def refuse(channel, ts, text, *, card=None):
        raise ChatError("message_not_found")

    chat.update = refuse
    try:
        answer = _press(services, TAKE_CONVERSATION, str(conversation.id), "UALICE")
    finally:
        chat.update = original
    assert answer.startswith(f"The conversation with {JANE} is yours now")
    with services.db.transaction() as tx:
        assert tx.ownership.holder(conversation.id) == "UALICE"


def test_one_reminder_however_many_workers_look(services, chat, telephony, clock):
    services.routes.set("UADMIN", "shop", None, CHANNEL)
    telephony.receive("shop", f"tel:{JANE}", "shop where is it?")
    services.poll_inbound()
    clock.advance(31 * 60)
    second = Ownership(
        services.db,
        chat,
        services.directory,
        services.messaging,
        services.calls,
        clock,
        timedelta(minutes=30),
    )
    assert services.ownership.remind() + second.remind() == 1
    assert services.ownership.remind() + second.remind() == 0


def test_a_reminder_that_could_not_be_posted_is_tried_again(services, chat, telephony, clock):
    services.routes.set("UADMIN", "shop", None, CHANNEL)
    telephony.receive("shop", f"tel:{JANE}", "shop where is it?")
    services.poll_inbound()
    clock.advance(31 * 60)
    chat.refuse[CHANNEL] = ChatError("ratelimited")
    assert services.ownership.remind() == 0
    del chat.refuse[CHANNEL]
    assert services.ownership.remind() == 1


def test_no_reminder_once_the_text_is_answered_or_when_reminders_are_off(
    services, chat, telephony, clock
):
    services.routes.set("UADMIN", "shop", None, CHANNEL)
    telephony.receive("shop", f"tel:{JANE}", "shop where is it?")
    services.poll_inbound()
    services.messaging.send("UBOB", CHANNEL, NumberTarget(JANE), "on its way")
    clock.advance(3600)
    assert services.ownership.remind() == 0
    telephony.receive("shop", f"tel:{JANE}", "shop thanks!")
    services.poll_inbound()
    clock.advance(3600)
    services.ownership.remind_after = None
    assert services.ownership.remind() == 0


def test_a_conference_with_a_number_posts_one_line_in_its_thread(services, chat, telephony):
    conversation = _conversation(services, chat)
    services.conferences.start("UALICE", CHANNEL, (UserTarget(user_id="UBOB"), NumberTarget(JANE)))
    (conference_id,) = telephony.conferences
    info = telephony.conferences[conference_id]
    telephony.conferences[conference_id] = ConferenceInfo(
        conference_id, ConferenceStatus.TERMINATED, info.start_time, 95, 0
    )
    for pid, participant in telephony.participants[conference_id].items():
        telephony.participants[conference_id][pid] = ParticipantInfo(
            pid, ParticipantStatus.DISCONNECTED, participant.start_time
        )
    services.conferences.refresh(conference_id)
    services.conferences.refresh(conference_id)
    lines = [
        m.text
        for m in chat.thread(CHANNEL, conversation.thread_ts)
        if ":busts_in_silhouette:" in m.text
    ]
    assert len(lines) == 1
    assert lines[0].startswith(":busts_in_silhouette: Conference call started by <@UALICE> with")
    assert JANE in lines[0]


def test_a_group_text_whose_answer_was_lost_says_it_may_have_gone(services, chat, telephony):
    telephony.lose_next_answer = True
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL),
        _group((JANE, KIM), "see you at noon"),
    )
    assert answer.startswith(":warning: Web21C did not answer; your text to")
    assert len(telephony.sent) == 1 and telephony.sent[0].recipients == [
        f"tel:{JANE}",
        f"tel:{KIM}",
    ]
    (post,) = [m for m in chat.top_level(CHANNEL) if m.text.startswith("<@UALICE>: see you")]
    assert "may have been sent" in post.text


def test_a_group_text_failing_at_web21c_is_not_sent_and_says_why(services, chat, telephony):
    telephony.failure = TelephonyError("the service is busy")
    answer = services.dispatcher.run(Invocation("UALICE", CHANNEL), _group((JANE, KIM), "hi"))
    assert answer.startswith(f"The text to {JANE}, {KIM} was not sent:")
    (post,) = [m for m in chat.top_level(CHANNEL) if m.text.startswith("<@UALICE>: hi")]
    assert ":x: not sent" in post.text
    with services.db.transaction() as tx:
        for number in (JANE, KIM):  # no "sent this as a group text" line in either thread
            (conversation,) = tx.history.conversations_with(number)
            assert not [
                m for m in chat.thread(CHANNEL, conversation.thread_ts) if "group text" in m.text
            ]


def test_a_group_text_over_the_configured_maximum_is_refused(services):
    services.dispatcher.group_texts.max_recipients = 2
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL), _group((JANE, KIM, "+447700900125"), "hi")
    )
    assert answer == "A group text goes to at most 2 recipients here; that one names 3."


def test_the_same_number_typed_two_ways_is_texted_once(services, telephony):
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL), _group((JANE, "07700 900123", KIM), "hi")
    )
    assert answer == f"Not texted: 07700 900123: {JANE} is named twice; it is texted once."
    (sent,) = telephony.sent
    assert sent.recipients == [f"tel:{JANE}", f"tel:{KIM}"]


def test_a_group_text_names_an_opted_out_recipient(services, telephony):
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out(KIM, "STOP", services.clock.now())
    answer = services.dispatcher.run(Invocation("UALICE", CHANNEL), _group((JANE, KIM), "hi"))
    assert answer.startswith(f"Not texted: {KIM}: {KIM} has opted out")
    (sent,) = telephony.sent
    assert sent.recipients == [f"tel:{JANE}"]


def test_rejected_is_raised_not_returned_for_a_take_outside_the_channel(services, chat):
    _conversation(services, chat)
    with pytest.raises(Rejected):
        services.ownership.take_number("UALICE", "COPS", NumberTarget(JANE), release=False)


def _group(numbers, text):
    return SendGroupSms(tuple(NumberTarget(n) for n in numbers), text)


_WORDS = [
    "mine",
    "take",
    "release",
    "07700",
    "900123",
    "07700 900124",
    "+447700900125",
    "0909 879 0000",
    "tel:+447700900126",
    "sip:a@b.example",
    "@alice",
    "<@UBOB>",
    "@nobody",
    "hello",
    "<!channel>",
    "é",
    "10",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join))
def test_no_group_text_or_ownership_command_makes_a_handler_raise(services, chat, text):
    try:
        parsed = parse("sms", text)
    except UsageError:
        return
    if not isinstance(parsed, SendGroupSms | ListMine | TakeConversation):
        return
    answer = services.dispatcher.run(Invocation("UALICE", CHANNEL), parsed)
    assert answer != SOMETHING_WENT_WRONG
    if not isinstance(parsed, SendGroupSms):  # a group text may go ahead with nothing to say
        assert answer
