"""The request builders produce what Slack sends: signatures slack_sdk accepts, and bodies
bolt routes to the right listener with the right fields."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.slackapi.signing import (
    block_actions_body,
    event_callback_body,
    event_for,
    post_to_bridge,
    signed_headers,
    slash_command_body,
    view_submission_body,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_signed_headers_pass_slack_sdk_verification():
    body = slash_command_body("/sms", "+447700900123 hi", "U1", "C1", "http://127.0.0.1/r")
    headers = signed_headers(SECRET, body)

    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert not SignatureVerifier(SECRET).is_valid_request(body + b"x", headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_stale_timestamp_fails_verification_and_retry_headers_are_added():
    body = event_callback_body({"type": "app_mention", "text": "hi"}, "Ev1")
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    retried = signed_headers(SECRET, body, retry_num=1)

    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)
    assert retried["X-Slack-Retry-Num"] == "1"
    assert retried["X-Slack-Retry-Reason"] == "http_timeout"
    assert retried["Content-Type"] == "application/json"


@pytest.fixture
def bolt_app(slack) -> tuple[App, list[dict]]:
    """A bare bolt app on the fake Slack that records what each listener received."""
    app = App(
        token=slack.bot_token,
        signing_secret=SECRET,
        client=slack.client(),
        process_before_response=True,
    )
    seen: list[dict] = []

    @app.command("/sms")
    def sms(ack, command):
        ack()
        seen.append(command)

    @app.action("hang_up")
    def hang_up(ack, body):
        ack()
        seen.append(body)

    @app.view("conf_invite")
    def invite(ack, view):
        ack()
        seen.append(view)

    @app.event("message")
    def message(event):
        seen.append(event)

    return app, seen


def _dispatch(app: App, body: bytes) -> int:
    return app.dispatch(
        BoltRequest(body=body.decode(), headers=signed_headers(SECRET, body))
    ).status


def test_bolt_routes_every_built_request_with_its_fields(bolt_app, slack):
    app, seen = bolt_app
    alice = slack.state.add_user("alice")
    reply = slack.state.post_as_user("C0GENERAL", alice, "on my way")

    statuses = [
        _dispatch(app, slash_command_body("/sms", "+447700900123 hi", alice, "C0GENERAL", "u")),
        _dispatch(
            app,
            block_actions_body("hang_up", "call-7", alice, "C0GENERAL", "1700000000.000100", "u"),
        ),
        _dispatch(
            app, view_submission_body("conf_invite", "conf-7", {"who": {"user": "bob"}}, alice)
        ),
        _dispatch(app, event_callback_body(event_for(reply), "Ev2")),
    ]

    assert statuses == [200, 200, 200, 200]
    command, action, view, event = seen
    assert (command["command"], command["text"], command["user_id"]) == (
        "/sms",
        "+447700900123 hi",
        alice,
    )
    assert action["actions"][0]["value"] == "call-7"
    assert action["container"]["message_ts"] == "1700000000.000100"
    assert view["private_metadata"] == "conf-7"
    assert view["state"]["values"]["who"]["user"]["value"] == "bob"
    assert (event["text"], event["ts"], event["user"]) == ("on my way", reply.ts, alice)


def test_post_to_bridge_returns_status_and_text_for_success_and_refusal():
    verifier = SignatureVerifier(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            valid = verifier.is_valid_request(body, dict(self.headers))
            text = parse_qs(body.decode()).get("text", [""])[0] if valid else "invalid"
            self.send_response(200 if valid else 401)
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        body = slash_command_body("/sms", "help", "U1", "C1", "http://127.0.0.1/r")
        good = post_to_bridge(url, body, signed_headers(SECRET, body))
        forged = post_to_bridge(url, body, signed_headers("wrong", body))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    assert good == (200, "help")
    assert forged == (401, "invalid")


def test_interactivity_bodies_are_form_encoded_payloads():
    body = block_actions_body("drop", "p-1", "U1", "C1", "1.2", "http://127.0.0.1/r")

    payload = json.loads(parse_qs(body.decode())["payload"][0])

    assert payload["type"] == "block_actions"
    assert payload["response_url"] == "http://127.0.0.1/r"
    assert payload["user"]["id"] == "U1"
