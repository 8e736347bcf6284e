"""The fake Slack's HTTP face: a plain WSGI app for `/api/<method>` and `/response/<id>`.

Each API call is parsed (query string, form or JSON body), authenticated, passed through the
fault plan, run under the state lock, and recorded in the call log."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from tests.slackapi import files
from tests.slackapi.faults import Verdict
from tests.slackapi.methods import METHODS
from tests.slackapi.models import CallRecord
from tests.slackapi.params import Params, SlackError
from tests.slackapi.responses import handle_response_post
from tests.slackapi.state import SlackState

log = logging.getLogger(__name__)

_REASONS = {
    200: "200 OK",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}
_SERVER_ERRORS = {500: "fatal_error", 503: "service_unavailable"}

StartResponse = Callable[..., Any]


class BadRequest(Exception):
    """A body that is neither valid JSON nor form data."""


def read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def parse_arguments(environ: dict, body: bytes) -> dict[str, Any]:
    """Arguments from the query string and the body, as Slack merges them."""
    arguments: dict[str, Any] = dict(parse_qsl(environ.get("QUERY_STRING", ""), True))
    content_type = (environ.get("CONTENT_TYPE") or "").lower()
    if not body:
        return arguments
    if "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise BadRequest("invalid_json") from None
        if not isinstance(decoded, dict):
            raise BadRequest("invalid_json")
        arguments.update(decoded)
    else:
        arguments.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return arguments


def bearer_token(environ: dict) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class SlackApiApp:
    """WSGI app; `tokens` are the bot tokens it accepts."""

    def __init__(self, state: SlackState, tokens: Iterable[str]):
        self.state = state
        self.tokens = set(tokens)

    def __call__(self, environ: dict, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO") or "/"
        verb = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/api/"):
            status, payload, headers = self._api_call(path[len("/api/") :], environ)
        elif path.startswith(files.UPLOAD_PATH) and verb == "POST":
            return self._upload(path[len(files.UPLOAD_PATH) :].strip("/"), environ, start_response)
        elif path.startswith("/response/") and verb == "POST":
            status, payload, headers = self._response_url(path[len("/response/") :], environ)
        elif path in ("/", "/healthz"):
            status, payload, headers = 200, {"ok": True}, {}
        else:
            status, payload, headers = 404, {"ok": False, "error": "not_found"}, {}
        body = json.dumps(payload).encode()
        start_response(
            _REASONS.get(status, f"{status} Error"),
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(body))),
                *headers.items(),
            ],
        )
        return [body]

    def _upload(self, file_id: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        """An upload URL handed out by files.getUploadURLExternal: the file's bytes, raw."""
        body = read_body(environ)
        with self.state.lock:
            status, text = files.receive_upload(self.state, file_id, body)
        answer = text.encode()
        start_response(
            _REASONS.get(status, f"{status} Error"),
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(answer)))],
        )
        return [answer]

    def _response_url(self, url_id: str, environ: dict):
        body = read_body(environ)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = dict(parse_qsl(body.decode("utf-8", "replace")))
            if "payload" in payload:
                payload = json.loads(payload["payload"])
        status, answer = handle_response_post(self.state, url_id.strip("/"), payload)
        return status, answer, {}

    def _api_call(self, name: str, environ: dict):
        started = time.monotonic()
        try:
            arguments = parse_arguments(environ, read_body(environ))
        except BadRequest as error:
            return self._answer(name, {}, started, 200, str(error))
        token = bearer_token(environ) or arguments.pop("token", None)
        arguments.pop("token", None)
        if not token:
            return self._answer(name, arguments, started, 200, "not_authed")
        if token not in self.tokens:
            return self._answer(name, arguments, started, 200, "invalid_auth")
        method = METHODS.get(name)
        if method is None:
            return self._answer(name, arguments, started, 200, "unknown_method")
        channel = arguments.get("channel")
        channel = channel if isinstance(channel, str) else None
        verdict = self.state.faults.verdict(name, channel)
        if verdict is not None:
            refusal = self._apply_fault(verdict)
            if refusal is not None:
                return self._answer(name, arguments, started, *refusal)
        try:
            with self.state.lock:
                result = method(self.state, Params(arguments))
        except SlackError as error:
            detail = error.extra.get("detail")
            return self._answer(name, arguments, started, 200, error.error, detail=detail)
        except Exception:
            log.exception("fake Slack method %s failed", name)
            return self._answer(name, arguments, started, 500, "internal_error")
        return self._answer(name, arguments, started, 200, None, result=result)

    def _apply_fault(self, verdict: Verdict) -> tuple[int, str, str | None, dict] | None:
        """Hang if asked; return (status, error, detail, headers) unless the call proceeds."""
        if verdict.hang_seconds:
            self.state.faults.released.wait(verdict.hang_seconds)
        if verdict.status == 200:
            return None
        if verdict.status == 429:
            headers = {"Retry-After": str(verdict.retry_after or 1)}
            return 429, "ratelimited", verdict.reason, headers
        return verdict.status, _SERVER_ERRORS.get(verdict.status, "internal_error"), None, {}

    def _answer(
        self,
        name: str,
        arguments: dict,
        started: float,
        status: int,
        error: str | None,
        detail: str | None = None,
        headers: dict | None = None,
        result: dict | None = None,
    ):
        channel = result.get("channel") if result else None
        if not isinstance(channel, str):
            channel = (
                arguments.get("channel") if isinstance(arguments.get("channel"), str) else None
            )
        self.state.record_call(
            CallRecord(
                method=name,
                params=arguments,
                status=status,
                ok=error is None,
                error=error,
                at=started,
                channel=channel,
            )
        )
        if error is None:
            return status, {"ok": True, **(result or {})}, headers or {}
        payload: dict[str, Any] = {"ok": False, "error": error}
        if detail:
            payload["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
        return status, payload, headers or {}
