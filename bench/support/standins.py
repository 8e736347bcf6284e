"""The fake Slack Web API server and the Web21C sandbox in a process of their own, for benches.

Real Slack and Web21C run elsewhere, so a bench should not charge their CPU to the bridge nor
let them queue for the bridge's GIL. `StandIns` starts both in a spawned child and drives them
over a pipe by command name (the COMMANDS below); `process_time` there is reported separately.

    with StandIns(sandbox_speed=1.0) as stand_ins:
        stand_ins.slack_api_url, stand_ins.web21c_url
        stand_ins("add_channels", ["C1", "C2"])
        stand_ins("inject", [("tel:+447700900123", "help", "help me")])
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

BOT_TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret"


def _add_channels(slack, sandbox, channel_ids: list[str]) -> int:
    for channel_id in channel_ids:
        slack.state.add_channel(channel_id.lower(), channel_id=channel_id)
    return len(channel_ids)


def _inject(slack, sandbox, texts: list[tuple[str, str, str]]) -> list[str]:
    """Phones text the service: (senderUri, keyword, text) each; returns the messageIds."""
    state = sandbox.sandbox.state
    return [state.receive_text(sender, text, keyword=keyword) for sender, keyword, text in texts]


def _waiting(slack, sandbox) -> int:
    """Texts at the sandbox not yet cleared."""
    return len(sandbox.sandbox.state.waiting_texts())


def _waiting_ids(slack, sandbox) -> list[str]:
    return [m.message_id for m in sandbox.sandbox.state.waiting_texts()]


def _limit_rate(slack, sandbox, per_second: float, burst: int) -> None:
    slack.faults.limit_rate("chat.postMessage", per_second=per_second, burst=burst)


def _outage(slack, sandbox) -> None:
    """Slack answers 503 to everything from now on (how a bench cuts a run short)."""
    slack.faults.start_outage(status=503)


def _posts(slack, sandbox) -> list[dict[str, Any]]:
    """Every message the bot posted (replies included), oldest first within each channel."""
    found = slack.state.find_messages(lambda m: m.bot_id is not None)
    return [
        {
            "channel": m.channel,
            "ts": m.ts,
            "thread_ts": m.thread_ts,
            "text": m.text,
            "message_id": ((m.metadata or {}).get("event_payload") or {}).get("message_id"),
            "edits": [(e.text, e.blocks) for e in m.edits],
            "now": (m.text, m.blocks),
        }
        for m in found
    ]


def _call_count(slack, sandbox, method: str) -> int:
    return slack.state.call_count(method)


def _call_counts(slack, sandbox) -> dict[str, int]:
    """Web API calls answered so far, by method."""
    return dict(Counter(call.method for call in slack.state.calls()))


def _timeline(slack, sandbox, method: str, channel: str) -> list[tuple[float, int]]:
    """(time.time(), HTTP status) of each call of `method` on `channel`."""
    offset = time.time() - time.monotonic()
    return [(c.at + offset, c.status) for c in slack.state.calls(method, channel=channel)]


def _rejected(slack, sandbox, method: str) -> int:
    return slack.state.rejected_count(method)


def _advance(slack, sandbox, seconds: float) -> None:
    sandbox.sandbox.advance(seconds)


def _calls(slack, sandbox) -> list[dict[str, Any]]:
    return sandbox.sandbox.calls()


def _cpu(slack, sandbox) -> float:
    return time.process_time()


def _add_user(slack, sandbox, name: str, user_id: str, phone: str | None) -> str:
    slack.state.add_user(name, user_id=user_id, real_name=name.title(), phone=phone)
    return user_id


def _texts_sent(slack, sandbox) -> int:
    """Texts the sandbox has been asked to send."""
    return len(sandbox.sandbox.messages())


COMMANDS: dict[str, Callable[..., Any]] = {
    "add_channels": _add_channels,
    "inject": _inject,
    "waiting": _waiting,
    "waiting_ids": _waiting_ids,
    "limit_rate": _limit_rate,
    "outage": _outage,
    "posts": _posts,
    "call_count": _call_count,
    "call_counts": _call_counts,
    "rejected": _rejected,
    "timeline": _timeline,
    "advance": _advance,
    "calls": _calls,
    "cpu": _cpu,
    "add_user": _add_user,
    "texts_sent": _texts_sent,
}


def _child(conn, sandbox_speed: float) -> None:
    from adapters.web21c.sandbox import SandboxOptions, start_sandbox
    from tests.slackapi import SlackApiServer

    with (
        SlackApiServer(bot_token=BOT_TOKEN) as slack,
        start_sandbox(options=SandboxOptions(speed=sandbox_speed)) as sandbox,
    ):
        conn.send((slack.api_url, sandbox.url))
        while True:
            name, args = conn.recv()
            if name == "stop":
                break
            try:
                conn.send(("ok", COMMANDS[name](slack, sandbox, *args)))
            except Exception as error:  # report it to the bench, keep serving
                conn.send(("error", f"{type(error).__name__}: {error}"))
    conn.send(("ok", None))


class StandIns:
    """Fake Slack + Web21C sandbox in a spawned process; call it with a command name."""

    def __init__(self, sandbox_speed: float = 1.0):
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_child, args=(theirs, sandbox_speed), daemon=True, name="stand-ins"
        )
        self.slack_api_url = ""
        self.web21c_url = ""

    def __enter__(self) -> StandIns:
        self._process.start()
        self.slack_api_url, self.web21c_url = self._conn.recv()
        return self

    def __call__(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"stand-ins {name}: {value}")
        return value

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.send(("stop", ()))
            self._conn.recv()
        except (BrokenPipeError, EOFError):
            pass
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
