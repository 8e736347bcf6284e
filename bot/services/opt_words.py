"""The words a phone texts to opt out (STOP), back in (START) or for help (HELP).

Carriers expect these honoured wherever they appear in the usual places, so a sender need not
know the service's keywords. The rule, for a text's words w0 w1 ...:

- w0 is an opt word: always (the whole text "STOP", or "STOP sending these").
- w1 is an opt word after a keyword w0: when the text is just those two words ("pizza STOP",
  routed or not), or when w0 is a routed keyword ("pizza stop sending me these"). An unrouted
  first word followed by more words ("I quit smoking") is ordinary text.
- HELP counts like the others, except that a routed keyword `help` wins: with `/sms route help
  #support`, a text starting with HELP is routed there like any other and gets no help reply.

Case and trailing punctuation ("Stop!", "stop.") do not matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORD = "HELP"
RESERVED_WORDS = OPT_OUT_WORDS | OPT_IN_WORDS  # never routable: they always mean opt out/in
_PUNCTUATION = ".!?,;:"


class OptKind(Enum):
    OUT = "opt_out"
    IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class OptWord:
    kind: OptKind
    word: str  # as matched, upper-cased: STOP, UNSTOP, HELP...


def normalise(word: str) -> str:
    return word.strip(_PUNCTUATION).upper()


def opt_word(text: str, is_routed: Callable[[str], bool]) -> OptWord | None:
    """The opt word this text carries, if any. `is_routed(keyword)` says whether a (lower-case)
    keyword has a route of its own (the catch-all does not count)."""
    words = text.split()
    if not words:
        return None
    first = _kind(normalise(words[0]), is_routed)
    if first is not None:
        return first
    if len(words) < 2:
        return None
    second = _kind(normalise(words[1]), is_routed)
    if second is None:
        return None
    if len(words) == 2 or is_routed(words[0].strip(_PUNCTUATION).lower()):
        return second
    return None


def _kind(word: str, is_routed: Callable[[str], bool]) -> OptWord | None:
    if word in OPT_OUT_WORDS:
        return OptWord(OptKind.OUT, word)
    if word in OPT_IN_WORDS:
        return OptWord(OptKind.IN, word)
    if word == HELP_WORD and not is_routed("help"):
        return OptWord(OptKind.HELP, word)
    return None
