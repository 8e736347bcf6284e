"""`web21c-bridge doctor`: checks configuration, that the ports are free, and reachability of
Slack, Web21C and the database, and says line by line what is wrong and how to fix it. It
changes nothing: it creates no database file, and reads the schema's revision quietly."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings, redact_url

TIMEOUT = 5.0


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"[{mark}] {self.what}" + (f"\n       fix: {self.fix}" if self.fix else "")


def diagnose(settings: Settings) -> Iterator[Finding]:
    yield Finding(True, "configuration loaded (every value parsed)")
    yield from _ports(settings)
    yield from _database(settings)
    yield from _web21c(settings)
    yield from _slack(settings)


def run(settings: Settings, out: Callable[[str], None] = print) -> int:
    problems = 0
    for finding in diagnose(settings):
        out(finding.line())
        problems += not finding.ok
    out("all good" if not problems else f"{problems} problem(s) found")
    return 0 if not problems else 1


def _ports(settings: Settings) -> Iterator[Finding]:
    """The ports `run` listens on must be free (a second `run` is the usual culprit)."""
    from bot.bootstrap import listen_problem

    wanted = [("the HTTP server", settings.host, settings.port, "PORT")]
    if settings.web21c_endpoint is None:
        wanted.append(("the Web21C sandbox", "127.0.0.1", settings.sandbox_port, "SANDBOX_PORT"))
    for what, host, port, key in wanted:
        if port == 0:
            yield Finding(True, f"{key}=0: {what} takes a free port when it starts")
            continue
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.bind((host, port))
        except OSError as error:
            problem = str(listen_problem(error, what, host, port, key))
            found, _, fix = problem.partition("; ") if "; " in problem else (problem, "", "")
            if not fix:
                found, _, fix = problem.partition(": set ")
                fix = f"set {fix}" if fix else ""
            yield Finding(False, found, fix)
        else:
            yield Finding(True, f"{host}:{port} is free for {what}")


def _database(settings: Settings) -> Iterator[Finding]:
    from sqlalchemy.engine import make_url

    from bot.bootstrap import schema_revision
    from storage import Database
    from storage.migrate import current_revision, head_revision

    shown = redact_url(settings.database_url)
    url = make_url(settings.database_url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        # Connecting would create the file: say that `run` will, instead of doing it.
        yield Finding(True, f"database file {file} does not exist yet; `run` creates it")
        return
    db = Database(settings.database_url)
    try:
        if not db.ping():
            yield Finding(
                False,
                f"database {shown} is unreachable",
                "check DATABASE_URL, and that the server runs and accepts this user",
            )
            return
        yield Finding(True, f"database {shown} answers")
        current, head = schema_revision(db, current_revision), head_revision()
        found = "has no bridge schema yet" if current is None else f"schema is at {current}"
        if current == head:
            yield Finding(True, f"database schema is current ({head})")
        elif db.dialect == "sqlite":
            yield Finding(True, f"database {found}; `run` upgrades it to {head} itself")
        else:
            yield Finding(
                False,
                f"database {found}, the bridge needs {head}",
                "run `web21c-bridge db upgrade` (the Procfile's release step)",
            )
    finally:
        db.close()


def _web21c(settings: Settings) -> Iterator[Finding]:
    if settings.web21c_endpoint is None:
        yield Finding(
            True,
            "WEB21C_ENDPOINT unset: the built-in sandbox runs on "
            + (f"port {settings.sandbox_port}" if settings.sandbox_port else "a free port"),
        )
    else:
        url = f"{settings.web21c_endpoint}/endpoint/Messaging/OneWay/2007/07?wsdl"
        try:
            response = requests.get(url, timeout=TIMEOUT)
            reachable = response.status_code < 500
            detail = f"HTTP {response.status_code}"
        except requests.RequestException as error:
            reachable, detail = False, type(error).__name__
        shown = redact_url(settings.web21c_endpoint)
        if reachable:
            yield Finding(True, f"Web21C at {shown} answers ({detail})")
        else:
            yield Finding(
                False,
                f"Web21C at {shown} is unreachable ({detail})",
                "check WEB21C_ENDPOINT (the base URL, without /endpoint/...)",
            )
    if settings.web21c_key_file and settings.web21c_cert_file:
        yield from _signing_files(settings)
    elif settings.web21c_endpoint and "127.0.0.1" not in settings.web21c_endpoint:
        yield Finding(
            False,
            "requests to Web21C are not signed",
            "BT's services require WS-Security: set WEB21C_KEY_FILE and WEB21C_CERT_FILE",
        )


def _signing_files(settings: Settings) -> Iterator[Finding]:
    for key, path, marker in (
        ("WEB21C_KEY_FILE", settings.web21c_key_file, b"PRIVATE KEY-----"),
        ("WEB21C_CERT_FILE", settings.web21c_cert_file, b"BEGIN CERTIFICATE-----"),
    ):
        if marker in path.read_bytes():
            yield Finding(True, f"{key} is a PEM file of the right kind")
        else:
            yield Finding(
                False,
                f"{key} ({path}) does not hold a PEM {marker.decode().strip('-')}",
                "export the key and certificate BT issued as PEM files",
            )


def _slack(settings: Settings) -> Iterator[Finding]:
    if not settings.slack_bot_token:
        yield Finding(
            True, "SLACK_BOT_TOKEN unset: `run` uses the terminal console instead of Slack"
        )
        return
    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT
    )
    try:
        identity = client.auth_test()
        yield Finding(
            True,
            f"Slack accepts the bot token (team {identity.get('team')}, "
            f"bot {identity.get('user')})",
        )
    except SlackApiError as error:
        reason = error.response.get("error")
        yield Finding(
            False,
            f"Slack refused the bot token ({reason})",
            "copy the Bot User OAuth Token (xoxb-...) from your app's OAuth & Permissions page",
        )
    except (SlackClientError, OSError) as error:
        shown = redact_url(settings.slack_api_url)
        yield Finding(
            False,
            f"Slack at {shown} is unreachable ({type(error).__name__})",
            "check the network, or SLACK_API_URL if you changed it",
        )
    if settings.slack_app_token:
        yield Finding(True, "SLACK_APP_TOKEN set: Socket Mode, no public URL needed")
    elif settings.slack_signing_secret:
        yield Finding(True, "HTTP mode: Slack must reach POST /slack/events on this bridge")
    else:
        yield Finding(
            False,
            "neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set",
            "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)",
        )
    if settings.public_url:
        shown = redact_url(settings.public_url)
        yield Finding(True, f"delivery callbacks go to {shown}/web21c/events/<token>")
