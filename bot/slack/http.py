"""`POST /slack/events`: the bridge's WebApp hands Slack's requests to the Bolt app, which
verifies the signature (stale or forged requests get 401) and routes them.

Bolt parses the body before it checks the signature, so a body that is not JSON, or is JSON
nested thousands deep, would raise from an unauthenticated request; those get a 400 here and
a one-line log, not a 500 with a traceback. A timestamp that is not a number would make Bolt's
verifier raise (a 500); it is refused as unsigned (401) before Bolt sees it.

Without a signing secret (Socket Mode) Bolt verifies nothing, so this endpoint would obey
anyone who can reach the HTTP port (which serves /healthz and Web21C callbacks, often in
public): it answers 404 instead, as Slack's payloads then arrive over the socket.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltRequest
from slack_bolt.middleware.request_verification import RequestVerification

from bot.web import Request, Response

log = logging.getLogger(__name__)


def slack_events_handler(app: App):
    verifying = verifies_signatures(app)

    def handle(request: Request) -> Response:
        if not verifying:
            return Response.text(404, "no HTTP endpoint for Slack here: it uses Socket Mode")
        timestamp = request.headers.get("x-slack-request-timestamp")
        if timestamp is not None and not timestamp.strip().isdigit():
            return Response.text(401, "invalid request")
        try:
            bolt_request = BoltRequest(
                body=request.body.decode("utf-8", errors="replace"),
                query=request.query,
                headers=request.headers,
            )
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            log.info("refused an unreadable Slack request body: %s", type(error).__name__)
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


def verifies_signatures(app: App) -> bool:
    """True if the Bolt app checks X-Slack-Signature (it was given a signing secret). Bolt has
    no public accessor, so its middleware list is read; if that ever moves, this says False
    and the endpoint stays shut rather than open."""
    middleware = getattr(app, "_middleware_list", ())
    return any(isinstance(m, RequestVerification) for m in middleware)
