"""Running the sandbox alone: `web21c-bridge sandbox` and `python -m adapters.web21c.sandbox`.

It prints its base URL (use it as WEB21C_ENDPOINT) and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from adapters.web21c.sandbox.app import SandboxOptions, start_sandbox
from adapters.web21c.sandbox.state import DEFAULT_SERVICE_URI
from adapters.web21c.wsse import pem_to_der

DEFAULT_PORT = 8021


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 picks a free one)")
    parser.add_argument(
        "--speed", type=_positive, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument(
        "--require-signature",
        action="store_true",
        help="fault every request that is not WS-Security signed",
    )
    parser.add_argument(
        "--trusted-cert", default=None, help="with --require-signature: the only accepted cert"
    )
    parser.add_argument(
        "--reply-keyword",
        default="bridge",
        help="first word of the echo number's replies (the bridge's keyword)",
    )
    parser.add_argument(
        "--service-uri", default=DEFAULT_SERVICE_URI, help="the service's own number"
    )


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {value!r}")
    return number


def run(args: argparse.Namespace) -> int:
    options = SandboxOptions(
        speed=args.speed,
        require_signature=args.require_signature,
        reply_keyword=args.reply_keyword,
        trusted_cert_file=args.trusted_cert,
        service_uri=args.service_uri,
    )
    if args.trusted_cert:
        try:
            pem_to_der(Path(args.trusted_cert).read_bytes())
        except (OSError, ValueError) as error:
            print(f"--trusted-cert: expected a PEM certificate file ({error})", file=sys.stderr)
            return 2
    try:
        running = start_sandbox(args.host, args.port, options)
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"Web21C sandbox listening on {running.url}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    running.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.web21c.sandbox")
    add_arguments(parser)
    return run(parser.parse_args(argv))
