"""`web21c-bridge doctor` against real servers on loopback: all good, then each thing wrong."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from adapters.web21c.sandbox import start_sandbox
from bot.cli.doctor import run
from bot.config import load_settings
from storage.migrate import upgrade
from tests.slackapi import SlackApiServer


def _doctor(**env) -> tuple[int, str]:
    lines: list[str] = []
    env = {"PORT": "0", "SANDBOX_PORT": "0", **env}  # the machine's 3000 may be anyone's
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


def test_a_port_in_use_is_named_with_its_fix(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, report = _doctor(SANDBOX_PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path}/b.db")
    assert code == 1
    assert (
        f"[FAIL] the Web21C sandbox cannot listen on 127.0.0.1:{port}: the port is in use (is "
        "another web21c-bridge running?)\n       fix: stop it, or set SANDBOX_PORT to a free "
        "port (0 picks one)"
    ) in report
    assert "PORT=0: the HTTP server takes a free port when it starts" in report


def test_doctor_creates_no_database_file(tmp_path):
    path = tmp_path / "not-yet.db"
    code, report = _doctor(DATABASE_URL=f"sqlite:///{path}")
    assert code == 0, report
    assert f"database file {path} does not exist yet; `run` creates it" in report
    assert not path.exists()


def test_an_unmigrated_database_is_described_in_words_not_none(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()  # a file with no tables: no schema revision at all
    code, report = _doctor(DATABASE_URL=f"sqlite:///{path}")
    assert code == 0, report
    assert "database has no bridge schema yet; `run` upgrades it to" in report
    assert "None" not in report


def test_doctor_prints_no_migration_tool_lines(tmp_path):
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    upgrade(url)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.update(DATABASE_URL=url, PORT="0", SANDBOX_PORT="0", LOG_LEVEL="INFO")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database schema is current" in result.stdout
    assert "alembic.runtime" not in result.stdout + result.stderr
    assert " INFO " not in result.stdout + result.stderr
    assert result.stderr == ""
