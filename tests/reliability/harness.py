"""The wired bridge for fault-injection tests: `bootstrap()` exactly as `web21c-bridge run`
does it, between the real sandbox and the fake Slack server, with a log recorder attached.

The e2e suite has its own fixture; this one lets a test choose the database, the secrets and
PUBLIC_URL (callbacks), and gives access to every log record the bridge emitted, because
"no unhandled exception" is judged from the bridge's own ERROR records and tracebacks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from adapters.web21c.sandbox import RunningSandbox
from bot.bootstrap import Bridge, bootstrap
from bot.config import load_settings
from tests.slackapi import GENERAL_CHANNEL_ID, SlackApiServer
from tests.slackapi.signing import (
    event_callback_body,
    message_event,
    post_to_bridge,
    signed_headers,
    slash_command_body,
)

BOT_TOKEN = "xoxb-reliability-token"
SIGNING_SECRET = "reliability-signing-secret"
GENERAL = GENERAL_CHANNEL_ID


class LogRecorder(logging.Handler):
    """Keeps every record (thread-safe), with its traceback rendered, for later scanning."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self._formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        self._mutex = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = self._formatter.format(record)
        with self._mutex:
            self.records.append(record)
            self.lines.append(line)

    def problems(self) -> list[str]:
        """Records at ERROR or above, or carrying a traceback: what a bad input must never
        cause."""
        with self._mutex:
            return [
                line
                for record, line in zip(self.records, self.lines, strict=True)
                if record.levelno >= logging.ERROR or record.exc_info
            ]

    def summary(self) -> str:
        """The distinct problem lines (first line of each) with counts, for a failure message."""
        counts: dict[str, int] = {}
        for line in self.problems():
            first = line.splitlines()[0][:160]
            counts[first] = counts.get(first, 0) + 1
        return "\n".join(f"{n} x {line}" for line, n in sorted(counts.items()))

    def tracebacks(self) -> list[str]:
        """Records carrying a traceback: what even an outage must never cause (an outage
        may be logged as an ERROR for the operator, but as a sentence, not a crash)."""
        with self._mutex:
            return [
                line
                for record, line in zip(self.records, self.lines, strict=True)
                if record.exc_info or "Traceback" in line
            ]

    def clear(self) -> None:
        with self._mutex:
            self.records.clear()
            self.lines.clear()


@contextmanager
def recording_logs(level: int = logging.INFO) -> Iterator[LogRecorder]:
    """Attach a LogRecorder to the root logger for the block."""
    recorder = LogRecorder()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(recorder)
    root.setLevel(min(previous, level) if previous else level)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(previous)


@dataclass
class WiredBridge:
    bridge: Bridge
    url: str
    slack: SlackApiServer
    sandbox: RunningSandbox
    signing_secret: str = SIGNING_SECRET
    _responses: int = field(default=0)

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        headers = headers or signed_headers(self.signing_secret, body)
        return post_to_bridge(self.url + "/slack/events", body, headers)

    def command(self, command: str, text: str, user: str = "UALICE", channel: str = GENERAL):
        """A signed slash command: (status, ack body, response_url)."""
        response_url = self.slack.state.new_response_url(channel=channel, user=user)
        status, body = self.post(slash_command_body(command, text, user, channel, response_url))
        return status, body, response_url

    def thread_reply(self, channel: str, thread_ts: str, user: str, text: str):
        """A message typed in a thread, delivered as Slack's `message` event: (status, ts)."""
        message = self.slack.state.post_as_user(channel, user, text, thread_ts=thread_ts)
        event = message_event(channel, user, text, message.ts, thread_ts=thread_ts)
        status, _ = self.post(event_callback_body(event))
        return status, message.ts

    def responses(self, response_url: str) -> list[str]:
        return [post.text or "" for post in self.slack.state.response_posts(response_url)]

    def callback(self, token: str, body: bytes) -> tuple[int, str]:
        """POST a Web21C status callback as the sandbox would."""
        headers = {"Content-Type": "application/json"}
        path = "/web21c/events/" + urllib.parse.quote(token, safe="")
        return post_to_bridge(self.url + path, body, headers)

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
            return json.loads(response.read())

    def drain_work(self, timeout: float = 900.0) -> None:
        """Wait until every request queued so far has been carried out (a finished request
        leaves the work queue)."""
        deadline = time.monotonic() + timeout
        while self.bridge.services.work.outstanding():
            if time.monotonic() > deadline:
                raise AssertionError(f"work still queued after {timeout:.0f} s")
            time.sleep(0.05)


def bridge_settings(slack: SlackApiServer, sandbox: RunningSandbox, database_url: str, **extra):
    values = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB21C_ENDPOINT": sandbox.url,
        "DATABASE_URL": database_url,
        "PORT": "0",
        "ADMIN_USER_IDS": "UADMIN",
        "POLL_INTERVAL_SECONDS": "0.2",
        "WEB21C_READ_TIMEOUT": "5",
    }
    values.update({key: str(value) for key, value in extra.items()})
    return load_settings(values, dotenv_path=None)


def populate_workspace(slack: SlackApiServer) -> None:
    """The people and channels every reliability test can rely on."""
    slack.reset()
    state = slack.state
    state.add_user("alice", user_id="UALICE", real_name="Alice", phone="07700 900001")
    state.add_user("bob", user_id="UBOB", real_name="Bob", phone="+44 7700 900005")
    state.add_user("carol", user_id="UCAROL", real_name="Carol", phone=None)
    state.add_user("admin", user_id="UADMIN", real_name="Admin", phone="")
    state.add_user("mallory", user_id="UMALLORY", real_name="Mallory", phone="09065 123456")
    state.add_user("pierre", user_id="UPIERRE", real_name="Pierre", phone="+33 6 12 34 56 78")
    state.add_channel("ops", channel_id="COPS")


@contextmanager
def wired_bridge(
    slack: SlackApiServer,
    sandbox: RunningSandbox,
    database_url: str,
    *,
    worker: bool = True,
    **extra,
) -> Iterator[WiredBridge]:
    """A started bridge (HTTP, and the scheduler unless `worker=False`), stopped afterwards."""
    settings = bridge_settings(slack, sandbox, database_url, **extra)
    wired = bootstrap(settings)
    server = wired.start_http()
    if worker:
        wired.start_worker()
    try:
        yield WiredBridge(wired, server.url, slack, sandbox, settings.slack_signing_secret)
    finally:
        wired.stop()


def sandbox_admin(sandbox: RunningSandbox, method: str, path: str, payload=None) -> dict:
    """The sandbox's JSON admin API over HTTP, as an operator would use it."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{sandbox.url}/sandbox/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def text_the_service(sandbox: RunningSandbox, sender: str, text: str, keyword="bridge") -> str:
    """Make a phone text the service (sandbox POST /sandbox/inbound); the messageId."""
    answer = sandbox_admin(
        sandbox, "POST", "inbound", {"senderUri": sender, "keyword": keyword, "messageText": text}
    )
    return answer["messageId"]
