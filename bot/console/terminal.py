"""The console front end: the bridge in a terminal, for trying it without Slack.

It types the same commands as Slack (`/sms`, `/call`, `/conf`, `/phone`), parsed by the same
grammar and carried out by the same services; it is only another ChatSurface. Threads, cards
and their buttons get short numbers so they can be replied to and pressed:

    reply 1 on my way          text the number of conversation thread 1
    press 3                    press button 3 of a card (hang up, drop, end)
    invite 2 @bob              invite someone to the conference on card 2
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.core.cards import INVITE_PARTICIPANT, Button, Card
from bot.core.commands import COMMANDS, Help, StartConference, UsageError, parse
from bot.observability.logs import CONSOLE_LOG_FILE
from bot.queue.tasks import Tasks
from bot.services.dispatch import Dispatcher, Invocation
from bot.services.messaging import Messaging

CONSOLE_USER = "UCONSOLE"
CONSOLE_CHANNEL = "CCONSOLE"
GREETING = """\
web21c-bridge console: Slack's commands, in a terminal, against the Web21C sandbox.

  /sms +447700900000 hello     text the sandbox's echo phone; its reply arrives in the thread
  /phone 07700 900001          register your number (then `/call +447700900006` rings you first)
  /call +447700900001 +447700900006     ring one test phone, then connect another
  /conf +447700900001 +447700900006     start a conference call
  reply <thread> <text>        reply in a conversation thread (texts that number)
  press <button>               press a card's button;  invite <card> <who>  adds to a conference
  help                         this text again;  quit  (or Ctrl-D) leaves

From a second terminal, make a phone text the bridge:
  .venv/bin/web21c-bridge sandbox-text +447700900123 {keyword} hello from my phone

Texts sent to the service starting with `{keyword_upper}` appear here. The log is in {log_file}.
"""


@dataclass
class _Shown:
    """What the console has displayed, so people can refer to it by number."""

    threads: dict[str, int] = field(default_factory=dict)  # thread ts -> number
    cards: dict[str, int] = field(default_factory=dict)  # card ts -> number
    buttons: dict[int, Button] = field(default_factory=dict)  # button number -> button
    card_buttons: dict[int, list[Button]] = field(default_factory=dict)  # card -> its buttons


class ConsoleChat:
    """ChatSurface printing to a terminal; the one channel is the console itself."""

    def __init__(self, out: TextIO | None = None, user_name: str = "you"):
        self._out = out or sys.stdout
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._button_numbers = itertools.count(1)
        self._user_name = user_name
        self.shown = _Shown()

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        card: Card | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        with self._lock:
            ts = f"{next(self._ts)}.000000"
            if thread_ts is None and card is None:
                number = self.shown.threads.setdefault(ts, len(self.shown.threads) + 1)
                self._print(f"[thread {number}] {text}")
            elif card is not None:
                number = self.shown.cards.setdefault(ts, len(self.shown.cards) + 1)
                self._print_card(number, card, "")
            else:
                number = self.shown.threads.get(thread_ts, 0)
                self._print(f"  [thread {number}] {text}")
            return ts

    def turn(self, channel: str) -> AbstractContextManager[None]:
        return nullcontext()  # a terminal needs no pacing

    def update(self, channel: str, ts: str, text: str, *, card: Card | None = None) -> None:
        with self._lock:
            if card is not None and ts in self.shown.cards:
                self._print_card(self.shown.cards[ts], card, " (updated)")
            else:
                self._print(f"  (updated) {text}")

    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        with self._lock:
            self._print(text)

    def react(self, channel: str, ts: str, name: str) -> None:
        with self._lock:
            self._print(f"  :{name}:")

    def unreact(self, channel: str, ts: str, name: str) -> None:
        return None

    def user_phone(self, user_id: str) -> str | None:
        return None

    def user_name(self, user_id: str) -> str | None:
        return self._user_name if user_id == CONSOLE_USER else None

    def find_user(self, name: str) -> str | None:
        return CONSOLE_USER if name.lower() in ("me", self._user_name.lower()) else None

    def find_channel(self, name: str) -> str | None:
        return CONSOLE_CHANNEL if name.lower() in ("console", "here") else None

    def channel_members(self, channel: str) -> frozenset[str]:
        return frozenset({CONSOLE_USER}) if channel == CONSOLE_CHANNEL else frozenset()

    def send_file(self, user: str, filename: str, content: bytes, comment: str) -> str:
        """A terminal has no inbox: the file is saved, and its path is the answer."""
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp(prefix="web21c-export-"))
        path = folder / Path(filename).name
        path.write_bytes(content)
        return f"saved to {path}"

    def button(self, number: int) -> Button | None:
        with self._lock:
            return self.shown.buttons.get(number)

    def buttons_of_card(self, number: int) -> Sequence[Button]:
        with self._lock:
            return list(self.shown.card_buttons.get(number, []))

    def say(self, text: str) -> None:
        with self._lock:
            self._print(text)

    def _print_card(self, number: int, card: Card, note: str) -> None:
        lines = [f"[card {number}]{note} {card.title}"]
        self.shown.card_buttons[number] = []
        for row in card.rows:
            lines.append(f"    {row.text}{self._button_hint(number, row.button)}")
        if card.buttons:
            hints = (self._button_hint(number, b).strip() for b in card.buttons)
            lines.append("    " + "  ".join(hints))
        if card.footer:
            lines.append(f"    {card.footer}")
        self._print("\n".join(lines))

    def _button_hint(self, card: int, button: Button | None) -> str:
        if button is None:
            return ""
        number = next((n for n, b in self.shown.buttons.items() if b == button), None)
        if number is None:  # the same button keeps its number when its card is redrawn
            number = next(self._button_numbers)
            self.shown.buttons[number] = button
        self.shown.card_buttons[card].append(button)
        return f"  [{number}: {button.label}]"

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


class Console:
    """The read-eval-print loop: each line is a command, a reply, a button press or help."""

    def __init__(
        self,
        chat: ConsoleChat,
        dispatcher: Dispatcher,
        messaging: Messaging,
        tasks: Tasks,
        default_region: str,
        reply_keyword: str,
    ):
        self._chat = chat
        self._dispatcher = dispatcher
        self._messaging = messaging
        self._tasks = tasks
        self._region = default_region
        self._keyword = reply_keyword
        self._who = Invocation(CONSOLE_USER, CONSOLE_CHANNEL)
        self.quit_requested = False

    def greet(self, note: str = "") -> None:
        text = GREETING.format(
            keyword=self._keyword, keyword_upper=self._keyword.upper(), log_file=CONSOLE_LOG_FILE
        )
        self._chat.say(text + (f"{note}\n" if note else ""))

    def loop(self, lines: TextIO) -> None:
        for line in lines:
            if self.handle(line) is False:
                return

    def handle(self, line: str) -> bool:
        """Act on one line; False when the user asked to leave."""
        words = line.split(maxsplit=2)
        if not words:
            return True
        head = words[0].lower()
        if head in ("quit", "exit"):
            self.quit_requested = True
            return False
        if head in ("help", "?"):
            self.greet()
        elif head.startswith("/") and head in COMMANDS:
            self._command(head, line.strip()[len(head) :].strip())
        elif head == "reply" and len(words) == 3 and words[1].isdigit():
            self._reply(int(words[1]), words[2])
        elif head == "press" and len(words) == 2 and words[1].isdigit():
            self._press(int(words[1]))
        elif head == "invite" and len(words) == 3 and words[1].isdigit():
            self._invite(int(words[1]), words[2])
        else:
            self._chat.say("Not understood. Type `help` for what the console accepts.")
        return True

    def _command(self, name: str, text: str) -> None:
        try:
            command = parse(name, text, self._region)
        except UsageError as error:
            self._chat.say(str(error))
            return
        if isinstance(command, Help):
            self._chat.say(str(UsageError(command.command)))
            return
        self._background(lambda: self._dispatcher.run(self._who, command))

    def _reply(self, thread: int, text: str) -> None:
        thread_ts = next((ts for ts, n in self._chat.shown.threads.items() if n == thread), None)
        if thread_ts is None:
            self._chat.say(f"There is no thread {thread}.")
            return
        ts = self._chat.post(CONSOLE_CHANNEL, f"you: {text}", thread_ts=thread_ts)
        self._tasks.submit(
            lambda: self._messaging.reply(CONSOLE_USER, CONSOLE_CHANNEL, thread_ts, ts, text, False)
        )

    def _press(self, number: int) -> None:
        button = self._chat.button(number)
        if button is None:
            self._chat.say(f"There is no button {number}.")
            return
        if button.action_id == INVITE_PARTICIPANT:
            self._chat.say("To invite someone, type: invite <card> <@user or number>")
            return
        self._background(lambda: self._dispatcher.press(self._who, button.action_id, button.value))

    def _invite(self, card: int, text: str) -> None:
        buttons = self._chat.buttons_of_card(card)
        conference_id = next((b.value for b in buttons if b.action_id == INVITE_PARTICIPANT), None)
        if conference_id is None:
            self._chat.say(f"Card {card} is not a live conference.")
            return
        try:
            command = parse("/conf", text, self._region)
        except UsageError as error:
            self._chat.say(str(error))
            return
        assert isinstance(command, StartConference)
        for target in command.parties:
            self._background(lambda t=target: self._dispatcher.invite(self._who, conference_id, t))

    def _background(self, work) -> None:
        def run() -> None:
            answer = work()
            if answer:
                self._chat.say(answer)

        self._tasks.submit(run)
