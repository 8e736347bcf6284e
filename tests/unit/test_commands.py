import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import (
    USAGE,
    ChannelRef,
    Help,
    ListRoutes,
    NumberTarget,
    PlaceCall,
    RemoveRoute,
    SendSms,
    SetPhone,
    SetRoute,
    ShowPhone,
    StartConference,
    UsageError,
    UserTarget,
    VerifyPhone,
    parse,
)


def test_sms_to_a_number_with_spaces_keeps_the_rest_as_text():
    assert parse("sms", "07700 900123 10 minutes late") == SendSms(
        NumberTarget("07700 900123"), "10 minutes late"
    )


def test_sms_to_an_escaped_or_plain_mention():
    assert parse("/sms", "<@U123|alice> hi") == SendSms(UserTarget("U123", "alice"), "hi")
    assert parse("/sms", "@alice hi there") == SendSms(UserTarget(name="alice"), "hi there")


def test_sms_to_a_uri():
    assert parse("sms", "tel:+447700900123 hello") == SendSms(
        NumberTarget("tel:+447700900123"), "hello"
    )


def test_routes():
    assert parse("sms", "route Pizza <#C1|ops>") == SetRoute("pizza", ChannelRef("C1", "ops"))
    assert parse("sms", "route pizza #ops") == SetRoute("pizza", ChannelRef(name="ops"))
    assert parse("sms", "route pizza") == SetRoute("pizza", None)
    assert parse("sms", "unroute PIZZA") == RemoveRoute("pizza")
    assert parse("sms", "routes") == ListRoutes()


def test_calls_and_conferences():
    assert parse("call", "@alice @bob") == PlaceCall(
        (UserTarget(name="alice"), UserTarget(name="bob"))
    )
    assert parse("call", "<@U1> +44 7700 900123") == PlaceCall(
        (UserTarget("U1"), NumberTarget("+44 7700 900123"))
    )
    assert parse("conf", "@a, @b +447700900123") == StartConference(
        (UserTarget(name="a"), UserTarget(name="b"), NumberTarget("+447700900123"))
    )


def test_phone():
    assert parse("phone", "") == ShowPhone(None)
    assert parse("phone", "07700 900123") == SetPhone(None, "07700 900123")
    assert parse("phone", "<@U2> 07700900001") == SetPhone(UserTarget("U2"), "07700900001")
    assert parse("phone", "<@U2>") == ShowPhone(UserTarget("U2"))


def test_phone_verify():
    assert parse("phone", "verify 123456") == VerifyPhone("123456")
    assert parse("phone", "VERIFY 123 456") == VerifyPhone("123456")
    assert parse("phone", "verify 123-456") == VerifyPhone("123456")
    with pytest.raises(UsageError, match="Type the code texted to you"):
        parse("phone", "verify")
    with pytest.raises(UsageError, match="`abc` is not a code"):
        parse("phone", "verify abc")
    with pytest.raises(UsageError, match="is not a code"):
        parse("phone", "verify 12")
    assert "`/phone verify <code>`" in USAGE["/phone"]


@pytest.mark.parametrize("command", ["sms", "call", "conf", "phone"])
def test_help_on_every_command(command):
    assert parse(command, "help") == Help("/" + command)


@pytest.mark.parametrize(
    ("command", "text", "problem"),
    [
        ("sms", "", None),
        ("sms", "hello world", "`hello` is neither a @mention nor a phone number."),
        ("sms", "+447700900123", "There is no text to send to +447700900123."),
        ("sms", "route", "`route` takes a keyword"),
        ("sms", "route pi!za", "is not a keyword"),
        ("sms", "route pizza ops", "`ops` is not a #channel."),
        ("call", "", "A call joins one or two parties"),
        ("call", "@a @b @c", "A call joins one or two parties"),
        ("call", "sip:", "is not a valid sip: URI"),
        ("conf", "", "Name at least one person"),
        ("conf", "@a @a", "only once"),
    ],
)
def test_malformed_input_gets_a_usage_line_and_an_example(command, text, problem):
    with pytest.raises(UsageError) as error:
        parse(command, text)
    message = str(error.value)
    assert USAGE["/" + command] in message
    assert "Example:" in message
    if problem:
        assert problem in message


@settings(max_examples=300, deadline=None)
@given(
    command=st.sampled_from(["sms", "call", "conf", "phone"]),
    text=st.text(max_size=200)
    | st.lists(
        st.sampled_from(
            [
                "@a",
                "<@U1|x>",
                "<@U2>",
                "07700",
                "900123",
                "+44",
                "tel:+4477",
                "sip:x@y",
                "route",
                "routes",
                "unroute",
                "#ops",
                "<#C1>",
                "help",
                "verify",
                "VERIFY",
                "123456",
                "12-34",
                ",",
                "(",
                "-",
                "é",
                "€",
            ]
        ),
        max_size=8,
    ).map(" ".join),
)
def test_no_input_makes_the_grammar_raise_anything_but_a_usage_error(command, text):
    try:
        result = parse(command, text)
    except UsageError as error:
        assert "Usage:" in str(error)
    else:
        assert result is not None


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.text(max_size=12)
        | st.from_regex(r"[0-9\- ]{0,12}", fullmatch=True)
        | st.sampled_from(["verify", "123456", "<@U1>", "@bob", "-", "٣٤٥٦"]),
        max_size=5,
    )
)
def test_no_phone_verify_input_makes_the_grammar_raise_anything_but_a_usage_error(words):
    text = " ".join(["verify", *words])
    try:
        result = parse("phone", text)
    except UsageError as error:
        assert "Usage:" in str(error)
    else:
        assert isinstance(result, VerifyPhone | Help)
        if isinstance(result, VerifyPhone):
            assert result.code.isascii() and result.code.isdigit()


def test_a_premium_number_is_still_recognised_as_a_number():
    assert parse("sms", "09065 123456 win big") == SendSms(NumberTarget("09065 123456"), "win big")
