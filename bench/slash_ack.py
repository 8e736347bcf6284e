"""Slash-command acknowledgement latency: signed request to HTTP 200, on loopback, with each
request committed to the database before its ack.

    .venv/bin/python bench/slash_ack.py [--quick] [--requests N] [--warmup N]
                                        [--database-url postgresql://...]

Times N sequential `/sms` requests (default 1,000, after a warm-up) over one keep-alive
connection against, in the same run:

1. a stdlib ThreadingHTTPServer that only verifies the Slack signature, and a bare Bolt app
   that only acks (process_before_response=True, the bridge's mode), served as the bridge
   serves (bot.http.server.HttpServer): for context;
2. on each database (SQLite always; PostgreSQL with --database-url, in a schema of its own
   that is dropped afterwards):
   - the floor: a stdlib ThreadingHTTPServer that verifies the signature and commits one
     row to that database (the driver alone, no SQLAlchemy) before it answers;
   - the bridge as the Procfile runs it: a `web` process (parse, commit the request to the
     work queue, ack) and a `worker` process carrying the queue out for real (the text
     sent to the Web21C sandbox, posted to the fake Slack, recorded). The texts the
     sandbox received are counted afterwards, so the work behind the acks is seen done.

Each server runs in a process of its own, as do the stand-ins for Slack and Web21C. On a
machine with two or more CPUs, the client and the server being timed get one half of them
and the bridge's worker and the stand-ins the other (see _cpu_split).
Goal (issue 13): the bridge's p99 at most 3x the floor's p99 and under 25 ms, on SQLite and
on PostgreSQL. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import math
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.web21c.sandbox import SandboxOptions, start_sandbox  # noqa: E402
from bot.bootstrap import bootstrap, freeze_startup_objects  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.http.server import HttpServer  # noqa: E402
from tests.slackapi import GENERAL_CHANNEL_ID, SlackApiServer  # noqa: E402
from tests.slackapi.signing import signed_headers, slash_command_body  # noqa: E402

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
PATH = "/slack/events"
COMMAND, TEXT = "/sms", "07700 900123 hello"
STALE_AFTER_SECONDS = 300
STARTUP_SECONDS, DRAIN_SECONDS = 60, 600
GOAL_P99_MS, GOAL_RATIO = 25.0, 3.0
FLOOR_TABLE = "bench_ack_floor"


@dataclass(frozen=True)
class Figures:
    name: str
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, name: str, samples_ms: list[float]) -> Figures:
        ordered = sorted(samples_ms)

        def rank(p: float) -> float:  # nearest rank: the value p of the samples are below
            return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

        return cls(name, rank(0.50), rank(0.99), statistics.fmean(ordered))


def time_requests(port: int, bodies: list[bytes], warmup: int) -> list[float]:
    """Milliseconds from sending each signed request to having read its 200, one at a time
    over one reused connection (as Slack's edge keeps connections open). Signing happens
    before the clock starts: it is the sender's cost, not the server's."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    try:
        for i, body in enumerate(bodies):
            headers = signed_headers(SECRET, body)
            start = time.perf_counter()
            conn.request("POST", PATH, body, headers)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200 or answer:  # an ack with words refused the command
                raise SystemExit(f"request {i} answered {response.status}: {answer[:300]!r}")
            if i >= warmup:
                samples.append(elapsed * 1000)
    finally:
        conn.close()
    return samples


# 1. The floor: only what any Slack endpoint must do.


def verified(secret: bytes, timestamp: str, body: bytes, given: str) -> bool:
    """Slack's scheme: v0= HMAC-SHA256 of v0:{ts}:{body}, compared in constant time, and
    only within five minutes of now (so a captured request cannot be replayed later)."""
    try:
        if abs(time.time() - int(timestamp)) > STALE_AFTER_SECONDS:
            return False
    except ValueError:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class VerifyOnly(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like bot.http.server
    disable_nagle_algorithm = True  # as bot.http.server does
    secret = SECRET.encode()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ok = verified(
            self.secret,
            self.headers.get("X-Slack-Request-Timestamp", ""),
            body,
            self.headers.get("X-Slack-Signature", ""),
        )
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def stdlib_server() -> Iterator[tuple[int, Callable[[], object]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), VerifyOnly)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], lambda: None
    finally:
        server.shutdown()
        server.server_close()


class VerifyAndCommit(VerifyOnly):
    """The floor: what any endpoint that keeps its promises must do before its 200."""

    commit: Callable[[bytes], None]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ok = verified(
            self.secret,
            self.headers.get("X-Slack-Request-Timestamp", ""),
            body,
            self.headers.get("X-Slack-Signature", ""),
        )
        if ok:
            self.commit(body)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


def row_committer(database_url: str) -> Callable[[bytes], None]:
    """Commit one row per call, straight through the database's driver, one connection per
    server thread, with the bridge's durability settings (SQLite WAL, synchronous=NORMAL;
    PostgreSQL as configured)."""
    local = threading.local()
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.removeprefix("sqlite:///")

        def connect():
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=10000")
            return connection

        create = f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id INTEGER PRIMARY KEY, body TEXT)"
        insert = f"INSERT INTO {FLOOR_TABLE} (body) VALUES (?)"

        def commit(body: bytes) -> None:
            connection = local.__dict__.get("connection") or local.__dict__.setdefault(
                "connection", connect()
            )
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(insert, (body.decode(),))
            connection.execute("COMMIT")

    else:
        import psycopg

        libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://")

        def connect():
            return psycopg.connect(libpq_url, autocommit=True)

        create = f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id BIGSERIAL PRIMARY KEY, body TEXT)"
        insert = f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s)"

        def commit(body: bytes) -> None:
            connection = local.__dict__.get("connection") or local.__dict__.setdefault(
                "connection", connect()
            )
            connection.execute(insert, (body.decode(),))

    with contextlib.closing(connect()) as connection:
        connection.execute(create)
    return commit


@contextmanager
def floor_server(database_url: str) -> Iterator[tuple[int, Callable[[], object]]]:
    commit = staticmethod(row_committer(database_url))
    handler = type("Floor", (VerifyAndCommit,), {"commit": commit})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], lambda: None
    finally:
        server.shutdown()
        server.server_close()


# 2. A bare Bolt app that only acks, served the bridge's way.


@contextmanager
def bare_bolt(
    slack_api_url: str, process_before_response: bool
) -> Iterator[tuple[int, Callable[[], object]]]:
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),  # Bolt asks auth.test once
        signing_secret=SECRET,
        process_before_response=process_before_response,
        token_verification_enabled=False,
    )
    app.command(COMMAND)(lambda ack: ack())
    with HttpServer(SlackRequestHandler(app), "127.0.0.1", 0, name="bare-bolt") as server:
        yield server.port, lambda: None


# 3. The bridge, wired as `web21c-bridge run` wires it, and what it talks to.


@contextmanager
def stand_ins(channels: list[str]) -> Iterator[tuple[tuple[str, str], Callable[[], object]]]:
    """The fake Slack and the Web21C sandbox, in a process of their own as the real ones
    would be; reports how many texts the sandbox received."""
    with (
        SlackApiServer(bot_token=BOT_TOKEN) as slack,
        start_sandbox(options=SandboxOptions()) as sandbox,
    ):
        slack.state.add_user("alice", user_id="UALICE", real_name="Alice", phone="07700 900001")
        for channel in channels:
            if channel != GENERAL_CHANNEL_ID:
                slack.state.add_channel(channel.lower(), channel_id=channel)
        yield (slack.api_url, sandbox.url), lambda: len(sandbox.sandbox.messages())


@contextmanager
def the_bridge(
    slack_api_url: str, web21c_url: str, database_url: str, role: str
) -> Iterator[tuple[int | None, Callable[[], object]]]:
    """The bridge from bootstrap(), started as one of the CLI's commands: `web` (HTTP only:
    parse, commit to the queue, ack) or `worker` (carries out the queue). On the way out a
    worker first finishes everything queued."""
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_api_url,
            "WEB21C_ENDPOINT": web21c_url,
            "DATABASE_URL": database_url,
            "PORT": "0",
        },
        dotenv_path=None,
    )
    bridge = bootstrap(settings)
    freeze_startup_objects()  # as the CLI does after bootstrap()
    port = bridge.start_web().port if role == "web" else None  # as the CLI does
    if role == "worker":
        bridge.start_worker()
    try:
        yield port, lambda: None
        if role == "worker":
            deadline = time.monotonic() + DRAIN_SECONDS
            while bridge.services.work.outstanding() and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        bridge.stop()


SERVERS = {
    "stdlib": stdlib_server,
    "floor": floor_server,
    "bolt": bare_bolt,
    "stand-ins": stand_ins,
    "bridge": the_bridge,
}
BRIDGE_ROLES = ("web", "worker")  # as the Procfile deploys it


def _child(kind: str, args: tuple, cpus: set[int], conn: Connection) -> None:
    """Run one server in this process, on these CPUs: send what it serves on, answer
    'report' with its report, and on 'stop' stop it (letting it finish its work) and send
    its report."""
    pin(cpus)
    with SERVERS[kind](*args) as (address, report):
        conn.send(address)
        while conn.recv() == "report":
            conn.send(report())
    conn.send(report())


@contextmanager
def in_process(kind: str, *args: object) -> Iterator[tuple[object, Connection]]:
    """A server in a process of its own: the client measuring it must not queue for the
    same GIL as the server, nor the server for the stand-ins' (real Slack and Web21C are
    elsewhere). Yields (address, connection); the child's report follows 'stop'."""
    behind = kind == "stand-ins" or (kind == "bridge" and "worker" in args)
    cpus = BACK_CPUS if behind else FRONT_CPUS
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_child, args=(kind, args, cpus, theirs), daemon=True
    )
    process.start()
    theirs.close()  # so that a child that dies is seen as EOF, not waited for forever
    try:
        yield receive(ours, STARTUP_SECONDS), ours
    finally:
        process.join(timeout=600)
        if process.is_alive():
            process.kill()


def _cpu_split() -> tuple[set[int], set[int]]:
    """The CPUs for the front (the client and the server it times) and for what is behind
    it (the bridge's worker, the stand-ins for Slack and Web21C). In production those are
    other machines: the Procfile's worker its own dyno, Slack and Web21C elsewhere. Here
    they share one, and left to the scheduler they would take turns on the front's CPU
    with whatever is being timed. With one CPU there is nothing to split."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        return set(cpus), set(cpus)
    half = len(cpus) // 2
    return set(cpus[:half]), set(cpus[half:])


FRONT_CPUS, BACK_CPUS = _cpu_split()  # decided here, before main() pins itself to the front


def pin(cpus: set[int], pid: int = 0) -> None:
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, cpus)


def receive(conn: Connection, timeout: float) -> object:
    if not conn.poll(timeout):
        raise SystemExit(f"no answer from a server process within {timeout:.0f} s")
    return conn.recv()


def stop(conn: Connection) -> object:
    conn.send("stop")
    return receive(conn, DRAIN_SECONDS)


def report(conn: Connection) -> object:
    conn.send("report")
    return receive(conn, DRAIN_SECONDS)


def time_bridge(
    urls: tuple[str, str], database_url: str, roles: tuple[str, ...], bodies, warmup
) -> list[float]:
    """Start the bridge as these processes (the first serves HTTP), time the acks, then
    stop them in order: the HTTP process first, so what it queued is all done on the way."""
    with ExitStack() as processes:
        servers = [
            processes.enter_context(
                in_process("bridge", *urls, database_url, role)
            )
            for role in roles
        ]
        samples = time_requests(servers[0][0], bodies, warmup)
        for _, server in servers:
            stop(server)
    return samples


@contextmanager
def databases(tmp: Path, postgres_url: str | None) -> Iterator[list[tuple[str, Callable]]]:
    """(name, fresh-URL maker) for each database measured: SQLite files in `tmp`, and
    PostgreSQL schemas of their own (dropped on the way out) when a URL is given."""
    from sqlalchemy import create_engine, make_url, text

    from storage.engine import normalise_url

    counter = iter(range(1000))
    made: list[str] = []

    def sqlite_url() -> str:
        return f"sqlite:///{tmp / f'bench-{next(counter)}.db'}"

    def postgres_schema() -> str:
        schema = f"bench_ack_{os.getpid()}_{next(counter)}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    found = [("SQLite", sqlite_url)]
    admin = None
    if postgres_url:
        server_url = normalise_url(postgres_url)
        admin = create_engine(server_url)
        found.append(("PostgreSQL", postgres_schema))
    try:
        yield found
    finally:
        if admin is not None:
            with admin.begin() as connection:
                for schema in made:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def main(argv: list[str] | None = None) -> int:
    from storage.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 requests, 20 warm-up")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument(
        "--database-url",
        help="also measure on this PostgreSQL server (a schema of its own, dropped after)",
        default=os.environ.get("BENCH_POSTGRES_URL"),
    )
    args = parser.parse_args(argv)
    count, warmup = (100, 20) if args.quick else (args.requests, args.warmup)
    pin(FRONT_CPUS)  # the client shares the front with the server it times

    # One channel per request: Slack allows about one post a second per channel and the
    # bridge paces itself to that, so in a single channel the work behind the acks would
    # be mostly waiting. Spread out, it runs flat out, as busy as the bridge can get.
    channels = [f"C{i:07d}" for i in range(warmup + count)]
    bodies = [
        slash_command_body(COMMAND, TEXT, "UALICE", channel, "http://127.0.0.1:9/unused")
        for channel in channels
    ]
    context: list[Figures] = []
    measured: list[tuple[str, Figures, Figures, int]] = []  # database, floor, bridge, texts
    with (
        in_process("stand-ins", channels) as (urls, stand_in),
        tempfile.TemporaryDirectory() as tmp,
        databases(Path(tmp), args.database_url) as kinds,
    ):
        slack_api_url = urls[0]
        for name, kind, server_args in [
            ("stdlib, verify only", "stdlib", ()),
            ("bare Bolt, process_before_response", "bolt", (slack_api_url, True)),
        ]:
            with in_process(kind, *server_args) as (port, server):
                samples = time_requests(port, bodies, warmup)
                stop(server)
            context.append(Figures.of(name, samples))
        texts_before = report(stand_in)
        for database, fresh_url in kinds:
            with in_process("floor", fresh_url()) as (port, server):
                samples = time_requests(port, bodies, warmup)
                floor = Figures.of(f"{database}: floor (verify + commit)", samples)
                stop(server)
            database_url = fresh_url()
            upgrade(database_url)
            samples = time_bridge(urls, database_url, BRIDGE_ROLES, bodies, warmup)
            bridge = Figures.of(f"{database}: bridge, web + worker", samples)
            texts_after = report(stand_in)
            measured.append((database, floor, bridge, texts_after - texts_before))
            texts_before = texts_after
        stop(stand_in)

    print(f"{count} sequential signed `{COMMAND} {TEXT}` requests, keep-alive, loopback")
    print(f"CPUs: client and timed server {sorted(FRONT_CPUS)}, the rest {sorted(BACK_CPUS)}")
    print(f"{'':40} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for f in context + [f for _, floor, bridge, _ in measured for f in (floor, bridge)]:
        print(f"{f.name:40} {f.p50:8.3f} {f.p99:8.3f} {f.mean:8.3f}")
    all_done = True
    for database, floor, bridge, texts in measured:
        ratio = bridge.p99 / floor.p99
        met = bridge.p99 < GOAL_P99_MS and ratio <= GOAL_RATIO
        print(
            f"{database}: bridge p99 / floor p99 {ratio:.2f}x; goal (p99 < {GOAL_P99_MS:g} ms, "
            f"<= {GOAL_RATIO:g}x floor): {'met' if met else 'MISSED'}; texts the sandbox "
            f"received: {texts} of {len(bodies)}"
        )
        all_done = all_done and texts == len(bodies)
    return 0 if all_done else 1


if __name__ == "__main__":
    sys.exit(main())
