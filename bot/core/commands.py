"""The command grammar shared by every front end: text in, a typed command (or a usage error)
out. Pure functions, no I/O, so Slack and the console parse exactly alike and property tests
can throw any text at them.

Mentions arrive escaped (`<@U123|alice>`, `<#C123|ops>`) or plain (`@alice`, `#ops`); numbers
may contain spaces (`07700 900123`), so runs of digit groups are joined into the longest prefix
that makes a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.core.numbers import is_sip_uri, looks_like_number

MAX_CONTACT_NAME = 80
MAX_PARTIES = 10  # the most one /conf invites, or one /sms texts at once
USAGE = {
    "/sms": (
        "Usage: `/sms <number or @user> <text>` · `/sms <party> <party> ... <text>` texts "
        f"several at once (at most {MAX_PARTIES}) · `/sms route <keyword> [#channel]` · "
        "`/sms unroute <keyword>` · `/sms routes` (keyword `*`: every text no other route "
        "takes)\n"
        "`/sms history <number or @user>` shows your last 20 texts and calls with them · "
        "`/sms export <number>` sends you the whole conversation as a CSV file\n"
        "`/sms at 17:00 <party> <text>`, `/sms at 2026-12-24 09:00 <party> <text>` or "
        "`/sms in 2h <party> <text>` sends it later (your Slack time zone) · "
        "`/sms scheduled` lists them, with Cancel buttons\n"
        "`/sms mine` lists the conversations you hold · `/sms take <number>` and "
        "`/sms release <number>` take or give up the conversation with a number here\n"
        "Example: `/sms +447700900123 running late`"
        "\nAdmins: `/sms forget <number>` deletes everything the bridge stores about a number"
    ),
    "/call": (
        "Usage: `/call <@user or number> [<@user or number>]` rings the first party, then "
        "connects the second (with one party, you are rung first).\nExample: `/call @alice @bob`"
    ),
    "/conf": (
        "Usage: `/conf <@user or number> ...` starts a conference call and rings everyone.\n"
        "Example: `/conf @alice @bob +447700900123`"
    ),
    "/phone": (
        "Usage: `/phone` shows your number · `/phone <number>` registers it and texts it a "
        "code · `/phone verify <code>` confirms it · `/phone @user <number>` sets someone "
        "else's (admins)\nExample: `/phone 07700 900123`, then `/phone verify 123456`"
    ),
    "/contact": (
        "Usage: `/contact <number> <name>` names a number for everyone · `/contact <number>` "
        "shows its name · `/contact forget <number>` removes it · `/contact` lists them\n"
        f"Example: `/contact 07700 900123 Jane Doe` (names are at most {MAX_CONTACT_NAME} "
        "characters)"
    ),
}
COMMANDS = tuple(USAGE)

_USER_ESCAPED = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_USER_PLAIN = re.compile(r"^@([\w.\-]{1,80})$")
_CHANNEL_ESCAPED = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL_PLAIN = re.compile(r"^#([\w\-]{1,80})$")
_DIGITS = re.compile(r"^[+(]?[\d().\-]+$")
_KEYWORD = re.compile(r"^[A-Za-z0-9]{1,20}$")
_CODE = re.compile(r"^[0-9]{4,10}$")  # ASCII only: \d matches digits of any script
CATCH_ALL = "*"  # `/sms route * #inbox`: texts whose keyword has no route of its own


class UsageError(ValueError):
    """Input that does not fit the grammar; the message is what the user should read."""

    def __init__(self, command: str, problem: str | None = None):
        self.command = command
        lead = f"{problem}\n" if problem else ""
        super().__init__(lead + USAGE[command])


@dataclass(frozen=True)
class UserTarget:
    """A Slack user, by id when the mention was escaped, else by the name typed."""

    user_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"<@{self.user_id}>" if self.user_id else f"@{self.name}"


@dataclass(frozen=True)
class NumberTarget:
    """A phone number or tel:/sip: URI exactly as typed; policy is applied by the services."""

    text: str

    def __str__(self) -> str:
        return self.text


Target = UserTarget | NumberTarget


@dataclass(frozen=True)
class ChannelRef:
    channel_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Help:
    command: str


@dataclass(frozen=True)
class SendSms:
    to: Target
    text: str


@dataclass(frozen=True)
class SendGroupSms:
    """One text to several parties at once (two or more, in the order typed)."""

    to: tuple[Target, ...]
    text: str


@dataclass(frozen=True)
class SendAt:
    """A time of day (the next one to come), or a date and time, in the requester's zone."""

    time: time
    date: date | None = None


@dataclass(frozen=True)
class SendIn:
    delay: timedelta


@dataclass(frozen=True)
class ScheduleSms:
    """`/sms at ...` or `/sms in ...`: `send` is carried out then, from `typed` (the words
    after the time), parsed and checked again at that moment."""

    when: SendAt | SendIn
    send: SendSms | SendGroupSms
    typed: str


@dataclass(frozen=True)
class ListScheduled:
    """`/sms scheduled`: the invoker's waiting scheduled texts (an admin's: everyone's)."""


@dataclass(frozen=True)
class ListMine:
    """`/sms mine`: the conversations the invoker holds."""


@dataclass(frozen=True)
class TakeConversation:
    """`/sms take <number>` (or, with `release`, give it up) in the channel typed in."""

    number: NumberTarget
    release: bool = False


@dataclass(frozen=True)
class SetRoute:
    keyword: str
    channel: ChannelRef | None  # None: the channel the command was typed in


@dataclass(frozen=True)
class RemoveRoute:
    keyword: str


@dataclass(frozen=True)
class ListRoutes:
    pass


@dataclass(frozen=True)
class ForgetNumber:
    """Delete what is stored about one number (admins); checked by the service."""

    number: str


@dataclass(frozen=True)
class PlaceCall:
    parties: tuple[Target, ...]  # one (the invoker is rung first) or two


@dataclass(frozen=True)
class StartConference:
    parties: tuple[Target, ...]


@dataclass(frozen=True)
class ShowPhone:
    user: UserTarget | None  # None: the invoker


@dataclass(frozen=True)
class SetPhone:
    user: UserTarget | None  # None: the invoker
    number: str


@dataclass(frozen=True)
class VerifyPhone:
    code: str  # digits only


@dataclass(frozen=True)
class ShowHistory:
    party: Target


@dataclass(frozen=True)
class ExportHistory:
    number: NumberTarget


@dataclass(frozen=True)
class ListContacts:
    pass


@dataclass(frozen=True)
class ShowContact:
    number: NumberTarget


@dataclass(frozen=True)
class SetContact:
    number: NumberTarget
    name: str  # stripped, 1..MAX_CONTACT_NAME characters, as typed otherwise


@dataclass(frozen=True)
class ForgetContact:
    number: NumberTarget


Command = (
    Help
    | SendSms
    | SendGroupSms
    | ScheduleSms
    | ListScheduled
    | ListMine
    | TakeConversation
    | SetRoute
    | RemoveRoute
    | ListRoutes
    | ForgetNumber
    | PlaceCall
    | StartConference
    | ShowPhone
    | SetPhone
    | VerifyPhone
    | ShowHistory
    | ExportHistory
    | ListContacts
    | ShowContact
    | SetContact
    | ForgetContact
)


def parse(command: str, text: str, default_region: str = "GB") -> Command:
    """Parse the text typed after a slash command; raise UsageError with help when it's wrong."""
    name = "/" + command.strip().lstrip("/").lower()
    if name not in USAGE:
        raise ValueError(f"unknown command {command!r}")
    words = text.split()
    if words and words[0].lower() in ("help", "-h", "--help", "?"):
        return Help(name)
    parser = {
        "/sms": _sms,
        "/call": _call,
        "/conf": _conf,
        "/phone": _phone,
        "/contact": _contact,
    }[name]
    return parser(words, default_region)


def _sms(words: list[str], region: str) -> Command:
    if not words:
        raise UsageError("/sms")
    head = words[0].lower()
    if head == "routes" and len(words) == 1:
        return ListRoutes()
    if head == "route" and len(words) in (2, 3):
        channel = _channel(words[2]) if len(words) == 3 else None
        return SetRoute(_keyword("/sms", words[1]), channel)
    if head == "unroute" and len(words) == 2:
        return RemoveRoute(_keyword("/sms", words[1]))
    if head in ("history", "export") and not _is_party_start(words[0]):
        return _history(head, words[1:], region)
    if head == "forget":
        if len(words) == 1:
            raise UsageError("/sms", "`forget` takes the number to forget.")
        return ForgetNumber(" ".join(words[1:]))
    if head in ("route", "unroute", "routes") and not _is_party_start(words[0]):
        raise UsageError("/sms", f"`{head}` takes a keyword (and for route, a #channel).")
    if head == "mine" and len(words) == 1:
        return ListMine()
    if head == "scheduled" and len(words) == 1:
        return ListScheduled()
    if head in ("at", "in") and not _is_party_start(words[0]):
        return _scheduled(head, words[1:], region)
    if head in ("take", "release") and not _is_party_start(words[0]):
        return _take(head, words[1:], region)
    parties, used = _recipients(words, region)
    message = " ".join(words[used:])
    if not message:
        who = " and ".join(str(p) for p in parties)
        raise UsageError("/sms", f"There is no text to send to {who}.")
    if len(parties) == 1:
        return SendSms(parties[0], message)
    if len(parties) > MAX_PARTIES:
        raise UsageError("/sms", f"One text goes to at most {MAX_PARTIES} recipients.")
    if len(set(parties)) != len(parties):
        raise UsageError("/sms", "Each recipient can be named only once.")
    return SendGroupSms(parties, message)


MAX_DELAY = timedelta(days=366)
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DELAY = re.compile(r"^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$")
WHEN_USAGE = (
    "Say when as `at 17:00` (24-hour clock, the next 17:00 to come), `at 2026-12-24 09:00`, "
    "or `in 2h`, `in 45m`, `in 1h30m`, `in 1d`."
)


def _scheduled(head: str, words: list[str], region: str) -> Command:
    """`at [date] HH:MM <party> <text>` or `in <delay> <party> <text>`."""
    if not words:
        raise UsageError("/sms", f"`{head}` takes a time, then whom to text and what. {WHEN_USAGE}")
    when: SendAt | SendIn
    if head == "in":
        when, used = SendIn(_delay(words[0])), 1
    else:
        when, used = _at(words)
    rest = words[used:]
    if not rest:
        raise UsageError("/sms", "Whom should the text go to, and what should it say?")
    send = _sms(rest, region)
    if not isinstance(send, SendSms | SendGroupSms):
        raise UsageError("/sms", "Only a text can be scheduled: `/sms at 17:00 <party> <text>`.")
    return ScheduleSms(when, send, " ".join(rest))


def _delay(word: str) -> timedelta:
    match = _DELAY.match(word.lower())
    if not word or not match or not any(match.groups()):
        raise UsageError("/sms", f"`{_clip(word)}` is not a delay. {WHEN_USAGE}")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    delay = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delay <= timedelta(0):
        raise UsageError("/sms", "A delay must be more than nothing.")
    if delay > MAX_DELAY:
        raise UsageError("/sms", "A text can be scheduled at most a year ahead.")
    return delay


def _at(words: list[str]) -> tuple[SendAt, int]:
    """`HH:MM`, or `YYYY-MM-DD HH:MM`; the SendAt and how many words it took."""
    on: date | None = None
    used = 0
    if match := _DATE.match(words[0]):
        try:
            on = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise UsageError("/sms", f"`{_clip(words[0])}` is not a date.") from None
        used = 1
        if len(words) < 2:
            raise UsageError("/sms", f"At what time on {on:%Y-%m-%d}? {WHEN_USAGE}")
    match = _CLOCK.match(words[used])
    if not match:
        raise UsageError("/sms", f"`{_clip(words[used])}` is not a time of day. {WHEN_USAGE}")
    return SendAt(time(int(match.group(1)), int(match.group(2))), on), used + 1


def _recipients(words: list[str], region: str) -> tuple[tuple[Target, ...], int]:
    """The parties a text goes to, and where its words begin. The first word is always a
    party; after it a word begins another party only if it plainly is one (a @mention, a
    tel: or sip: address, or digit groups that make a whole number), so `07700 900123
    07700 900124 running late` is two recipients and `07700 900123 10 minutes late` one."""
    target, used = _party(words, 0, region, "/sms")
    parties = [target]
    while used < len(words) and _continues_recipients(words, used, region):
        target, used = _party(words, used, region, "/sms")
        parties.append(target)
    return tuple(parties), used


def _continues_recipients(words: list[str], start: int, region: str) -> bool:
    word = words[start]
    if _user(word) is not None:
        return True
    if word.lower().startswith("tel:"):
        return True
    if word.lower().startswith("sip:"):
        return is_sip_uri(word)
    if not _DIGITS.match(word):
        return False
    end = start
    while end < len(words) and _DIGITS.match(words[end]):
        end += 1
    return any(
        looks_like_number(" ".join(words[start:stop]), region) for stop in range(end, start, -1)
    )


def _take(head: str, words: list[str], region: str) -> Command:
    """`/sms take <number>` and `/sms release <number>`: one phone number, nothing more."""
    if not words:
        raise UsageError("/sms", f"`{head}` takes the number whose conversation to {head}.")
    number, used = _contact_number(words, 0, region, "/sms")
    if used != len(words):
        raise UsageError("/sms", f"`{head}` takes a number and nothing after it.")
    return TakeConversation(number, release=head == "release")


def _history(head: str, words: list[str], region: str) -> Command:
    """`/sms history <number or @user>` and `/sms export <number>`: one party, nothing more."""
    what = "a number or @user" if head == "history" else "a number"
    if not words:
        raise UsageError("/sms", f"`{head}` takes {what}: whose conversation?")
    target, used = _party(words, 0, region, "/sms")
    if used != len(words):
        raise UsageError(
            "/sms",
            f"`{head}` takes {what} and nothing after it: `{_clip(' '.join(words[used:]))}`.",
        )
    if head == "history":
        return ShowHistory(target)
    if not isinstance(target, NumberTarget) or target.text.lower().startswith("sip:"):
        raise UsageError("/sms", "`export` takes a phone number: the conversation lives with it.")
    return ExportHistory(target)


def _contact(words: list[str], region: str) -> Command:
    if not words:
        return ListContacts()
    if words[0].lower() == "forget":
        if len(words) == 1:
            raise UsageError("/contact", "Which number's name should be forgotten?")
        number, used = _contact_number(words, 1, region)
        if used != len(words):
            raise UsageError("/contact", "`forget` takes a number and nothing after it.")
        return ForgetContact(number)
    number, used = _contact_number(words, 0, region)
    name = " ".join(words[used:])
    if not name:
        return ShowContact(number)
    if len(name) > MAX_CONTACT_NAME:
        raise UsageError(
            "/contact",
            f"That name is {len(name)} characters long; a contact name is at most "
            f"{MAX_CONTACT_NAME}.",
        )
    if any(not ch.isprintable() for ch in name):
        raise UsageError("/contact", "A contact name can't hold control characters.")
    return SetContact(number, name)


def _contact_number(
    words: list[str], start: int, region: str, command: str = "/contact"
) -> tuple[NumberTarget, int]:
    """A phone number that a conversation or contact belongs to: not a person (they have a
    name and no conversation) nor a sip: URI."""
    word = words[start]
    if _user(word) is not None:
        what = "who has a name already: name numbers" if command == "/contact" else "not a number"
        raise UsageError(command, f"`{_clip(word)}` is a Slack user, {what}.")
    if word.lower().startswith("sip:"):
        what = "Contacts name" if command == "/contact" else "Conversations are with"
        raise UsageError(command, f"{what} phone numbers, not sip: addresses.")
    if not _DIGITS.match(word) and not word.lower().startswith("tel:"):
        raise UsageError(command, f"`{_clip(word)}` is not a phone number.")
    target, used = _party(words, start, region, command)
    assert isinstance(target, NumberTarget)
    return target, used


def _call(words: list[str], region: str) -> Command:
    parties = _parties(words, region, "/call")
    if not 1 <= len(parties) <= 2:
        raise UsageError("/call", "A call joins one or two parties; for more, use `/conf`.")
    return PlaceCall(parties)


def _conf(words: list[str], region: str) -> Command:
    parties = _parties(words, region, "/conf")
    if not parties:
        raise UsageError("/conf", "Name at least one person or number to invite.")
    if len(parties) > MAX_PARTIES:
        raise UsageError("/conf", f"A conference started here invites at most {MAX_PARTIES}.")
    if len(set(parties)) != len(parties):
        raise UsageError("/conf", "Each participant can be invited only once.")
    return StartConference(parties)


def _phone(words: list[str], region: str) -> Command:
    if not words:
        return ShowPhone(None)
    if words[0].lower() == "verify":
        code = "".join(words[1:]).replace("-", "")
        if not code:
            raise UsageError("/phone", "Type the code texted to you: `/phone verify 123456`.")
        if not _CODE.match(code):
            raise UsageError(
                "/phone", f"`{_clip(code)}` is not a code: type the digits texted to your phone."
            )
        return VerifyPhone(code)
    user = _user(words[0])
    if user is not None:
        rest = " ".join(words[1:])
        return SetPhone(user, rest) if rest else ShowPhone(user)
    return SetPhone(None, " ".join(words))


def _parties(words: list[str], region: str, command: str) -> tuple[Target, ...]:
    words = [w for word in words for w in word.split(",") if w]
    parties: list[Target] = []
    index = 0
    while index < len(words):
        target, index = _party(words, index, region, command)
        parties.append(target)
    return tuple(parties)


def _party(words: list[str], start: int, region: str, command: str) -> tuple[Target, int]:
    """One party starting at words[start]; returns it and the index of the next word."""
    word = words[start]
    user = _user(word)
    if user is not None:
        return user, start + 1
    if word.lower().startswith(("tel:", "sip:")):
        if word.lower().startswith("sip:") and not is_sip_uri(word):
            raise UsageError(command, f"`{_clip(word)}` is not a valid sip: URI.")
        return NumberTarget(word), start + 1
    if not _DIGITS.match(word):
        raise UsageError(command, f"`{_clip(word)}` is neither a @mention nor a phone number.")
    end = start + 1
    while end < len(words) and _DIGITS.match(words[end]):
        end += 1
    for stop in range(end, start, -1):  # longest run of digit groups that makes a number
        candidate = " ".join(words[start:stop])
        if looks_like_number(candidate, region):
            return NumberTarget(candidate), stop
    return NumberTarget(word), start + 1  # the service explains what is wrong with it


def _user(word: str) -> UserTarget | None:
    if match := _USER_ESCAPED.match(word):
        return UserTarget(user_id=match.group(1), name=match.group(2) or None)
    if match := _USER_PLAIN.match(word):
        return UserTarget(name=match.group(1))
    return None


def _channel(word: str) -> ChannelRef:
    if match := _CHANNEL_ESCAPED.match(word):
        return ChannelRef(channel_id=match.group(1), name=match.group(2) or None)
    if match := _CHANNEL_PLAIN.match(word):
        return ChannelRef(name=match.group(1))
    raise UsageError("/sms", f"`{_clip(word)}` is not a #channel.")


def _keyword(command: str, word: str) -> str:
    if word == CATCH_ALL:
        return CATCH_ALL
    if not _KEYWORD.match(word):
        raise UsageError(command, f"`{_clip(word)}` is not a keyword: use 1-20 letters or digits.")
    return word.lower()


def _is_party_start(word: str) -> bool:
    return bool(_user(word)) or bool(_DIGITS.match(word))


def _clip(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
