"""`POST /slack/events`: the bridge's WebApp hands Slack's requests to the Bolt app, which
verifies the signature (stale or forged requests get 401) and routes them."""

from __future__ import annotations

from slack_bolt import App, BoltRequest

from bot.web import Request, Response


def slack_events_handler(app: App):
    def handle(request: Request) -> Response:
        bolt_request = BoltRequest(
            body=request.body.decode("utf-8", errors="replace"),
            query=request.query,
            headers=request.headers,
        )
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
