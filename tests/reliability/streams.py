"""An inbound stream: phones texting the service at a steady pace from a background thread,
and the check that every text reached Slack exactly once and in each sender's order.

Texts are numbered per sender ("s3 #17"), so a lost, doubled or reordered one is named in
the assertion message.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from adapters.web21c.sandbox import RunningSandbox
from tests.reliability.harness import text_the_service
from tests.slackapi.state import SlackState

SENDERS = [f"tel:+4477009002{n:02d}" for n in range(10)]  # ordinary sandbox phones
# Slack takes about one post a second per channel, and the bridge paces itself to that, so
# a stream faster than that is spread over channels: sender i texts keyword kw<i % 5>.
CHANNELS = [f"CREL{n}" for n in range(5)]
_TEXT = re.compile(r"\b(s\d+ #\d+)\b")


@dataclass
class InboundStream:
    sandbox: RunningSandbox
    per_second: float
    senders: list[str] = field(default_factory=lambda: list(SENDERS))
    sent: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> InboundStream:
        self._thread = threading.Thread(target=self._run, name="inbound-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[str]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.sent

    def _run(self) -> None:
        counts = Counter()
        index = 0
        while not self._stop.wait(1 / self.per_second):
            who = index % len(self.senders)
            counts[who] += 1
            text = f"s{who} #{counts[who]}"
            keyword = f"kw{who % len(CHANNELS)}"
            text_the_service(self.sandbox, self.senders[who], text, keyword=keyword)
            self.sent.append(text)
            index += 1


def route_stream(db, slack_state: SlackState) -> None:
    """Create the stream's channels and route keyword kw<i> to channel CREL<i>."""
    for index, channel in enumerate(CHANNELS):
        slack_state.add_channel(channel.lower(), channel_id=channel)
        with db.transaction() as tx:
            tx.routes.set(f"kw{index}", channel, "UADMIN")


def posted(state: SlackState, channels: list[str] = CHANNELS) -> list[str]:
    """Stream texts the bridge posted, thread replies included, oldest first per channel."""
    found = []
    for channel in channels:
        for parent in state.messages(channel):
            for message in [parent, *state.replies(channel, parent.ts)]:
                if message.user == state.bot_user_id:
                    found += _TEXT.findall(message.text or "")
    return found


def problems(sent: list[str], seen: list[str]) -> dict[str, list[str]]:
    """Lost, doubled and out-of-order texts (an empty dict when all is well)."""
    counts = Counter(seen)
    report = {
        "lost": [t for t in sent if counts[t] == 0],
        "doubled": [t for t, n in counts.items() if n > 1],
        "out of order": [],
    }
    last: dict[str, int] = {}
    for text in seen:
        sender, number = text.split(" #")
        if int(number) < last.get(sender, 0):
            report["out of order"].append(text)
        last[sender] = int(number)
    return {kind: texts for kind, texts in report.items() if texts}


def wait_until_all_posted(state: SlackState, sent: list[str], timeout: float) -> float:
    """Seconds until every sent text is in Slack; raises with what is missing."""
    started = time.monotonic()
    state.wait_for(
        lambda s: set(posted(s)) >= set(sent) or None,
        timeout=timeout,
        what=f"all {len(sent)} texts in Slack",
    )
    return time.monotonic() - started
