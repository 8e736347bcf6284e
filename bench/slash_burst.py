"""A burst of slash commands, as a busy workspace sends them: signed `/sms` requests from
concurrent clients, against the bridge as the Procfile runs it.

    .venv/bin/python bench/slash_burst.py [--requests 500] [--clients 20]

Each client has its own keep-alive connection and sends its share of the requests back to
back; all start together. Timed, in the same run and with the same clients:

1. bare Bolt that only acks, on the bridge's server (bot.http.server.HttpServer, waitress),
   in a process of its own: the baseline;
2. the bridge: `web21c-bridge web` and `web21c-bridge worker` as separate processes on one
   SQLite file, with the fake Slack and the Web21C sandbox in a third (bench/support).
   Every request is real work: verified, queued, acked, then texted by the worker; the texts
   the sandbox received are counted at the end.

Goal (issue 13): every request answered 200 within Slack's 3 s; p99 reported beside bare
Bolt's. The figures are from whatever else the machine is doing at the time.
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.processes import procfile_bridge  # noqa: E402
from bench.support.standins import BOT_TOKEN, SIGNING_SECRET, StandIns  # noqa: E402
from tests.slackapi.signing import signed_headers, slash_command_body  # noqa: E402

SLACK_DEADLINE_SECONDS = 3.0
DRAIN_SECONDS = 300


def nearest_rank(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def burst(port: int, bodies: list[bytes], clients: int) -> tuple[list[float], list[str]]:
    """Seconds from sending each request to reading its answer, and every failure."""
    shares = [bodies[n::clients] for n in range(clients)]
    start = threading.Barrier(clients)
    samples: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        signed = [(body, signed_headers(SIGNING_SECRET, body)) for body in share]
        start.wait()
        for body, headers in signed:
            began = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body, headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status, answer = 0, type(error).__name__.encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - began
            with lock:
                samples.append(elapsed)
                if status != 200 or answer:  # an ack with words refused the command
                    failures.append(f"{status} {answer[:120]!r}")
        conn.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, failures


def _bare_bolt(slack_api_url: str, conn) -> None:
    """Child process: Bolt that only acks /sms, on HttpServer, until told to stop."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from bot.http.server import HttpServer

    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,  # as the bridge runs Bolt
        token_verification_enabled=False,
    )
    app.command("/sms")(lambda ack: ack())
    with HttpServer(SlackRequestHandler(app), "127.0.0.1", 0, name="bare-bolt") as server:
        conn.send(server.port)
        conn.recv()


def time_bare_bolt(slack_api_url: str, bodies: list[bytes], clients: int):
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_bare_bolt, args=(slack_api_url, theirs), daemon=True)
    child.start()
    try:
        port = ours.recv()
        return burst(port, bodies, clients)
    finally:
        ours.send("stop")
        child.join(timeout=30)


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def report(name: str, samples: list[float], failures: list[str]) -> bool:
    ordered = sorted(samples)
    late = sum(1 for s in ordered if s > SLACK_DEADLINE_SECONDS)
    p50, p99 = nearest_rank(ordered, 0.5), nearest_rank(ordered, 0.99)
    print(
        f"{name:34} {p50 * 1000:8.1f} {p99 * 1000:8.1f}"
        f" {ordered[-1] * 1000:8.1f} {statistics.fmean(ordered) * 1000:8.1f}"
        f" {len(ordered) - len(failures) - late:>5}/{len(ordered)}"
    )
    for failure in sorted(set(failures))[:5]:
        print(f"    refused or failed: {failure}")
    return not failures and late == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args(argv)

    # One channel per request, so the worker's per-channel pacing (one post a second, as
    # Slack allows) does not hold the texts back: the work behind the acks runs flat out.
    channels = [f"C{n:07d}" for n in range(args.requests)]
    bodies = [
        slash_command_body("/sms", "07700 900123 burst", "UALICE", c, "http://127.0.0.1:9/x")
        for c in channels
    ]
    with StandIns() as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_user", "alice", "UALICE", "07700 900001")
        stand_ins("add_channels", channels)
        bolt = time_bare_bolt(stand_ins.slack_api_url, bodies, args.clients)
        database_url = f"sqlite:///{Path(tmp) / 'bridge.db'}"
        with procfile_bridge(stand_ins, Path(tmp), database_url) as port:
            bridge = burst(port, bodies, args.clients)
            done = wait_for(lambda: stand_ins("texts_sent") >= len(bodies), DRAIN_SECONDS)
            texts = stand_ins("texts_sent")

    print(
        f"{args.requests} signed `/sms` from {args.clients} concurrent keep-alive clients, loopback"
    )
    print(f"{'':34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8} {'200 in 3 s':>10}")
    report("bare Bolt on HttpServer", *bolt)
    ok = report("bridge: web + worker processes", *bridge)
    bolt_p99 = nearest_rank(sorted(bolt[0]), 0.99)
    bridge_p99 = nearest_rank(sorted(bridge[0]), 0.99)
    print(f"bridge p99 / bare Bolt p99: {bridge_p99 / bolt_p99:.2f}x")
    print(f"texts the sandbox received: {texts} of {len(bodies)}{'' if done else ' (gave up)'}")
    verdict = "met" if ok else "MISSED"
    print(f"goal (every request 200 within {SLACK_DEADLINE_SECONDS:.0f} s): {verdict}")
    return 0 if ok and texts >= len(bodies) else 1


if __name__ == "__main__":
    sys.exit(main())
