"""The greeting's examples are the README's walkthrough, word for word and in order."""

from __future__ import annotations

import re
from pathlib import Path

from bot.console.usage import WALKTHROUGH, greeting

README = Path(__file__).resolve().parents[3] / "README.md"


def _readme_walkthrough() -> list[tuple[str, str]]:
    section = README.read_text().split("## Trying it in the console", 1)[1]
    block = section.split("```", 2)[1]
    return [
        tuple(re.split(r"\s{2,}", line.strip(), maxsplit=1))
        for line in block.splitlines()
        if line.strip()
    ]


def test_the_greeting_shows_the_readme_walkthrough():
    assert _readme_walkthrough() == list(WALKTHROUGH)
    shown = greeting("bridge", "web21c-bridge.log")
    for example, _ in WALKTHROUGH:
        assert f"`{example}`" in shown
