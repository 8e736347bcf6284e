"""Slack mrkdwn as a terminal shows it: styles for markers, names for ids, characters for
entities, emoji for shortcodes; and the same words without styles."""

from __future__ import annotations

from bot.console.chat import channel_name
from bot.console.markup import Names, plain, render

NAMES = Names(lambda user: "you" if user == "UCONSOLE" else None, channel_name)


def test_people_channels_and_links_read_as_words():
    text = "<@UCONSOLE> routed `HELP` to <#CSUPPORT>; see <https://example.test/a|the guide>"
    assert plain(text, NAMES) == "you routed HELP to #support; see the guide"


def test_an_unknown_person_is_their_id_and_a_labelled_channel_its_label():
    assert plain("<@U999> in <#C123|ops> and <!here>", NAMES) == "@U999 in #ops and @here"


def test_markers_become_styles_and_go():
    shown = render("*+447700900000*: _soon_ ~never~ `code`", NAMES)
    assert shown.plain == "+447700900000: soon never code"
    styles = {str(span.style) for span in shown.spans}
    assert {"bold", "italic", "strike"} <= styles


def test_underscores_and_stars_inside_words_are_not_markers():
    assert plain("set ADMIN_USER_IDS and 2*3*4", NAMES) == "set ADMIN_USER_IDS and 2*3*4"


def test_emoji_shortcodes_become_emoji_but_times_stay_times():
    assert plain(":white_check_mark: delivered at 18:40:02 UTC", NAMES) == (
        "✅ delivered at 18:40:02 UTC"
    )


def test_text_from_outside_arrives_escaped_and_reads_as_typed():
    # A phone texted "<@U1> & <!channel>": services escape it; the terminal shows it as typed.
    assert plain("*+447700900123*: &lt;@U1&gt; &amp; &lt;!channel&gt;", NAMES) == (
        "+447700900123: <@U1> & <!channel>"
    )


def test_code_keeps_its_contents_literal():
    assert plain("`/call <number>` then `*not bold*`", NAMES) == "/call <number> then *not bold*"
