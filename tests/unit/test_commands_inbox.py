"""The grammar of the team-inbox commands: `/contact`, `/sms history|export|mine|take|release`
and group texts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import (
    COMMANDS,
    MAX_CONTACT_NAME,
    MAX_PARTIES,
    USAGE,
    ExportHistory,
    ForgetContact,
    Help,
    ListContacts,
    ListMine,
    NumberTarget,
    SendGroupSms,
    SendSms,
    SetContact,
    ShowContact,
    ShowHistory,
    TakeConversation,
    UsageError,
    UserTarget,
    parse,
)


def test_contact_is_a_command_with_help():
    assert "/contact" in COMMANDS
    assert parse("contact", "help") == Help("/contact")
    assert "/contact forget <number>" in USAGE["/contact"]


def test_contact_forms():
    assert parse("contact", "") == ListContacts()
    assert parse("contact", "07700 900123") == ShowContact(NumberTarget("07700 900123"))
    assert parse("contact", "07700 900123 Jane Doe") == SetContact(
        NumberTarget("07700 900123"), "Jane Doe"
    )
    assert parse("contact", "tel:+447700900123 Jane") == SetContact(
        NumberTarget("tel:+447700900123"), "Jane"
    )
    assert parse("contact", "FORGET +44 7700 900123") == ForgetContact(
        NumberTarget("+44 7700 900123")
    )


def test_a_name_is_kept_as_typed_even_if_it_looks_like_markup():
    assert parse("contact", "07700900123 <!channel> Boss") == SetContact(
        NumberTarget("07700900123"), "<!channel> Boss"
    )


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Jane 07700900123", "`Jane` is not a phone number"),
        ("@bob Bob", "is a Slack user"),
        ("<@U1> Bob", "is a Slack user"),
        ("sip:a@b.example Bob", "not sip: addresses"),
        ("forget", "Which number"),
        ("forget 07700900123 please", "nothing after it"),
        ("07700900123 " + "x" * (MAX_CONTACT_NAME + 1), "is at most 80"),
        ("07700900123 bad\x07bell", "control characters"),
    ],
)
def test_malformed_contact_commands_say_what_is_wrong(text, problem):
    with pytest.raises(UsageError) as error:
        parse("contact", text)
    assert problem in str(error.value)
    assert USAGE["/contact"] in str(error.value)


def test_a_name_of_exactly_the_limit_is_accepted():
    name = "J" * MAX_CONTACT_NAME
    assert parse("contact", f"07700900123 {name}") == SetContact(NumberTarget("07700900123"), name)


def test_history_and_export():
    assert parse("sms", "history @alice") == ShowHistory(UserTarget(name="alice"))
    assert parse("sms", "history <@U1>") == ShowHistory(UserTarget(user_id="U1"))
    assert parse("sms", "history 07700 900123") == ShowHistory(NumberTarget("07700 900123"))
    assert parse("sms", "export 07700 900123") == ExportHistory(NumberTarget("07700 900123"))
    # a text that happens to be the word is still a text
    assert parse("sms", "07700 900123 history") == SendSms(NumberTarget("07700 900123"), "history")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("history", "whose conversation"),
        ("export", "whose conversation"),
        ("history 07700900123 please", "nothing after it"),
        ("export @bob", "takes a phone number"),
        ("export sip:a@b.example", "takes a phone number"),
        ("history nobody", "neither a @mention nor a phone number"),
    ],
)
def test_malformed_history_commands_say_what_is_wrong(text, problem):
    with pytest.raises(UsageError) as error:
        parse("sms", text)
    assert problem in str(error.value)
    assert "/sms history <number or @user>" in str(error.value)


def test_a_group_text_is_told_from_a_multi_word_text():
    n = NumberTarget
    assert parse("sms", "07700 900123 07700 900124 running late") == SendGroupSms(
        (n("07700 900123"), n("07700 900124")), "running late"
    )
    assert parse("sms", "07700 900123 10 minutes late") == SendSms(
        n("07700 900123"), "10 minutes late"
    )
    assert parse("sms", "07700 900123 2026 was a good year") == SendSms(
        n("07700 900123"), "2026 was a good year"
    )
    assert parse("sms", "@alice <@U2> +447700900123 tel:+447700900124 see you at 10") == (
        SendGroupSms(
            (
                UserTarget(name="alice"),
                UserTarget(user_id="U2"),
                n("+447700900123"),
                n("tel:+447700900124"),
            ),
            "see you at 10",
        )
    )
    # a word that is not plainly a party ends the list, even if a party follows it
    assert parse("sms", "07700900123 call 07700900124") == SendSms(
        n("07700900123"), "call 07700900124"
    )


@pytest.mark.parametrize(
    "text, problem",
    [
        ("07700900123 07700900124", "no text to send to 07700900123 and 07700900124"),
        ("07700900123 07700900123 hi", "only once"),
        (" ".join(f"0770090{n:04d}" for n in range(MAX_PARTIES + 1)) + " hi", "at most 10"),
    ],
)
def test_malformed_group_texts_say_what_is_wrong(text, problem):
    with pytest.raises(UsageError) as error:
        parse("sms", text)
    assert problem in str(error.value)
    assert "/sms <party> <party> ... <text>" in str(error.value)


def test_mine_take_and_release():
    assert parse("sms", "mine") == ListMine()
    assert parse("sms", "TAKE 07700 900123") == TakeConversation(NumberTarget("07700 900123"))
    assert parse("sms", "release tel:+447700900123") == TakeConversation(
        NumberTarget("tel:+447700900123"), release=True
    )
    assert parse("sms", "07700 900123 mine") == SendSms(NumberTarget("07700 900123"), "mine")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("take", "whose conversation to take"),
        ("release @bob", "is a Slack user"),
        ("take sip:a@b.example", "not sip: addresses"),
        ("take 07700900123 now", "nothing after it"),
        ("mine please", "neither a @mention nor a phone number"),
    ],
)
def test_malformed_take_commands_say_what_is_wrong(text, problem):
    with pytest.raises(UsageError) as error:
        parse("sms", text)
    assert problem in str(error.value)
    assert "/sms take <number>" in str(error.value)


_WORDS = [
    "forget",
    "mine",
    "take",
    "release",
    "FORGET",
    "history",
    "export",
    "help",
    "@a",
    "<@U1>",
    "07700",
    "900123",
    "+44",
    "tel:+4477",
    "tel:",
    "sip:x@y",
    "<!channel>",
    "Jane",
    "(",
    "-",
    "\x00",
    "é",
    "٣٤٥٦",
    "x" * 90,
]


@settings(max_examples=400, deadline=None)
@given(
    command=st.sampled_from(["contact", "sms"]),
    text=st.text(max_size=200) | st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join),
)
def test_no_input_makes_the_inbox_grammar_raise_anything_but_a_usage_error(command, text):
    try:
        result = parse(command, text)
    except UsageError as error:
        assert "Usage:" in str(error)
    else:
        assert result is not None
        if isinstance(result, SendGroupSms):
            assert 2 <= len(result.to) <= MAX_PARTIES and result.text
        if isinstance(result, SetContact):
            assert 0 < len(result.name) <= MAX_CONTACT_NAME
            assert result.name.isprintable()
