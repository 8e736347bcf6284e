"""`/sms route *` (the catch-all) in the command grammar, and the reply wording keys."""

import pytest

from bot.config import ConfigError, load_settings
from bot.core.commands import (
    USAGE,
    ChannelRef,
    ListRoutes,
    RemoveRoute,
    SetRoute,
    UsageError,
    parse,
)


def test_star_routes_and_unroutes_the_catch_all():
    assert parse("sms", "route * #inbox") == SetRoute("*", ChannelRef(name="inbox"))
    assert parse("sms", "route *") == SetRoute("*", None)
    assert parse("sms", "unroute *") == RemoveRoute("*")
    assert parse("sms", "routes") == ListRoutes()
    assert "`*`" in USAGE["/sms"]


@pytest.mark.parametrize("word", ["**", "*pizza", "piz*"])
def test_only_a_lone_star_is_the_catch_all(word):
    with pytest.raises(UsageError, match="is not a keyword"):
        parse("sms", f"route {word} #inbox")


def test_reply_keys_default_off_and_custom():
    defaults = load_settings({}, dotenv_path=None)
    assert "START" in defaults.opt_out_reply and "STOP" in defaults.opt_in_reply
    assert "STOP" in defaults.help_reply
    custom = load_settings(
        {"OPT_OUT_REPLY": "Bye", "OPT_IN_REPLY": "off", "HELP_REPLY": "Call 0800 000 000"},
        dotenv_path=None,
    )
    assert (custom.opt_out_reply, custom.opt_in_reply, custom.help_reply) == (
        "Bye",
        "",
        "Call 0800 000 000",
    )


@pytest.mark.parametrize(
    ("key", "value", "limit"),
    [
        ("OPT_OUT_REPLY", "x" * 161, "one SMS segment"),
        ("OPT_IN_REPLY", "ł" * 71, "one SMS segment"),  # UCS-2: 70 a segment
        ("HELP_REPLY", "x" * 460, "3 SMS segments"),
    ],
)
def test_a_reply_too_long_for_its_segments_names_the_key(key, value, limit):
    with pytest.raises(ConfigError) as error:
        load_settings({key: value}, dotenv_path=None)
    assert str(error.value).startswith(f"{key}: expected a text of at most {limit}")
