"""Where the console's lines go: styled for a terminal, plain words for a pipe or NO_COLOR.

Lines are written to the stream current at the time of writing (`sys.stdout` by default), so
that while the prompt is up they pass through prompt_toolkit's patch_stdout and appear above
the line being typed instead of inside it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

from rich.console import Console as RichConsole
from rich.text import Text

# One colour per kind of line, so texts in, texts out, cards and answers tell apart at a glance.
STYLES = {
    "in": "cyan",
    "out": "green",
    "thread": "bold",
    "card": "magenta",
    "answer": "yellow",
    "note": "dim",
}


def wants_colour(stream: TextIO) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Printer:
    """Writes whole lines, one writer at a time (chat posts come from several threads)."""

    def __init__(self, out: TextIO | None = None, colour: bool | None = None):
        self._out = out
        self.colour = wants_colour(out or sys.stdout) if colour is None else colour
        self._lock = threading.Lock()
        self._rich = RichConsole(
            force_terminal=True,
            color_system="standard",
            width=100_000,
            soft_wrap=True,
            highlight=False,
            markup=False,
            emoji=False,
        )

    def line(self, text: Text, kind: str = "") -> None:
        """One or more lines of rendered text, coloured for `kind` (a key of STYLES)."""
        if self.colour:
            if kind in STYLES:
                text = text.copy()
                text.style = STYLES[kind]  # under the line's own bold, italic and code
            with self._rich.capture() as captured:
                self._rich.print(text, end="")
            rendered = captured.get()
        else:
            rendered = text.plain
        with self._lock:
            stream = self._out or sys.stdout
            stream.write(rendered + "\n")
            stream.flush()
