"""Which texts carry STOP, START or HELP (bot.services.opt_words): examples, then properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.opt_words import (
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    OptKind,
    OptWord,
    opt_word,
)

ROUTED = {"pizza", "shop"}


def routed(keyword: str) -> bool:
    return keyword in ROUTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", OptWord(OptKind.OUT, "STOP")),
        ("stop", OptWord(OptKind.OUT, "STOP")),
        ("  Stop!  ", OptWord(OptKind.OUT, "STOP")),
        ("STOPALL", OptWord(OptKind.OUT, "STOPALL")),
        ("unsubscribe me now", OptWord(OptKind.OUT, "UNSUBSCRIBE")),
        ("cancel.", OptWord(OptKind.OUT, "CANCEL")),
        ("END", OptWord(OptKind.OUT, "END")),
        ("quit", OptWord(OptKind.OUT, "QUIT")),
        ("START", OptWord(OptKind.IN, "START")),
        ("unstop please", OptWord(OptKind.IN, "UNSTOP")),
        ("pizza STOP", OptWord(OptKind.OUT, "STOP")),  # after a routed keyword
        ("hello stop", OptWord(OptKind.OUT, "STOP")),  # after any keyword, as the whole rest
        ("pizza stop sending me these", OptWord(OptKind.OUT, "STOP")),  # routed: longer is fine
        ("pizza start", OptWord(OptKind.IN, "START")),
        ("HELP", OptWord(OptKind.HELP, "HELP")),
        ("help me please", OptWord(OptKind.HELP, "HELP")),
        ("pizza help", OptWord(OptKind.HELP, "HELP")),
    ],
)
def test_opt_words_are_found(text, expected):
    assert opt_word(text, routed) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "pizza one margherita",
        "I quit smoking",  # an unrouted first word, then more words: ordinary text
        "please stop it",
        "stopping by later",  # a word that only starts with STOP
        "pizza margherita stop",  # the opt word is third
        "nonstop",
    ],
)
def test_ordinary_texts_carry_no_opt_word(text):
    assert opt_word(text, routed) is None


def test_a_routed_keyword_help_wins_over_the_help_reply():
    with_help = {"help", "pizza"}
    assert opt_word("help my order is late", with_help.__contains__) is None
    assert opt_word("HELP", with_help.__contains__) is None
    assert opt_word("pizza help", with_help.__contains__) is None
    assert opt_word("help STOP", with_help.__contains__) == OptWord(OptKind.OUT, "STOP")


_word = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
_filler = st.lists(_word, max_size=6)
_opt = st.sampled_from(sorted(OPT_OUT_WORDS | OPT_IN_WORDS))
_case = st.sampled_from([str.upper, str.lower, str.title])


@given(_opt, _case, _filler)
def test_an_opt_word_first_always_counts_whatever_follows(word, case, rest):
    match = opt_word(" ".join([case(word), *rest]), routed)
    assert match is not None and match.word == word
    assert match.kind is (OptKind.OUT if word in OPT_OUT_WORDS else OptKind.IN)


@given(_word, _opt, _case)
def test_an_opt_word_after_any_keyword_counts_as_the_whole_rest(keyword, word, case):
    match = opt_word(f"{keyword} {case(word)}", routed)
    assert match is not None
    assert match.word in (word, keyword.upper())  # the keyword may itself be an opt word


@given(st.sampled_from(sorted(ROUTED)), _opt, _filler)
def test_an_opt_word_after_a_routed_keyword_counts_in_a_longer_text(keyword, word, rest):
    match = opt_word(" ".join([keyword, word, *rest]), routed)
    assert match is not None and match.word == word


@given(_filler)
def test_texts_without_opt_words_never_match(words):
    reserved = OPT_OUT_WORDS | OPT_IN_WORDS | {"HELP"}
    plain = [w for w in words if w.upper().strip(".!?,;:") not in reserved]
    assert opt_word(" ".join(plain), routed) is None
