"""What the console says about itself: the greeting, and each of its own commands' usage.

Written in mrkdwn like everything else the console shows (backticks are code). The greeting's
examples are the README's walkthrough, word for word.
"""

from __future__ import annotations

from bot.core.mrkdwn import escape

WALKTHROUGH = (  # the README's, in the same order
    ("/sms +447700900000 hello", "the sandbox's echo phone texts you back in the thread"),
    ("reply 1 are you there?", "replies in thread 1, which texts that number"),
    ("/phone 07700 900001", "your number (you are the console's admin: no code needed)"),
    ("/call +447700900006", "rings you, then a test phone that hangs up after 5 s"),
    ("/conf +447700900008 07700 900123", "a conference; press <n> drops someone"),
    ("/sms route help #support", "texts starting with HELP now arrive in #support"),
)
CONSOLE_HELP = (
    ("threads · cards · card 2", "what is open, and a card shown whole"),
    ("help · help reply · /sms help", "this text, or one command's usage"),
    ("quit", "(or Ctrl-D) stops the bridge"),
)
GREETING_HEAD = (
    "*web21c-bridge console*: Slack's commands, in a terminal, against the Web21C sandbox."
)
GREETING_TAIL = """From a second terminal, make a phone text the bridge:
  `.venv/bin/web21c-bridge sandbox-text +447700900123 {keyword} hello from my phone`
Texts starting with `{keyword_upper}` appear here. The log is in {log_file}."""


def greeting(keyword: str, log_file: str) -> str:
    """The greeting in mrkdwn: two aligned columns of examples, then how to text in."""
    width = max(len(example) for example, _ in (*WALKTHROUGH, *CONSOLE_HELP)) + 2

    def rows(pairs) -> list[str]:
        return [f"  `{ex}`{' ' * (width - len(ex))}{escape(what)}" for ex, what in pairs]

    tail = GREETING_TAIL.format(keyword=keyword, keyword_upper=keyword.upper(), log_file=log_file)
    return "\n".join([GREETING_HEAD, "", *rows(WALKTHROUGH), "", *rows(CONSOLE_HELP), "", tail])


USAGE = {
    "reply": (
        "Usage: `reply <thread> <text>` texts the number of a conversation thread "
        "(`threads` lists them).\nExample: `reply 1 on my way`"
    ),
    "press": (
        "Usage: `press <button>` presses a card's button: the number in its brackets, "
        "as in `[3: Drop]`.\nExample: `press 3`"
    ),
    "invite": (
        "Usage: `invite <card> <@user or number> ...` rings more people into the conference "
        "on that card.\nExample: `invite 2 +447700900001`"
    ),
    "card": "Usage: `card <card>` shows a card whole (`cards` lists them).\nExample: `card 2`",
    "threads": "Usage: `threads` lists the conversation threads, with their numbers.",
    "cards": "Usage: `cards` lists the live call and conference cards, with their numbers.",
    "help": "Usage: `help` shows the greeting; `help <command>` one command's usage.",
    "quit": "Usage: `quit` (or `exit`, or Ctrl-D) stops the bridge.",
}
CONSOLE_WORDS = tuple(USAGE)
NOT_UNDERSTOOD = "`{word}` is not a console command. Type `help` for what the console accepts."
BYE = "Bye; the bridge stopped."


def usage(word: str, problem: str | None = None) -> str:
    return (f"{problem}\n" if problem else "") + USAGE[word]
