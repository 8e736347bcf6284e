"""Inbound throughput: texts per second from Web21C into Slack, and CPU time per text.

    .venv/bin/python bench/inbound_throughput.py [--quick] [--texts N]

5,000 texts (200 with --quick) wait at the sandbox before anything starts: 1,000 senders,
five texts each, their keywords routed to 20 channels. The bridge, wired by bootstrap() with
Slack configured, runs Services.poll_inbound() back to back until the sandbox holds no
uncleared text; the clock covers fetching, storing, posting (a thread per sender, then the
text in it) and clearing. The fake Slack has no rate limit and the bridge's own pacing (one
post a second per channel, measured by bench/paced_delivery.py) is lifted, so this measures
the pipeline, not Slack's allowance.

The sandbox and the fake Slack run in a separate process, so the CPU time (time.process_time
of this process) is the bridge's alone. The baseline, in the same run on its own keywords and
channels, does the same work with no framework: http.client + lxml for getReceivedMessages
and clearReceivedMessages, sqlite3 (one commit per post, as the bridge), raw JSON posts to
chat.postMessage, one thread at a time. Exits 1 if a text is lost or posted twice.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.bridge import add_routes, wired_bridge  # noqa: E402
from bench.support.standins import BOT_TOKEN, StandIns  # noqa: E402

CHANNELS = 20
TEXTS_PER_SENDER = 5
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
INBOUND = "http://sdk.bt.com/2007/07/Messaging/Inbound"
CLEAR_BATCH = 500


def workload(prefix: str, texts: int) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Routes (keyword -> channel) and the texts, senders interleaved as phones would be."""
    routes = {f"{prefix}{c:02d}": f"C{prefix.upper()}{c:02d}" for c in range(CHANNELS)}
    keywords = list(routes)
    senders = texts // TEXTS_PER_SENDER
    out = []
    for round_ in range(TEXTS_PER_SENDER):
        for s in range(senders):
            keyword = keywords[s % CHANNELS]
            out.append((f"tel:+4477009{s:05d}", keyword, f"{keyword} text {round_} from {s}"))
    return routes, out


class RawBaseline:
    """The same work by hand: fetch, insert, post (thread header first), clear."""

    def __init__(self, web21c_url: str, slack_api_url: str, db_path: Path):
        soap, slack = urlsplit(web21c_url), urlsplit(slack_api_url)
        self.soap = http.client.HTTPConnection(soap.hostname, soap.port, timeout=30)
        self.slack = http.client.HTTPConnection(slack.hostname, slack.port, timeout=30)
        self.slack_path = slack.path
        self.db = sqlite3.connect(db_path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE texts (id TEXT PRIMARY KEY, keyword TEXT, sender TEXT, body TEXT,"
            " slack_ts TEXT, cleared INTEGER DEFAULT 0)"
        )
        self.db.execute("CREATE TABLE threads (number TEXT, channel TEXT, ts TEXT)")

    def soap_call(self, operation: str, inner: str) -> etree._Element:
        body = (
            f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><{operation} xmlns="{INBOUND}">'
            f"{inner}</{operation}></soap:Body></soap:Envelope>"
        ).encode()
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://sdk.bt.com/2007/07/Messaging/Inbound#{operation}"',
        }
        self.soap.request("POST", "/endpoint/Messaging/Inbound/2007/07", body, headers)
        return etree.fromstring(self.soap.getresponse().read())

    def post(self, channel: str, text: str, **extra) -> str:
        body = json.dumps({"channel": channel, "text": text, **extra}).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {BOT_TOKEN}",
        }
        self.slack.request("POST", self.slack_path + "chat.postMessage", body, headers)
        answer = json.loads(self.slack.getresponse().read())
        if not answer.get("ok"):
            raise RuntimeError(f"chat.postMessage: {answer}")
        return answer["ts"]

    def run(self, routes: dict[str, str]) -> None:
        for keyword, channel in routes.items():
            root = self.soap_call("getReceivedMessages", f"<keyword>{keyword}</keyword>")
            start = len(INBOUND) + 2
            messages = [
                {child.tag[start:]: child.text for child in message}
                for message in root.iter(f"{{{INBOUND}}}message")
            ]
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR IGNORE INTO texts (id, keyword, sender, body) VALUES (?, ?, ?, ?)",
                [(m["messageId"], keyword, m["senderUri"], m["messageText"]) for m in messages],
            )
            self.db.execute("COMMIT")
            for m in messages:
                self.deliver(channel, m)
            ids = [m["messageId"] for m in messages]
            for i in range(0, len(ids), CLEAR_BATCH):
                batch = "".join(f"<messageId>{x}</messageId>" for x in ids[i : i + CLEAR_BATCH])
                self.soap_call("clearReceivedMessages", f"<messageIds>{batch}</messageIds>")
                marks = ",".join("?" * len(ids[i : i + CLEAR_BATCH]))
                self.db.execute(
                    f"UPDATE texts SET cleared = 1 WHERE id IN ({marks})", ids[i : i + CLEAR_BATCH]
                )

    def deliver(self, channel: str, m: dict) -> None:
        number = m["senderUri"].removeprefix("tel:")
        row = self.db.execute(
            "SELECT ts FROM threads WHERE number = ? AND channel = ?", (number, channel)
        ).fetchone()
        if row is None:
            thread_ts = self.post(channel, f":speech_balloon: Texts with {number}.")
            self.db.execute("INSERT INTO threads VALUES (?, ?, ?)", (number, channel, thread_ts))
        else:
            thread_ts = row[0]
        ts = self.post(
            channel,
            f"*{number}*: {m['messageText']}",
            thread_ts=thread_ts,
            metadata={"event_type": "bench", "event_payload": {"message_id": m["messageId"]}},
        )
        self.db.execute("UPDATE texts SET slack_ts = ? WHERE id = ?", (ts, m["messageId"]))


def check(posts: list[dict], channels: set[str], injected: list[str]) -> tuple[int, int, int]:
    """(lost, doubled, thread headers) among the posts in these channels."""
    mine = [p for p in posts if p["channel"] in channels]
    replies = [p for p in mine if p["thread_ts"] not in (None, p["ts"])]
    counts = Counter(p["message_id"] for p in replies)
    lost = sum(1 for message_id in injected if counts[message_id] == 0)
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    headers = len(mine) - len(replies)
    return lost, doubled, headers


def timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 texts instead of 5,000")
    parser.add_argument("--texts", type=int, default=None)
    args = parser.parse_args()
    texts = args.texts or (200 if args.quick else 5000)

    base_routes, base_texts = workload("raw", texts)
    routes, bridge_texts = workload("kw", texts)
    with StandIns() as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_channels", [*base_routes.values(), *routes.values()])
        base_ids = stand_ins("inject", base_texts)
        bridge_ids = stand_ins("inject", bridge_texts)
        cpu_before = stand_ins("cpu")

        baseline = RawBaseline(stand_ins.web21c_url, stand_ins.slack_api_url, Path(tmp) / "raw.db")
        base_wall, base_cpu = timed(lambda: baseline.run(base_routes))
        cpu_between = stand_ins("cpu")

        with wired_bridge(stand_ins, Path(tmp) / "bridge.db", unpaced=True) as bridge:
            add_routes(bridge, routes)

            def drain() -> None:
                while True:
                    bridge.services.poll_inbound()
                    if stand_ins("waiting") == 0:
                        return

            bridge_wall, bridge_cpu = timed(drain)
        cpu_after = stand_ins("cpu")
        posts = stand_ins("posts")

    base_check = check(posts, set(base_routes.values()), base_ids)
    bridge_check = check(posts, set(routes.values()), bridge_ids)
    print(f"{texts} texts, {texts // TEXTS_PER_SENDER} senders, {CHANNELS} channels; loopback;")
    print("sandbox and fake Slack in another process (their CPU not counted below)")
    print(f"{'':26} {'seconds':>8} {'texts/s':>8} {'CPU ms/text':>12} {'headers':>8} lost/doubled")
    rows = [
        ("baseline (raw, 1 thread)", base_wall, base_cpu, base_check),
        ("bridge (poll_inbound)", bridge_wall, bridge_cpu, bridge_check),
    ]
    for name, wall, cpu, (lost, doubled, headers) in rows:
        print(
            f"{name:26} {wall:8.2f} {texts / wall:8.0f} {cpu / texts * 1000:12.3f} "
            f"{headers:8d} {lost}/{doubled}"
        )
    print(
        f"bridge / baseline: {bridge_wall / base_wall:.2f}x the time, "
        f"{bridge_cpu / base_cpu:.2f}x the CPU per text"
    )
    print(
        f"stand-ins CPU per text: baseline {(cpu_between - cpu_before) / texts * 1000:.3f} ms, "
        f"bridge {(cpu_after - cpu_between) / texts * 1000:.3f} ms"
    )
    bad = base_check[:2] != (0, 0) or bridge_check[:2] != (0, 0)
    if bad:
        print("TEXTS LOST OR DOUBLED")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
