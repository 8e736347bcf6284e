"""What Slack would act on in a message's mrkdwn: its control sequences.

Slack reads `<...>` in message text as markup: `<!channel>`/`<!here>`/`<!everyone>` notify
people, `<@U1>` mentions someone, `<#C1>` links a channel, `<https://a|b>` shows a link under
any label. `&lt;` `&gt;` `&amp;` are how the characters themselves are written. A test of the
bridge's escaping asks which control sequences a stored message holds.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"<([^<>]*)>")


def control_sequences(text: str) -> list[str]:
    """Every `<...>` Slack would render as markup, in order (the brackets left off)."""
    return _CONTROL.findall(text)


def live_markup(text: str) -> list[str]:
    """Control sequences that notify, mention or link: what text from outside must never
    carry into a post."""
    return [
        inner
        for inner in control_sequences(text)
        if inner[:1] in ("!", "@", "#") or re.match(r"[a-z][a-z0-9+.-]*:", inner, re.I)
    ]


def shown(text: str) -> str:
    """The characters a reader sees for mrkdwn without markup (entities decoded)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
