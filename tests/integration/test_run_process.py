"""`web21c-bridge run` as a real process: it starts, serves /healthz, and stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest


def _start(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.update({"PORT": "0", "SANDBOX_PORT": "0", "HOST": "127.0.0.1", **env})
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_url(process) -> str:
    for line in process.stdout:
        match = re.search(r"HTTP server listening on (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the bridge exited before listening")


def test_run_serves_healthz_and_stops_on_sigterm(tmp_path):
    process = _start(tmp_path)
    try:
        url = _wait_for_url(process)
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            assert response.status == 200
            assert json.load(response)["status"] in ("ok", "degraded")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "/nowhere", timeout=5)
        assert missing.value.code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_a_bad_setting_stops_start_up_with_a_clear_message(tmp_path):
    process = _start(tmp_path, PORT="eighty")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "PORT: expected a whole number from 0 to 65535" in output
    assert "Traceback" not in output


def test_an_app_token_slack_refuses_stops_web_with_what_to_fix(tmp_path):
    """`web` with Socket Mode against the fake Slack, whose app token is another one."""
    from tests.slackapi import SlackApiServer

    with SlackApiServer() as slack:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
        environ.update(
            PORT="0",
            HOST="127.0.0.1",
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_APP_TOKEN="xapp-1-revoked",
            SLACK_API_URL=slack.api_url,
            WEB21C_ENDPOINT="http://127.0.0.1:9",
            DATABASE_URL=f"sqlite:///{tmp_path / 'bridge.db'}",
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot", "web"],
            cwd=tmp_path,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "cannot start: Slack refused the Socket Mode connection (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "xapp-1-revoked" not in result.stdout + result.stderr
