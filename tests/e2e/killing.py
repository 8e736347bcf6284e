"""The kill test, shared by the quick run in `make test` and the long soak in tests/reliability:
a stream of inbound texts through the sandbox's admin API while a bridge worker process is
killed with SIGKILL at random moments and restarted, some kills landing while Slack holds a
post it will still carry out ("posted, but the bridge died before recording it").

Afterwards every text must be in Slack exactly once and cleared at the sandbox."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from storage import Database
from storage.migrate import upgrade
from tests.e2e.processes import BridgeProcess, bridge_environment
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.slackapi import SlackApiServer

TEXT = re.compile(r"kill-test text (\d+)$")
RECOGNISED = "was posted by an earlier attempt"


@dataclass
class KillPlan:
    texts: int = 300
    kills: int = 20
    keywords: int = 10
    senders_per_keyword: int = 3
    inject_seconds: float = 40.0  # the stream of texts is spread over this long
    max_kill_delay: float = 2.5  # each kill comes 0..this many seconds after start-up
    hang_every: int = 4  # every n-th kill lands while Slack holds a post it then carries out
    hang_seconds: float = 0.8
    drain_stall: float = 60.0  # longer than inbound.POST_IN_FLIGHT
    seed: int = field(default_factory=lambda: random.randrange(1 << 30))


@dataclass
class KillFigures:
    texts: int
    kills: int
    hung_kills: int
    posted: int
    lost: list[str]
    doubled: dict[str, int]
    uncleared: list[str]
    recognised_after_restart: int
    out_of_order_threads: list[str]
    duplicate_thread_headers: int
    seconds: float
    seed: int

    def summary(self) -> str:
        return (
            f"{self.texts} texts, {self.kills} kills ({self.hung_kills} during a held post), "
            f"{self.posted} posted, {len(self.lost)} lost, {sum(self.doubled.values())} doubled, "
            f"{len(self.uncleared)} uncleared, {self.recognised_after_restart} recognised in "
            f"Slack after a restart, {self.duplicate_thread_headers} duplicate thread headers, "
            f"{self.seconds:.1f}s, seed {self.seed}"
        )


def run_kill_test(
    workdir: Path, slack: SlackApiServer, sandbox_url: str, plan: KillPlan
) -> KillFigures:
    rng = random.Random(plan.seed)
    admin = SandboxAdmin(sandbox_url)
    channels = _arrange(workdir, slack, plan)
    database_url = f"sqlite:///{workdir / 'bridge.db'}"
    _route(database_url, channels)
    bridge = BridgeProcess(workdir, bridge_environment(slack.api_url, sandbox_url, database_url))
    sent: dict[str, int] = {}  # Web21C messageId -> text number
    injector = threading.Thread(target=_inject, args=(admin, plan, channels, sent), daemon=True)
    started = time.monotonic()
    bridge.start()
    injector.start()
    hung = 0
    try:
        for kill in range(1, plan.kills + 1):
            bridge.wait_started()
            time.sleep(rng.uniform(0.0, plan.max_kill_delay))
            if plan.hang_every and kill % plan.hang_every == 0:
                hung += _arm_held_post(slack, plan.hang_seconds)
            bridge.kill()
            bridge.start()
        injector.join()
        _wait_until_drained(slack, admin, set(sent), plan.drain_stall)
    finally:
        bridge.stop()
    return _figures(slack, admin, bridge, plan, sent, hung, time.monotonic() - started)


def _arrange(workdir: Path, slack: SlackApiServer, plan: KillPlan) -> dict[str, str]:
    slack.reset()
    channels = {}
    for k in range(plan.keywords):
        keyword = f"kill{k}"
        channels[keyword] = slack.state.add_channel(f"texts-{keyword}", channel_id=f"CKILL{k}")
    return channels


def _route(database_url: str, channels: dict[str, str]) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.transaction() as tx:
            for keyword, channel in channels.items():
                tx.routes.set(keyword, channel, "UADMIN")
    finally:
        db.close()


def _inject(admin: SandboxAdmin, plan: KillPlan, channels: dict, sent: dict) -> None:
    keywords = list(channels)
    pause = plan.inject_seconds / plan.texts
    for i in range(plan.texts):
        k = i % len(keywords)
        sender = f"tel:+4477009005{k % 10}{(i // len(keywords)) % plan.senders_per_keyword}"
        sent[admin.text_in(sender, f"{keywords[k]} kill-test text {i}")] = i
        time.sleep(pause)


def _arm_held_post(slack: SlackApiServer, seconds: float) -> int:
    """Make Slack hold the next post, then carry it out; kill once it holds one. 1 if a post
    was held when the kill came."""
    slack.faults.hang_next(1, seconds=seconds, method="chat.postMessage", then_process=True)
    deadline = time.monotonic() + 5.0  # a bridge just restarted posts within a few seconds
    while time.monotonic() < deadline:
        if slack.faults.unspent() == 0:  # a post met the hang: Slack is holding it now
            time.sleep(seconds / 3)  # into the hold, not at its edge
            return 1
        time.sleep(0.02)
    return 0


def _wait_until_drained(slack: SlackApiServer, admin: SandboxAdmin, ids: set, stall: float):
    """Until every text is posted and cleared, or nothing has moved for `stall` seconds
    (progress, not a deadline, so a slow machine is not mistaken for a lost text)."""
    last, moved = None, time.monotonic()
    while time.monotonic() - moved < stall:
        posted = set(_posted_ids(slack))
        waiting = admin.waiting_ids() & ids
        if ids <= posted and not waiting:
            return
        progress = (len(posted), len(waiting))
        if progress != last:
            last, moved = progress, time.monotonic()
        time.sleep(0.2)


def _posted_ids(slack: SlackApiServer) -> list[str]:
    """The Web21C messageId of every inbound text posted to Slack (one entry per post)."""
    posts = slack.state.find_messages(
        lambda m: bool(m.metadata) and m.metadata.get("event_type") == "web21c_inbound"
    )
    return [p.metadata["event_payload"]["message_id"] for p in posts]


def _figures(slack, admin, bridge, plan, sent, hung, seconds) -> KillFigures:
    posted = Counter(_posted_ids(slack))
    by_text = Counter()
    threads: dict[tuple[str, str], list[int]] = defaultdict(list)
    for message in slack.state.find_messages(lambda m: bool(TEXT.search(m.text))):
        number = int(TEXT.search(message.text).group(1))
        by_text[number] += 1
        threads[(message.channel, message.thread_ts or "")].append(number)
    doubled = {mid: n - 1 for mid, n in posted.items() if n > 1}
    doubled.update({f"text {i}": n - 1 for i, n in by_text.items() if n > 1})
    headers = Counter(
        (m.channel, m.metadata["event_payload"]["number"])
        for m in slack.state.find_messages(
            lambda m: bool(m.metadata) and m.metadata.get("event_type") == "web21c_conversation"
        )
    )
    return KillFigures(
        texts=len(sent),
        kills=plan.kills,
        hung_kills=hung,
        posted=sum(posted.values()),
        lost=sorted(set(sent) - set(posted)),
        doubled=doubled,
        uncleared=sorted(admin.waiting_ids() & set(sent)),
        recognised_after_restart=bridge.full_log().count(RECOGNISED),
        out_of_order_threads=[
            f"{channel}/{ts}" for (channel, ts), ns in threads.items() if ns != sorted(ns)
        ],
        duplicate_thread_headers=sum(n - 1 for n in headers.values() if n > 1),
        seconds=seconds,
        seed=plan.seed,
    )
