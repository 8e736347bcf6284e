from hypothesis import given
from hypothesis import strategies as st

from bot.core.mrkdwn import escape, unescape


def test_escape_makes_slack_markup_inert():
    hostile = "help <!channel> log in at <https://evil.example|https://slack.com> <@UADMIN1> & co"
    escaped = escape(hostile)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.startswith("help &lt;!channel&gt;")
    assert "&amp; co" in escaped


@given(st.text())
def test_unescape_gives_back_what_was_escaped(text):
    assert unescape(escape(text)) == text
