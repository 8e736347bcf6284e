"""`web21c-bridge sandbox` as a real process: it prints its URL, serves, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests

from adapters.web21c.client import Web21CClient
from bot.core.domain import CallStatus


def test_sandbox_subcommand_serves_until_sigterm(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--speed", "50",
         "--reply-keyword", "relay"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.rsplit(" ", 1)[1].strip()
        wsdl = requests.get(f"{url}/endpoint/Messaging/Inbound/2007/07?wsdl", timeout=10)
        assert f'location="{url}/endpoint/Messaging/Inbound/2007/07"' in wsdl.text
        with Web21CClient(url) as client:
            call_id = client.make_call("tel:+447700900001", "tel:+447700900123")
            assert client.get_call_information(call_id).status in set(CallStatus)
            client.send_message(["tel:+447700900000"], "Web21C", "ping")
            requests.post(f"{url}/sandbox/clock", json={"advanceSeconds": 10}, timeout=10)
            (reply,) = client.get_received_messages("relay")
            assert reply.text == "relay Echo: ping"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_sandbox_subcommand_refuses_a_bad_speed(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--speed", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "greater than 0" in result.stderr


def test_sandbox_subcommand_refuses_a_missing_trusted_cert(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "adapters.web21c.sandbox", "--port", "0", "--require-signature",
         "--trusted-cert", str(tmp_path / "missing.pem")],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--trusted-cert: expected a PEM certificate file" in result.stderr
