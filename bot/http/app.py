"""The bridge's HTTP app (WSGI): /healthz now; the Slack endpoint, Web21C callbacks and
/metrics are mounted here by bootstrap as they are built.

Routing is a small table rather than a framework: the bridge serves a handful of paths, and
every answer, including errors, is a short plain or JSON body, never a stack trace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# Slack sends about 15 header fields and a proxy in front adds a few; the server caps their
# bytes (bot.http.server), this caps their number.
MAX_HEADER_FIELDS = 100


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: Any) -> Response:
        return cls(status, json.dumps(payload).encode(), "application/json")

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode())


Handler = Callable[[Request], Response]
HealthCheck = Callable[[], str | None]  # None when healthy, else a short reason

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class WebApp:
    """A WSGI callable routing exact paths, or prefixes ending in '/', to handlers."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}
        self._health_checks: dict[str, HealthCheck] = {}
        self.route("GET", "/healthz", self._healthz)

    def route(self, method: str, path: str, handler: Handler) -> None:
        self._routes[(method, path)] = handler

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """A named check; any that reports a reason makes /healthz say 'degraded'."""
        self._health_checks[name] = check

    def handle(self, request: Request) -> Response:
        handler = self._find(request.method, request.path)
        if handler is None:
            allowed = [m for (m, p) in self._routes if self._matches(p, request.path)]
            return Response.text(
                405 if allowed else 404, "method not allowed" if allowed else "not found"
            )
        try:
            return handler(request)
        except Exception:
            log.exception("unhandled error serving %s %s", request.method, request.path)
            return Response.text(500, "internal error; see the bridge's log")

    def _find(self, method: str, path: str) -> Handler | None:
        exact = self._routes.get((method, path))
        if exact:
            return exact
        for (m, prefix), handler in self._routes.items():
            if m == method and prefix.endswith("/") and path.startswith(prefix):
                return handler
        return None

    @staticmethod
    def _matches(route: str, path: str) -> bool:
        return route == path or (route.endswith("/") and path.startswith(route))

    def _healthz(self, request: Request) -> Response:
        problems = {
            name: reason for name, check in self._health_checks.items() if (reason := check())
        }
        if problems:
            return Response.json(200, {"status": "degraded", "problems": problems})
        return Response.json(200, {"status": "ok"})

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        response = self._respond(environ)
        reason = _REASONS.get(response.status, "")
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers,
        ]
        start_response(f"{response.status} {reason}", headers)
        return [response.body]

    def _respond(self, environ: dict) -> Response:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return Response.text(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return Response.text(413, f"body larger than {MAX_BODY_BYTES} bytes")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if len(headers) > MAX_HEADER_FIELDS:
            return Response.text(431, f"more than {MAX_HEADER_FIELDS} header fields")
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO") or "/",
            environ.get("QUERY_STRING", ""),
            headers,
            body,
        )
        return self.handle(request)
