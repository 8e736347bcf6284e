"""Console: acts on one typed line, a slash command (the same grammar and services as Slack),
or one of the console's own words: reply, press, invite, threads, cards, card, help, quit.

Each misuse of a console word is answered with that word's usage, and everything is carried
out in the order typed (one worker of bot.queue.tasks).
"""

from __future__ import annotations

from bot.console.chat import CONSOLE_CHANNEL, CONSOLE_USER, ConsoleChat, channel_name
from bot.console.numbering import Records
from bot.console.usage import BYE, CONSOLE_WORDS, NOT_UNDERSTOOD, greeting, usage
from bot.core.cards import INVITE_PARTICIPANT
from bot.core.commands import COMMANDS, USAGE, Help, StartConference, UsageError, parse
from bot.core.mrkdwn import escape
from bot.observability.logs import CONSOLE_LOG_FILE
from bot.queue.tasks import Tasks
from bot.services.dispatch import Dispatcher, Invocation
from bot.services.messaging import Messaging

ALIASES = {"exit": "quit", "?": "help"}


class Console:
    """The bridge's person at the terminal: turns lines into work, answers in the chat."""

    def __init__(
        self,
        chat: ConsoleChat,
        dispatcher: Dispatcher,
        messaging: Messaging,
        work: Tasks,
        default_region: str,
        reply_keyword: str,
        records: Records | None = None,
    ):
        self.chat = chat
        self._dispatcher = dispatcher
        self._messaging = messaging
        self._work = work
        self._region = default_region
        self._keyword = reply_keyword
        self._records = records
        self._who = Invocation(CONSOLE_USER, CONSOLE_CHANNEL)
        self.quit_requested = False

    def greet(self, note: str = "") -> None:
        text = greeting(self._keyword, CONSOLE_LOG_FILE)
        self.chat.say(text + (f"\n{escape(note)}" if note else ""), "note")

    def farewell(self) -> None:
        self.chat.say(BYE, "note")

    def handle(self, line: str) -> bool:
        """Act on one line; False when the person asked to leave."""
        words = line.split(maxsplit=2)
        if not words:
            return True
        head = ALIASES.get(words[0].lower(), words[0].lower())
        rest = words[1:]
        if head == "quit":
            self.quit_requested = True
            return False
        if head.startswith("/"):
            self._command(head, line.strip()[len(words[0]) :].strip())
        elif head in CONSOLE_WORDS:
            getattr(self, f"_{head}")(rest)
        else:
            self.chat.say(NOT_UNDERSTOOD.format(word=escape(words[0])))
        return True

    # --- slash commands ------------------------------------------------------------------

    def _command(self, name: str, text: str) -> None:
        if name not in COMMANDS:
            known = ", ".join(f"`{c}`" for c in COMMANDS)
            self.chat.say(f"`{escape(name)}` is not a command here; the console knows {known}.")
            return
        if name == "/call" and not text:  # nothing typed: how to use it, not what was wrong
            self.chat.say(USAGE["/call"])
            return
        try:
            command = parse(name, text, self._region)
        except UsageError as error:
            self.chat.say(str(error))
            return
        if isinstance(command, Help):
            self.chat.say(USAGE[command.command])
            return
        self._later(lambda: self._dispatcher.run(self._who, command))

    # --- the console's own words ---------------------------------------------------------

    def _help(self, rest: list[str]) -> None:
        if not rest:
            self.greet()
            return
        word = ALIASES.get(rest[0].lower(), rest[0].lower())
        if word in CONSOLE_WORDS:
            self.chat.say(usage(word))
        elif "/" + word.lstrip("/") in COMMANDS:
            self.chat.say(USAGE["/" + word.lstrip("/")])
        else:
            self.chat.say(NOT_UNDERSTOOD.format(word=escape(rest[0])))

    def _reply(self, rest: list[str]) -> None:
        if not rest:
            self.chat.say(usage("reply"))
            return
        number = _number(rest[0])
        if number is None:
            self.chat.say(usage("reply", f"`{escape(rest[0])}` is not a thread number."))
            return
        if len(rest) < 2 or not rest[1].strip():
            self.chat.say(usage("reply", f"There is no text to send in thread {number}."))
            return
        thread_ts = self.chat.numbering.thread_ts(number)
        if thread_ts is None:
            self.chat.say(f"There is no thread {number}. `threads` lists them.")
            return
        text = rest[1].strip()
        channel = self._thread_channel(thread_ts)

        def send() -> None:
            ts = self.chat.post(channel, f"<@{CONSOLE_USER}>: {escape(text)}", thread_ts=thread_ts)
            self._messaging.reply(CONSOLE_USER, channel, thread_ts, ts, text, False)

        self._work.submit(send)

    def _press(self, rest: list[str]) -> None:
        if not rest:
            self.chat.say(usage("press"))
            return
        number = _number(rest[0])
        if number is None or len(rest) > 1:
            self.chat.say(usage("press", f"`{escape(' '.join(rest))}` is not a button number."))
            return
        button = self.chat.button(number)
        if button is None:
            self.chat.say(f"There is no button {number}. `cards` lists the live cards.")
            return
        if button.action_id == INVITE_PARTICIPANT:
            card = next(
                (
                    n
                    for n in self.chat.numbering.card_numbers()
                    if button in self.chat.buttons_of_card(n)
                ),
                "<card>",
            )
            self.chat.say(f"To invite someone, type `invite {card} <@user or number>`.")
            return
        self._later(lambda: self._dispatcher.press(self._who, button.action_id, button.value))

    def _invite(self, rest: list[str]) -> None:
        number = _number(rest[0]) if rest else None
        if number is None or len(rest) < 2:
            problem = None
            if rest and number is None:
                problem = f"`{escape(rest[0])}` is not a card number."
            elif rest:
                problem = f"Say who to invite to the conference on card {number}."
            self.chat.say(usage("invite", problem))
            return
        buttons = self.chat.buttons_of_card(number)
        conference_id = next((b.value for b in buttons if b.action_id == INVITE_PARTICIPANT), None)
        if conference_id is None:
            self.chat.say(f"Card {number} is not a live conference. `cards` lists the live cards.")
            return
        try:
            command = parse("/conf", rest[1], self._region)
        except UsageError as error:  # what was wrong, then invite's usage (not /conf's)
            problem = str(error).split("\n")[0]
            self.chat.say(usage("invite", None if problem.startswith("Usage") else problem))
            return
        if not isinstance(command, StartConference):
            self.chat.say(usage("invite"))
            return
        for target in command.parties:
            self._later(lambda t=target: self._dispatcher.invite(self._who, conference_id, t))

    def _threads(self, rest: list[str]) -> None:
        stored = self._records.threads() if self._records else {}
        lines = []
        for number in self.chat.numbering.thread_numbers():
            ts = self.chat.numbering.thread_ts(number)
            info = stored.get(ts)
            if info is None:
                continue
            where = (
                "" if info.channel_id == CONSOLE_CHANNEL else f" in {channel_name(info.channel_id)}"
            )
            lines.append(f"[thread {number}] texts with {info.number}{where}")
        if not lines:
            self.chat.say("No threads yet: `/sms <number> <text>` starts one.")
            return
        self.chat.say("\n".join(["Threads (`reply <thread> <text>` answers):", *lines]))

    def _cards(self, rest: list[str]) -> None:
        stored = self._records.cards() if self._records else {}
        lines, ended = [], 0
        for number in self.chat.numbering.card_numbers():
            info = stored.get(self.chat.numbering.card_ts(number))
            if info is None:
                continue
            if not info.live:
                ended += 1
                continue
            icon = ":telephone_receiver:" if info.kind == "call" else ":busts_in_silhouette:"
            lines.append(f"[card {number}] {icon} {info.kind} · {info.parties}")
        tail = f"{ended} ended card(s) not listed; `card <n>` shows one." if ended else ""
        if not lines:
            self.chat.say("No live calls or conferences. " + tail)
            return
        self.chat.say("\n".join(["Live cards (`card <n>` shows one whole):", *lines, tail]).strip())

    def _card(self, rest: list[str]) -> None:
        number = _number(rest[0]) if len(rest) == 1 else None
        if number is None:
            problem = f"`{escape(' '.join(rest))}` is not a card number." if rest else None
            self.chat.say(usage("card", problem))
            return
        if self.chat.show_card(number):
            return
        if self.chat.numbering.card_ts(number) is None:
            self.chat.say(f"There is no card {number}. `cards` lists them.")
        else:
            self.chat.say(
                f"Card {number} was shown before the bridge restarted and has not changed since."
            )

    def _quit(self, rest: list[str]) -> None:  # handled in handle(); here for CONSOLE_WORDS
        self.quit_requested = True

    # --- helpers -------------------------------------------------------------------------

    def _thread_channel(self, thread_ts: str) -> str:
        info = (self._records.threads() if self._records else {}).get(thread_ts)
        return info.channel_id if info else CONSOLE_CHANNEL

    def _later(self, work) -> None:
        def run() -> None:
            answer = work()
            if answer:
                self.chat.say(answer)

        self._work.submit(run)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() and int(word) > 0 else None
