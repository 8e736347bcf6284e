"""The grammar of `/sms forget <number>`: what it parses to, and that no input makes it raise
anything but a usage error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import USAGE, ForgetNumber, SendSms, UsageError, parse


def test_forget_takes_the_rest_as_the_number_as_typed():
    assert parse("/sms", "forget +447700900123") == ForgetNumber("+447700900123")
    assert parse("sms", "FORGET 07700 900123") == ForgetNumber("07700 900123")
    assert parse("sms", "forget tel:+447700900123") == ForgetNumber("tel:+447700900123")


def test_forget_alone_says_what_it_needs_with_the_usage():
    with pytest.raises(UsageError) as raised:
        parse("sms", "forget")
    assert "`forget` takes the number to forget." in str(raised.value)
    assert "/sms forget <number>" in str(raised.value)


def test_help_names_forget():
    assert "`/sms forget <number>`" in USAGE["/sms"]


def test_a_number_then_forget_is_still_a_text():
    assert parse("sms", "+447700900123 forget it") == SendSms(
        parse("sms", "+447700900123 x").to, "forget it"
    )


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["forget", "FORGET", "07700", "900123", "+44", "tel:", "sip:a@b", "@a"])
        | st.text(max_size=12),
        max_size=6,
    ).map(" ".join)
)
def test_no_forget_input_makes_the_grammar_raise_anything_but_a_usage_error(text):
    try:
        result = parse("sms", text)
    except UsageError as error:
        assert "Usage:" in str(error)
    else:
        assert result is not None
