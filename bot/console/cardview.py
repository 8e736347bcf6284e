"""A card in the console: shown whole once, then each change as one short line.

Buttons get short numbers (`press 3`); a button keeps its number when its card changes. The
text here is still mrkdwn: the chat surface renders it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence

from bot.core.cards import Button, Card


class Buttons:
    """Button numbers for this run: the same button (same action, same id) keeps its number."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._by_number: dict[int, Button] = {}
        self._of_card: dict[int, list[Button]] = {}

    def hint(self, card: int, button: Button | None) -> str:
        if button is None:
            return ""
        with self._lock:
            number = next((n for n, b in self._by_number.items() if b == button), None)
            if number is None:
                number = next(self._numbers)
                self._by_number[number] = button
            buttons = self._of_card.setdefault(card, [])
            if button not in buttons:
                buttons.append(button)
        return f"[{number}: {button.label}]"

    def forget_card(self, card: int) -> None:
        with self._lock:
            self._of_card.pop(card, None)

    def get(self, number: int) -> Button | None:
        with self._lock:
            return self._by_number.get(number)

    def of_card(self, card: int) -> Sequence[Button]:
        with self._lock:
            return list(self._of_card.get(card, []))

    def numbers(self) -> list[int]:
        with self._lock:
            live = {id(b) for buttons in self._of_card.values() for b in buttons}
            return [n for n, b in self._by_number.items() if id(b) in live]


def whole(number: int, card: Card, buttons: Buttons) -> list[str]:
    """Every line of the card, with its buttons' numbers."""
    buttons.forget_card(number)
    lines = [f"[card {number}] {card.title}"]
    for row in card.rows:
        lines.append(_row(number, row.text, row.button, buttons, indent="    "))
    if card.buttons:
        lines.append("    " + "  ".join(buttons.hint(number, b) for b in card.buttons))
    if card.footer:
        lines.append(f"    {card.footer}")
    return lines


def change(number: int, before: Card | None, after: Card, buttons: Buttons) -> str:
    """One line saying what changed from `before` to `after` (None: shown in an earlier run)."""
    buttons.forget_card(number)
    for button in after.buttons:  # still pressable, so still numbered
        buttons.hint(number, button)
    if before is None:
        state = after.rows[0].text if len(after.rows) == 1 else _state(after.footer)
        parts = [after.title, state] if state else [after.title]
    else:
        old_rows = set(before.rows)
        parts = [_row(number, r.text, r.button, buttons) for r in after.rows if r not in old_rows]
        for row in after.rows:
            if row in old_rows:
                buttons.hint(number, row.button)
        if _state(after.footer) != _state(before.footer):
            parts.append(_state(after.footer))
        if not parts:
            parts.append(after.title)
    return f"[card {number}] " + " · ".join(p for p in parts if p)


def _row(card: int, text: str, button: Button | None, buttons: Buttons, indent: str = "") -> str:
    hint = buttons.hint(card, button)
    return f"{indent}{text}  {hint}" if hint else f"{indent}{text}"


def _state(footer: str | None) -> str:
    """A footer's first part (`Active since 10:00:00 UTC · started by …` → `Active since …`)."""
    return (footer or "").split(" · ")[0] if footer and " · " in footer else ""
