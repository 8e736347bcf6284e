"""`POST /slack/events`: the bridge's WebApp hands Slack's requests to the Bolt app, which
verifies the signature (stale or forged requests get 401) and routes them.

Bolt parses the body before it checks the signature, so a body that is not JSON, or is JSON
nested thousands deep, would raise from an unauthenticated request; those get a 400 here and
a one-line log, not a 500 with a traceback. A timestamp that is not a number would make Bolt's
verifier raise (a 500); it is refused as unsigned (401) before Bolt sees it.

Without a signing secret (Socket Mode) Bolt verifies nothing, so bootstrap does not mount
this endpoint at all: it would obey anyone who can reach the HTTP port.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltRequest

from bot.http.app import Request, Response

log = logging.getLogger(__name__)


def slack_events_handler(app: App):
    def handle(request: Request) -> Response:
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
