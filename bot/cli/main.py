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
from bot.observability.logs import CONSOLE_LOG_FILE, configure_logging

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
    # The console owns the terminal, so its log goes to a file (named in the greeting).
    configure_logging(settings.log_level, settings.secrets, CONSOLE_LOG_FILE if console else None)
    return args.command(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="web21c-bridge", description="BT Web21C telephony (SMS, calls, conferences) in Slack."
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    run = sub.add_parser(
        "run", help="everything in one process: HTTP, scheduler, and Slack or the console"
    )
    run.set_defaults(command=_run)
    web = sub.add_parser("web", help="only the HTTP server (Slack events, callbacks, health)")
    web.set_defaults(command=_web)
    worker = sub.add_parser(
        "worker", help="only the scheduled jobs (inbound texts, receipts, cards)"
    )
    worker.set_defaults(command=_worker)
    console = sub.add_parser("console", help="the terminal front end, without Slack")
    console.set_defaults(command=_console)
    doctor = sub.add_parser(
        "doctor", help="check the configuration, Slack, Web21C and the database"
    )
    doctor.set_defaults(command=_doctor)
    text = sub.add_parser(
        "sandbox-text", help="make a phone text the bridge, through the sandbox (for trying it)"
    )
    text.add_argument("sender", help="the phone that texts, e.g. +447700900123")
    text.add_argument("message", nargs="+", help="the text; its first word is the keyword")
    text.add_argument(
        "--sandbox", help="sandbox base URL (default: WEB21C_ENDPOINT, or the built-in one)"
    )
    text.set_defaults(command=_sandbox_text)
    _add_db_commands(sub)
    _add_sandbox_command(sub)
    return parser


def _add_sandbox_command(sub: argparse._SubParsersAction) -> None:
    from adapters.web21c.sandbox.command import add_arguments

    sandbox = sub.add_parser("sandbox", help="run only the local Web21C sandbox")
    add_arguments(sandbox)
    sandbox.set_defaults(command=_sandbox)


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.web21c.sandbox.command import run

    return run(args)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    bridge = _bootstrap(settings)
    server = bridge.start_http()
    bridge.start_worker()
    if bridge.console is not None:
        note = f"HTTP server listening on {server.url} (/healthz, /metrics)"
        if bridge.sandbox is not None:
            note += f"\nWeb21C sandbox on {bridge.sandbox.url} (docs/web21c-sandbox.md)"
        return _serve_console(bridge, note)
    return _serve_slack(bridge)


def _web(settings: Settings, args: argparse.Namespace) -> int:
    bridge = _bootstrap(settings)
    bridge.start_web()
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
            f"no sandbox answers at {base} ({type(error).__name__}); is `make run` running?",
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


def _bootstrap(settings: Settings):
    from bot.bootstrap import bootstrap, freeze_startup_objects

    bridge = bootstrap(settings)
    freeze_startup_objects()
    return bridge


def _serve_console(bridge, note: str = "") -> int:
    """Read commands from stdin until `quit` or Ctrl-D; a closed non-terminal stdin (a pipe
    that ended, /dev/null under a process manager) leaves the bridge running until a signal."""
    stop = STOP

    def read() -> None:
        bridge.console.greet(note)
        bridge.console.loop(sys.stdin)
        if sys.stdin.isatty() or bridge.console.quit_requested:
            stop.set()

    threading.Thread(target=read, name="console", daemon=True).start()
    while not stop.wait(0.5):
        pass
    log.info("stopping")
    bridge.stop()
    return 0


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM, so both Ctrl-C and process managers stop us cleanly."""
    while not STOP.wait(0.5):
        pass
    log.info("stopping")


def _add_db_commands(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="manage the database schema")
    db_sub = db.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.set_defaults(command=_db_upgrade)
    downgrade = db_sub.add_parser("downgrade", help="migrate back to REVISION ('base' empties)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(command=_db_downgrade)


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, upgrade

    upgrade(settings.database_url)
    log.info("database schema at revision %s", current_revision(settings.database_url))
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, downgrade

    downgrade(settings.database_url, args.revision)
    log.info("database schema at revision %s", current_revision(settings.database_url))
    return 0
