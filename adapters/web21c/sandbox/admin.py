"""The sandbox's JSON admin API under /sandbox/ (documented in docs/web21c-sandbox.md).

POST   /sandbox/inbound          a phone texts the service -> {"messageId"}
GET    /sandbox/inbound          texts waiting to be fetched, by keyword
GET    /sandbox/calls[/<id>]     third-party calls and their state
GET    /sandbox/conferences[/<id>]  conferences with their participants
GET    /sandbox/messages         texts sent, with each recipient's status
GET    /sandbox/events           recent status-event POSTs and their outcome
GET    /sandbox/faults, POST /sandbox/faults, DELETE /sandbox/faults
GET    /sandbox/clock, POST /sandbox/clock {"advanceSeconds": n}
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from adapters.web21c.sandbox import views
from adapters.web21c.sandbox.clock import xs_datetime
from adapters.web21c.sandbox.eventing import EventNotifier
from adapters.web21c.sandbox.faultinjection import FaultInjection
from adapters.web21c.sandbox.state import SandboxState, UnknownId
from adapters.web21c.uris import uri_problem

MAX_ADMIN_BODY = 64 * 1024
Answer = tuple[int, Any]


class BadRequest(ValueError):
    pass


def _json_body(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_ADMIN_BODY:
        raise BadRequest(f"request body larger than {MAX_ADMIN_BODY} bytes")
    try:
        value = json.loads(data.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise BadRequest("expected a JSON object")
    return value


def _string(body: dict[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key}: expected a string")
    return value


class AdminApi:
    def __init__(
        self, state: SandboxState, faults: FaultInjection, notifier: EventNotifier
    ) -> None:
        self.state = state
        self.faults = faults
        self.notifier = notifier

    def handle(self, method: str, path: str, data: bytes) -> Answer:
        """(HTTP status, JSON-ready value) for a request under /sandbox/."""
        parts = [p for p in path.split("/") if p][1:]  # drop "sandbox"
        try:
            return self._route(method, parts, data)
        except BadRequest as error:
            return 400, {"error": str(error)}
        except UnknownId as error:
            return 404, {"error": str(error)}

    def _route(self, method: str, parts: list[str], data: bytes) -> Answer:
        resource = parts[0] if parts else ""
        ident = parts[1] if len(parts) == 2 else None
        if len(parts) > 2 or (ident and resource not in ("calls", "conferences")):
            return 404, {"error": "no such resource"}
        routes = {
            ("GET", "calls"): lambda: (
                views.call(self.state, ident) if ident else {"calls": views.calls(self.state)}
            ),
            ("GET", "conferences"): lambda: (
                views.conference(self.state, ident)
                if ident
                else {"conferences": views.conferences(self.state)}
            ),
            ("GET", "messages"): lambda: {"messages": views.messages(self.state)},
            ("GET", "inbound"): lambda: {"keywords": views.inbound(self.state)},
            ("POST", "inbound"): lambda: self._inbound(_json_body(data)),
            ("GET", "events"): lambda: {"events": list(self.notifier.outcomes)},
            ("GET", "faults"): lambda: asdict(self.faults.current()),
            ("POST", "faults"): lambda: self._faults(_json_body(data)),
            ("DELETE", "faults"): lambda: asdict(self.faults.reset()),
            ("GET", "clock"): self._clock,
            ("POST", "clock"): lambda: self._advance(_json_body(data)),
        }
        route = routes.get((method, resource))
        if route is None:
            allowed = sorted(m for m, r in routes if r == resource)
            if allowed:
                return 405, {"error": f"{method} not allowed here; use {', '.join(allowed)}"}
            return 404, {"error": "no such resource"}
        return 200, route()

    def _inbound(self, body: dict[str, Any]) -> dict[str, str]:
        sender = _string(body, "senderUri", required=True)
        text = _string(body, "messageText", required=True)
        destination = _string(body, "destinationUri", required=False)
        keyword = _string(body, "keyword", required=False)
        for key, uri in (("senderUri", sender), ("destinationUri", destination)):
            problem = uri and uri_problem(uri)
            if problem:
                raise BadRequest(f"{key}: {problem}")
        if not (keyword or (text or "").split()):
            raise BadRequest("messageText is empty and no keyword was given")
        message_id = self.state.receive_text(sender, text or "", keyword, destination)  # type: ignore[arg-type]
        return {"messageId": message_id}

    def _faults(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return asdict(self.faults.update(body))
        except ValueError as error:
            raise BadRequest(str(error)) from None

    def _clock(self) -> dict[str, Any]:
        clock = self.state.clock
        return {"now": xs_datetime(clock.now()), "speed": clock.speed}

    def _advance(self, body: dict[str, Any]) -> dict[str, Any]:
        seconds = body.get("advanceSeconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or not 0 <= seconds <= 10 * 365 * 86400
        ):
            raise BadRequest("advanceSeconds: expected a number of seconds, 0 or more")
        self.state.clock.advance(float(seconds))
        return self._clock()
