"""`web21c-bridge doctor` against real servers on loopback: all good, then each thing wrong."""

from __future__ import annotations

import socket

from adapters.web21c.sandbox import start_sandbox
from bot.cli.doctor import run
from bot.config import load_settings
from storage.migrate import upgrade
from tests.slackapi import SlackApiServer


def _doctor(**env) -> tuple[int, str]:
    lines: list[str] = []
    code = run(load_settings(env, dotenv_path=None), out=lines.append)
    return code, "\n".join(lines)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_healthy_setup_is_all_good(tmp_path):
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    upgrade(url)
    with SlackApiServer(bot_token="xoxb-doctor") as slack, start_sandbox() as sandbox:
        code, report = _doctor(
            SLACK_BOT_TOKEN="xoxb-doctor",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=slack.api_url,
            WEB21C_ENDPOINT=sandbox.url,
            DATABASE_URL=url,
        )
    assert code == 0, report
    assert "FAIL" not in report
    assert "Slack accepts the bot token" in report
    assert f"Web21C at {sandbox.url} answers" in report
    assert "database schema is current" in report
    assert report.endswith("all good")


def test_each_problem_is_named_with_its_fix(tmp_path):
    with SlackApiServer(bot_token="xoxb-right") as slack:
        code, report = _doctor(
            SLACK_BOT_TOKEN="xoxb-wrong",
            SLACK_API_URL=slack.api_url,
            WEB21C_ENDPOINT=f"http://127.0.0.1:{_closed_port()}",
            DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}",
        )
    assert code == 1
    assert "[FAIL] Slack refused the bot token (invalid_auth)" in report
    assert "fix: copy the Bot User OAuth Token" in report
    assert "is unreachable (ConnectionError)" in report
    assert "fix: check WEB21C_ENDPOINT" in report
    assert "neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set" in report
    assert "xoxb-wrong" not in report
    assert report.endswith("3 problem(s) found")
