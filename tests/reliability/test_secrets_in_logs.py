"""No token, signing secret or database password in what the bridge writes or says.

A wired bridge runs with distinctive secrets (its database on the suite's PostgreSQL cluster,
whose password is distinctive too), logging configured as `web21c-bridge` configures it, but
at DEBUG for every library, slack_sdk and urllib3 included. It is put through commands,
forgeries, thread replies, inbound texts, callbacks, a Slack outage, Web21C down and a
database restart; then the log file, every HTTP answer and everything shown in Slack are
scanned for the secret values. The console front end's log file is scanned the same way.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.observability.logs import QUIET_LIBRARIES, configure_logging
from storage.migrate import upgrade
from tests.reliability import pg_cluster
from tests.reliability.harness import (
    GENERAL,
    LogRecorder,
    bridge_settings,
    populate_workspace,
    sandbox_admin,
    text_the_service,
    wired_bridge,
)
from tests.slackapi import SlackApiServer
from tests.slackapi.signing import signed_headers, slash_command_body

BOT_TOKEN = "xoxb-7731-SeCrEtBoTtOkEn-q9Zr"
SIGNING_SECRET = "sIgNiNg-SeCrEt-5f1d0c"
APP_TOKEN = "xapp-1-ApPtOkEn-SeCrEt-77"
ENDPOINT_PASSWORD = "w21c-EnDpOiNt-Pw-3k"  # in WEB21C_ENDPOINT: http://bridge:<it>@host


def _with_credentials(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://bridge:{ENDPOINT_PASSWORD}@{rest}"


@pytest.fixture
def debug_logging(tmp_path):
    """Logging as the CLI sets it up, but with every library at DEBUG; restored after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LIBRARIES})
    path = tmp_path / "bridge.log"
    # Not the endpoint password: URL credentials are redacted wherever a URL appears.
    secrets = [BOT_TOKEN, SIGNING_SECRET, pg_cluster.PASSWORD]
    configure_logging("DEBUG", secrets, str(path))
    for name in (*QUIET_LIBRARIES, "sqlalchemy", "psycopg"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    raw = LogRecorder()  # the records as emitted: first, before the redacting handler
    root.handlers.insert(0, raw)
    try:
        yield path, raw
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def _secrets_in(text: str) -> list[str]:
    secrets = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, pg_cluster.PASSWORD, ENDPOINT_PASSWORD)
    return [s for s in secrets if s in text]


def _exercise(wired, answers: list[str]) -> None:
    """Everything that logs: good and bad commands, forgeries, replies, inbound, callbacks,
    and each kind of outage."""
    for text in (
        "07700 900123 hello",
        "hello world",
        "09065 123456 prize",
        f"{SIGNING_SECRET[:4]}",
    ):
        answers.append(wired.command("/sms", text)[1])
    body = slash_command_body("/sms", "07700900123 x", "UALICE", GENERAL, "http://127.0.0.1:9/r")
    answers.append(wired.post(body, signed_headers("wrong", body))[1])
    wired.command("/sms", "route bridge #ops", user="UADMIN")
    wired.drain_work()  # the route is in place before Slack goes down (the worker does it)
    text_the_service(wired.sandbox, "tel:+447700900123", "inbound hello")
    answers.append(wired.callback("unknown-token", b"{}")[1])
    for path in ("/healthz", "/metrics"):
        with urllib.request.urlopen(wired.url + path, timeout=5) as response:
            answers.append(response.read().decode())
    wired.slack.faults.start_outage(status=503)
    text_the_service(wired.sandbox, "tel:+447700900124", "during a Slack outage")
    time.sleep(1.5)
    wired.slack.faults.end_outage()
    sandbox_admin(wired.sandbox, "POST", "faults", {"down": True})
    answers.append(wired.command("/call", "07700 900001 07700 900002")[1])
    time.sleep(1.5)
    with urllib.request.urlopen(wired.url + "/healthz", timeout=5) as response:
        answers.append(response.read().decode())  # degraded, saying why
    sandbox_admin(wired.sandbox, "POST", "faults", {"down": False, "latency_ms": 2000})
    answers.append(wired.command("/sms", "07700 900123 too slow")[1])
    time.sleep(2.5)  # each job's request times out: the message names the endpoint
    with urllib.request.urlopen(wired.url + "/healthz", timeout=5) as response:
        answers.append(response.read().decode())
    sandbox_admin(wired.sandbox, "DELETE", "faults")
    pg_cluster.restart()
    answers.append(wired.command("/phone", "07700 900777")[1])
    wired.slack.state.wait_for(
        lambda s: s.find_messages(lambda m: "during a Slack outage" in m.text) or None,
        timeout=60,
        what="the bridge recovered",
    )
    wired.drain_work()


@pytest.mark.postgres
def test_no_secret_in_logs_answers_or_slack(tmp_path, sandbox, debug_logging):
    path, raw = debug_logging
    server = pg_cluster.ensure_cluster()
    answers: list[str] = []
    with (
        pg_cluster.private_schema(server) as url,
        SlackApiServer(bot_token=BOT_TOKEN) as slack,
    ):
        upgrade(url)
        populate_workspace(slack)
        settings = {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "LOG_LEVEL": "DEBUG",
            "WEB21C_ENDPOINT": _with_credentials(sandbox.url),
            "WEB21C_READ_TIMEOUT": "1",
        }
        with wired_bridge(slack, sandbox, url, **settings) as wired:
            wired.signing_secret = SIGNING_SECRET
            assert pg_cluster.PASSWORD in bridge_settings(slack, sandbox, url).database_url
            _exercise(wired, answers)
        shown = [m.text for m in slack.state.find_messages(lambda m: True)]
        shown += [e.text for e in slack.state.ephemerals()]
        shown += [p.text or "" for p in slack.state.response_posts()]
    written = path.read_text()
    assert len(written.splitlines()) > 100  # DEBUG from the libraries really was captured
    assert "slack_sdk" in written and "urllib3" in written
    assert _secrets_in(written) == []
    assert [a for a in answers if _secrets_in(a)] == []
    assert [s for s in shown if _secrets_in(s)] == []
    leaked_raw = [line for line in raw.lines if _secrets_in(line)]
    print(f"{len(raw.lines)} records, {len(leaked_raw)} carried a secret before redaction")


def test_console_log_file_holds_no_secret(tmp_path, sandbox):
    """The console front end (no Slack bot token) logs to web21c-bridge.log in its working
    directory; the signing secret and app token are still secrets there."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
    environ.update(
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        WEB21C_ENDPOINT=_with_credentials(sandbox.url),
        DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}",
        LOG_LEVEL="DEBUG",
        PORT="0",
        POLL_INTERVAL_SECONDS="0.3",
    )
    script = "\n".join(
        ["/sms 07700 900123 hello", "/sms 09065 123456 x", "/call nonsense", "/phone", "quit"]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=tmp_path,
        env=environ,
        input=script + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    log_file = (tmp_path / "web21c-bridge.log").read_text()
    assert "DEBUG" in log_file or "INFO" in log_file
    assert _secrets_in(log_file) == []
    assert _secrets_in(result.stdout + result.stderr) == []
