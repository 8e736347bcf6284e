"""`web21c-bridge` (also `python -m bot`): the bridge's command line.

Only subcommands that work are listed; each later part of the bridge adds its own.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.observability.logs import CONSOLE_LOG_FILE, configure_logging, redact_url

log = logging.getLogger("web21c-bridge")
STOP = threading.Event()  # set by SIGINT/SIGTERM, from the moment main() starts


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):  # before start-up, so an early stop is clean too
        signal.signal(sig, lambda *_: STOP.set())
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        print("fix the value in .env or the environment (see .env.example)", file=sys.stderr)
        return 2
    console = args.command is _console or (args.command is _run and not settings.slack_configured)
    # Alembic announces each of its plugins at INFO as it is imported; only migrations are news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # The console owns the terminal, so its log goes to a file (named in the greeting).
    configure_logging(settings.log_level, settings.secrets, CONSOLE_LOG_FILE if console else None)
    from bot.bootstrap import StartupError

    try:
        return args.command(settings, args)
    except StartupError as error:  # one sentence naming the fix, never a traceback
        if console:  # the log is a file: say it there too
            log.error("cannot start: %s", error)
        print(f"cannot start: {error}", file=sys.stderr)
        return 2


# Every subcommand's --help: what it is for, then its options with their defaults.
DESCRIPTIONS = {
    "run": """Everything in one process: the HTTP server (Slack events in HTTP mode, Web21C
delivery callbacks, /healthz, /metrics), the scheduled jobs, and the front end: Slack when
SLACK_BOT_TOKEN is set, else the terminal console. Without WEB21C_ENDPOINT it starts the
built-in Web21C sandbox on SANDBOX_PORT (default {sandbox_port}); without DATABASE_URL it uses
the SQLite file web21c-bridge.db in the working folder, upgrading its schema itself. The HTTP server
listens on HOST:PORT (default {host}:{port}). Settings come from the environment or .env
(see .env.example). Stops on quit, Ctrl-D, SIGINT or SIGTERM.""",
    "web": """Only the HTTP server, for a deployment with separate processes (the Procfile's
web): Slack's events, commands and buttons (HTTP mode, with SLACK_SIGNING_SECRET) or a Socket
Mode connection (with SLACK_APP_TOKEN), Web21C's delivery callbacks, /healthz and /metrics, on
HOST:PORT (default {host}:{port}). Needs Slack configured and, on PostgreSQL, a database that
`db upgrade` has brought up to date. Stops on SIGINT or SIGTERM.""",
    "worker": """Only the background work (the Procfile's worker): the work queue the Slack
listeners fill, fetching inbound texts, delivery states, live call and conference cards, and
housekeeping. Several workers may run on PostgreSQL; each job runs in one of them at a time.
Stops on SIGINT or SIGTERM.""",
    "console": """The terminal front end without Slack, even when Slack is configured: type
Slack's commands (/sms, /call, /conf, /phone) and the console's own (reply, press, invite,
threads, cards, card, help, quit). Runs the scheduled jobs but no HTTP server; without
WEB21C_ENDPOINT, the built-in sandbox on SANDBOX_PORT (default {sandbox_port}).""",
    "doctor": """Checks the set-up line by line and says how to fix each problem: the
configuration, that the ports are free (HOST:PORT, the sandbox's), the database (reachable, schema
current), Web21C (reachable, signing files), and Slack (the bot token, Socket Mode or HTTP
mode). It changes nothing and creates no database file. Exit status 0 when all is well, 1 when
something needs fixing.""",
    "sandbox-text": """Make a simulated phone text the bridge, through the sandbox's admin API:
the text is addressed to the service's number and the bridge fetches it on its next poll. Its
first word is the keyword that routes it (the console's is `bridge`).""",
    "sandbox": """Only the local Web21C sandbox: SOAP endpoints for messaging, third-party
calls and conferences, with simulated test phones (docs/web21c-sandbox.md). Use its URL as
WEB21C_ENDPOINT. Stops on SIGINT or SIGTERM.""",
    "db": "Manage the database schema (Alembic migrations shipped in the package).",
    "db upgrade": """Migrate the database at DATABASE_URL to the newest schema (safe to repeat).
A PostgreSQL database must be upgraded before `run`, `web` or `worker` start on it: the
Procfile's release step does it. An SQLite file is upgraded by `run` itself.""",
    "db downgrade": """Migrate the database at DATABASE_URL back to REVISION; `base` removes
every table the bridge made.""",
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Options' defaults in --help, except where there is none to show (None, off)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False):
            return action.help
        return super()._get_help_string(action)


def _sub(sub: argparse._SubParsersAction, name: str, help_text: str, key: str | None = None):
    return sub.add_parser(
        name,
        help=help_text,
        description=DESCRIPTIONS[key or name].format(
            host=Settings.host, port=Settings.port, sandbox_port=Settings.sandbox_port
        ),
        formatter_class=_HelpFormatter,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="web21c-bridge",
        description="BT Web21C telephony (SMS, calls, conferences) in Slack, or in a terminal. "
        "`web21c-bridge COMMAND --help` explains each command.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _sub(
        sub, "run", "everything in one process: HTTP, scheduler, and Slack or the console"
    ).set_defaults(command=_run)
    _sub(sub, "web", "only the HTTP server (Slack events, callbacks, health)").set_defaults(
        command=_web
    )
    _sub(
        sub, "worker", "only the background work (queue, inbound texts, receipts, cards)"
    ).set_defaults(command=_worker)
    _sub(sub, "console", "the terminal front end, without Slack").set_defaults(command=_console)
    _sub(sub, "doctor", "check the configuration, ports, database, Web21C and Slack").set_defaults(
        command=_doctor
    )
    text = _sub(
        sub, "sandbox-text", "make a phone text the bridge, through the sandbox (for trying it)"
    )
    text.add_argument("sender", help="the phone that texts, e.g. +447700900123")
    text.add_argument("message", nargs="+", help="the text; its first word is the keyword")
    text.add_argument(
        "--sandbox",
        help="the sandbox's base URL (default: WEB21C_ENDPOINT, else the built-in sandbox on "
        "127.0.0.1:SANDBOX_PORT)",
    )
    text.set_defaults(command=_sandbox_text)
    _add_db_commands(sub)
    _add_sandbox_command(sub)
    return parser


def _add_sandbox_command(sub: argparse._SubParsersAction) -> None:
    from adapters.web21c.sandbox.command import add_arguments

    sandbox = _sub(sub, "sandbox", "run only the local Web21C sandbox")
    add_arguments(sandbox)
    sandbox.set_defaults(command=_sandbox)


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.web21c.sandbox.command import run

    return run(args)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    bridge = _bootstrap(settings)
    server = _starting(bridge, bridge.start_http)
    if bridge.console is None:
        bridge.start_worker()
        return _serve_slack(bridge)
    note = f"HTTP server listening on {server.url} (/healthz, /metrics)"
    if bridge.sandbox is not None:
        note += f"\nWeb21C sandbox on {bridge.sandbox.url} (docs/web21c-sandbox.md)"
    bridge.console.greet(note)  # before the jobs start, so that their news comes after it
    bridge.start_worker()
    return _serve_console(bridge)


def _web(settings: Settings, args: argparse.Namespace) -> int:
    bridge = _bootstrap(settings)
    _starting(bridge, bridge.start_web)
    return _serve_slack(bridge)


def _serve_slack(bridge) -> int:
    """Connect to Slack's Socket Mode if an app token is set, then serve until a signal."""
    from bot.bootstrap import StartupError

    if bridge.settings.socket_mode:
        try:
            bridge.start_socket_mode()
        except StartupError as error:
            print(f"cannot start: {error}", file=sys.stderr)
            bridge.stop()
            return 2
    _wait_for_signal()
    bridge.stop()
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    bridge = _bootstrap(settings)
    bridge.start_worker()
    _wait_for_signal()
    bridge.stop()
    return 0


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import replace

    bridge = _bootstrap(replace(settings, slack_bot_token=None, slack_app_token=None))
    bridge.console.greet()
    bridge.start_worker()
    return _serve_console(bridge)


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.doctor import run

    return run(settings)


def _sandbox_text(settings: Settings, args: argparse.Namespace) -> int:
    import requests

    from bot.core.numbers import NumberRejected, parse_number

    base = args.sandbox or settings.web21c_endpoint or f"http://127.0.0.1:{settings.sandbox_port}"
    try:
        sender = parse_number(args.sender, settings.default_region).uri
    except NumberRejected as error:
        print(f"sender: {error}", file=sys.stderr)
        return 2
    body = {
        "senderUri": sender,
        "destinationUri": "tel:+447700900999",
        "messageText": " ".join(args.message),
    }
    try:
        response = requests.post(base.rstrip("/") + "/sandbox/inbound", json=body, timeout=10)
    except requests.RequestException as error:
        print(
            f"no sandbox answers at {redact_url(base)} ({type(error).__name__}); "
            "is `make run` running?",
            file=sys.stderr,
        )
        return 1
    if response.status_code != 200:
        print(f"the sandbox refused it: {response.text}", file=sys.stderr)
        return 1
    print(f"texted the bridge from {sender}: messageId {response.json()['messageId']}")
    from bot.cli.unrouted import routing_note

    print(routing_note(settings, base, body["messageText"]))
    return 0


def _starting(bridge, start):
    """Start one part; if it cannot start, stop what already runs (the sandbox) first."""
    from bot.bootstrap import StartupError

    try:
        return start()
    except StartupError:
        bridge.stop()
        raise


def _bootstrap(settings: Settings):
    from bot.bootstrap import bootstrap, freeze_startup_objects

    bridge = bootstrap(settings)
    freeze_startup_objects()
    return bridge


def _serve_console(bridge) -> int:
    """The console until `quit`, Ctrl-D or a signal. A person at a terminal gets the line
    editor; a pipe is read line by line, and a pipe that ended without `quit` (/dev/null under
    a process manager) leaves the bridge running until a signal."""
    from bot.console.line_editor import LineEditor, history_path, interactive, read_lines

    console = bridge.console
    if interactive():
        editor = LineEditor(console, history_path(bridge.settings.database_url))
        threading.Thread(target=lambda: STOP.wait() and editor.stop(), daemon=True).start()
        editor.run()
        STOP.set()
    else:

        def read() -> None:
            read_lines(console, sys.stdin)
            if console.quit_requested:
                STOP.set()

        threading.Thread(target=read, name="console", daemon=True).start()
        while not STOP.wait(0.5):
            pass
    log.info("stopping")
    bridge.stop()
    console.farewell()
    return 0


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM, so both Ctrl-C and process managers stop us cleanly."""
    while not STOP.wait(0.5):
        pass
    log.info("stopping")


def _add_db_commands(sub: argparse._SubParsersAction) -> None:
    db = _sub(sub, "db", "manage the database schema")
    db_sub = db.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    upgrade = _sub(db_sub, "upgrade", "migrate the database to the newest schema", "db upgrade")
    upgrade.set_defaults(command=_db_upgrade)
    downgrade = _sub(
        db_sub, "downgrade", "migrate back to REVISION ('base' empties)", "db downgrade"
    )
    downgrade.add_argument("revision", help="an Alembic revision id, or `base`")
    downgrade.set_defaults(command=_db_downgrade)


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import reachable_database
    from storage.migrate import current_revision, upgrade

    reachable_database(settings.database_url).close()
    upgrade(settings.database_url)
    log.info("database schema at revision %s", current_revision(settings.database_url))
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import reachable_database
    from storage.migrate import current_revision, downgrade

    reachable_database(settings.database_url).close()
    downgrade(settings.database_url, args.revision)
    log.info("database schema at revision %s", current_revision(settings.database_url))
    return 0
