"""The chat vocabulary's one rule for text from outside (phones, Web21C, contact names).

Services speak Slack's mrkdwn to every front end (the console renders it for a terminal).
In mrkdwn, `<...>` is live markup: `<!channel>` pings a whole channel, `<@U1>` mentions a
person, `<https://evil|https://slack.com>` disguises a link. Slack's rule is that `&`, `<` and
`>` in text are sent as `&amp;`, `&lt;` and `&gt;`; anything that did not come from the bridge
itself passes through `escape` before it is put into a message.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """Text from outside, made inert for mrkdwn (the characters still read the same)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The characters `escape` stood for, for a front end that shows plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
