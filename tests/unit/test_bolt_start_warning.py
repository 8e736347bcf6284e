"""Starting the Bolt app with SLACK_BOT_TOKEN in the environment (as the Procfile's processes
have it) logs no warning: the first run, and every later start, should be quiet."""

import logging

from slack_sdk import WebClient

from bot.slack.app import SlackFrontEnd, create_bolt_app


def test_no_token_warning_on_start(monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    client = WebClient(token="xoxb-test-token", base_url="http://127.0.0.1:9/")
    with caplog.at_level(logging.DEBUG, logger="slack_bolt"):
        create_bolt_app(client, "secret", SlackFrontEnd(lambda *a, **k: None, "GB"))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
