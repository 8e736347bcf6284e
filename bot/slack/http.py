"""`POST /slack/events`: check Slack's signature on the raw bytes, then hand the request to
the Bolt app, which routes it.

The signature is checked here, before anything parses the body: Bolt parses first and
verifies after, so an unsigned `[]`, `1` or `null` reached code that raised (a 500 and a
traceback), and Bolt logs the whole body of every request it refuses. A refusal here costs
one HMAC, a 401 with no detail, a counter, and at most a few short log lines a minute
(RefusalLog), whatever an attacker sends. Bolt verifies again; that is cheap and keeps
its own guard in place.

Without a signing secret (Socket Mode) nothing can be verified, so bootstrap does not mount
this endpoint at all: it would obey anyone who can reach the HTTP port.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable

from slack_bolt import App, BoltRequest

from bot.http.app import Request, Response
from bot.observability.metrics import Metrics

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 5 * 60  # Slack's window: a captured request cannot be replayed later
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
REFUSED = Response.text(401, "invalid request")


def signature_problem(
    secret: bytes, headers: dict[str, str], body: bytes, now: float
) -> str | None:
    """None when `body` carries Slack's valid signature (v0= HMAC-SHA256 of v0:{ts}:{body},
    compared in constant time, ts within five minutes of now), else why not, in a word."""
    timestamp = headers.get("x-slack-request-timestamp")
    given = headers.get("x-slack-signature")
    if timestamp is None or given is None:
        return "unsigned"
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(given):
        return "malformed"
    if abs(now - int(timestamp)) > STALE_AFTER_SECONDS:
        return "stale"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, given) else "bad signature"


class RefusalLog:
    """One short line per refusal, but at most `burst` lines and then one per `interval`
    seconds; the lines left out are counted into the next one written."""

    def __init__(self, burst: int = 5, interval: float = 10.0, clock=time.monotonic):
        self._burst, self._interval, self._clock = burst, interval, clock
        self._tokens = float(burst)
        self._last = clock()
        self._skipped = 0
        self._lock = threading.Lock()

    def refused(self, reason: str, size: int) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) / self._interval)
            self._last = now
            if self._tokens < 1:
                self._skipped += 1
                return
            self._tokens -= 1
            skipped, self._skipped = self._skipped, 0
        more = f" ({skipped} more refused since the last line)" if skipped else ""
        log.warning("refused a request to /slack/events: %s, %d bytes%s", reason, size, more)


def slack_events_handler(
    app: App,
    signing_secret: str,
    metrics: Metrics | None = None,
    *,
    clock: Callable[[], float] = time.time,
):
    secret = signing_secret.encode()
    refusals = RefusalLog()
    metrics = metrics or Metrics()

    def handle(request: Request) -> Response:
        started = time.perf_counter()
        response = answer(request)
        outcome = "acked" if response.status < 300 else "refused"
        metrics.observe("bridge_ack_seconds", time.perf_counter() - started, outcome=outcome)
        return response

    def answer(request: Request) -> Response:
        problem = signature_problem(secret, request.headers, request.body, clock())
        if problem is not None:
            metrics.inc("bridge_slack_refused_total", reason=problem)
            refusals.refused(problem, len(request.body))
            return REFUSED
        try:
            bolt_request = BoltRequest(
                body=request.body.decode("utf-8", errors="replace"),
                query=request.query,
                headers=request.headers,
            )
        except (ValueError, RecursionError, TypeError, AttributeError) as error:
            # signed, so from Slack or someone with the secret, but not a Slack payload
            log.warning("refused a signed Slack request body: %s", type(error).__name__)
            return Response.text(400, "the request body is not a readable Slack payload")
        result = app.dispatch(bolt_request)
        headers = tuple(
            (name, value)
            for name, values in result.headers.items()
            if name.lower() not in ("content-length", "content-type")
            for value in values
        )
        content_type = result.headers.get("content-type", ["text/plain; charset=utf-8"])[0]
        body = result.body.encode() if isinstance(result.body, str) else result.body
        return Response(result.status, body, content_type, headers)

    return handle
