"""The acknowledged-request kill soak, shared by its quick run (in `make test`) and its long
one (`make test-reliability`).

The bridge runs as the Procfile runs it: a `web` process and worker processes on one
database. Each burst sends signed `/sms` commands to `web`, one after another as Slack
would; every one answered 200 with an empty body is a promise. Right after the last ack
(or a random moment of work later) every bridge process is killed with SIGKILL, all at
once, and the bridge is started again on the same database for the next burst. At the end
every promise must be kept: the text sent exactly once, or its requester told (through
the command's response_url) that it may or may not have happened. Nothing vanishes,
nothing is sent twice.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from storage.migrate import upgrade
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.processes import LISTENING, BridgeProcess, bridge_environment, free_port
from tests.slackapi import SlackApiServer
from tests.slackapi.signing import post_to_bridge, signed_headers, slash_command_body

USERS = 5  # requesters; each one's requests are carried out in order
UNCERTAIN = "may or may not have happened"


@dataclass
class SoakPlan:
    bursts: int = 3
    per_burst: int = 10
    workers: int = 1
    max_kill_delay: float = 0.4  # each kill comes 0..this long after the burst's last ack
    claim_seconds: float = 2.0  # WORK_CLAIM_SECONDS: how soon a dead worker's work moves
    drain_stall: float = 60.0  # give up once nothing has moved for this long
    seed: int = field(default_factory=lambda: random.randrange(1 << 30))


@dataclass
class SoakFigures:
    sent: int
    acked: int
    refused: list[str]  # answered, but not with a bare 200 (so nothing was promised)
    done: int
    told_uncertain: int
    told_otherwise: list[str]  # any other answer through the response_url
    vanished: list[str]  # acked, neither done nor told
    doubled: dict[str, int]
    kills: int
    seconds: float
    seed: int

    def summary(self) -> str:
        return (
            f"{self.acked} acknowledged of {self.sent} sent, {len(self.refused)} refused, "
            f"{self.kills} kills of every bridge process; {self.done} done, "
            f"{self.told_uncertain} told 'may or may not', {len(self.told_otherwise)} told "
            f"something else, {len(self.vanished)} vanished, {sum(self.doubled.values())} "
            f"done twice; {self.seconds:.0f} s, seed {self.seed}"
        )


class Bridge:
    """`web` and the workers, as processes started and killed together."""

    def __init__(self, workdir: Path, slack: SlackApiServer, web21c_url: str, plan, url: str):
        self.port = free_port()
        extra = {"WORK_CLAIM_SECONDS": str(plan.claim_seconds)}
        environ = bridge_environment(slack.api_url, web21c_url, url, **extra)
        self.web = BridgeProcess(
            workdir,
            {**environ, "PORT": str(self.port)},
            name="web",
            command="web",
            ready=LISTENING,
        )
        self.workers = [
            BridgeProcess(workdir, environ, name=f"worker{n}") for n in range(plan.workers)
        ]
        self.kills = 0

    @property
    def processes(self) -> list[BridgeProcess]:
        return [self.web, *self.workers]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def start(self) -> None:
        for process in self.processes:
            process.start()
        for process in self.processes:
            process.wait_started()

    def kill(self) -> None:
        for process in self.processes:
            process.kill_all()
        self.kills += 1

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def run_soak(
    workdir: Path, slack: SlackApiServer, sandbox, database_url: str, plan: SoakPlan
) -> SoakFigures:
    rng = random.Random(plan.seed)
    total = plan.bursts * plan.per_burst
    _arrange(slack, total)
    upgrade(database_url)
    bridge = Bridge(workdir, slack, sandbox.url, plan, database_url)
    acked: dict[str, str] = {}  # text -> response_url
    refused: list[str] = []
    started = time.monotonic()
    try:
        for burst in range(plan.bursts):
            bridge.start()
            for i in range(burst * plan.per_burst, (burst + 1) * plan.per_burst):
                words, response_url, status, answer = _send(slack, bridge.url, i)
                if (status, answer) == (200, ""):
                    acked[words] = response_url
                else:
                    refused.append(f"{words}: {status} {answer[:120]}")
            time.sleep(rng.uniform(0.0, plan.max_kill_delay))
            bridge.kill()
        bridge.start()  # the last restart: everything left is carried out or reported
        _drain(slack, sandbox, acked, plan.drain_stall)
    finally:
        bridge.stop()
    return _figures(slack, sandbox, acked, refused, total, bridge.kills, started, plan.seed)


def _arrange(slack: SlackApiServer, total: int) -> None:
    slack.reset()
    for u in range(USERS):
        slack.state.add_user(f"soak{u}", user_id=f"USOAK{u}", real_name=f"Soak {u}", phone=None)
    for i in range(total):  # a channel each: the bridge paces posts per channel
        slack.state.add_channel(f"soak-{i}", channel_id=_channel(i))


def _channel(i: int) -> str:
    return f"CSOAK{i:05d}"


def _send(slack: SlackApiServer, url: str, i: int):
    """One signed `/sms` to a number of its own: its text, response_url, status and body."""
    words = f"soak text {i}"
    channel, user = _channel(i), f"USOAK{i % USERS}"
    response_url = slack.state.new_response_url(channel=channel, user=user)
    body = slash_command_body("/sms", f"07700 900{i:03d} {words}", user, channel, response_url)
    try:
        status, answer = post_to_bridge(url, body, signed_headers(SIGNING_SECRET, body))
    except OSError as error:  # no answer at all: nothing was promised
        status, answer = 0, type(error).__name__
    return words, response_url, status, answer


def _sent_texts(sandbox) -> Counter:
    return Counter(m["messageText"] for m in sandbox.sandbox.messages())


def _told(slack: SlackApiServer, response_url: str) -> list[str]:
    return [post.text or "" for post in slack.state.response_posts(response_url)]


def _drain(slack, sandbox, acked: dict[str, str], stall: float) -> None:
    """Until every promise is kept (done or told), or nothing has moved for `stall` s."""
    last, moved = None, time.monotonic()
    while time.monotonic() - moved < stall:
        sent = _sent_texts(sandbox)
        open_ = [w for w, url in acked.items() if not sent[w] and not _told(slack, url)]
        if not open_:
            time.sleep(1.0)  # a moment for anything doubled to show
            return
        if len(open_) != last:
            last, moved = len(open_), time.monotonic()
        time.sleep(0.2)


def _figures(slack, sandbox, acked, refused, total, kills, started, seed) -> SoakFigures:
    sent = _sent_texts(sandbox)
    told = {words: _told(slack, url) for words, url in acked.items()}
    return SoakFigures(
        sent=total,
        acked=len(acked),
        refused=refused,
        done=sum(1 for words in acked if sent[words]),
        told_uncertain=sum(1 for answers in told.values() if any(UNCERTAIN in a for a in answers)),
        told_otherwise=[
            f"{words}: {answer}"
            for words, answers in told.items()
            for answer in answers
            if UNCERTAIN not in answer
        ],
        vanished=sorted(words for words in acked if not sent[words] and not told[words]),
        doubled={words: n - 1 for words, n in sent.items() if n > 1},
        kills=kills,
        seconds=time.monotonic() - started,
        seed=seed,
    )
