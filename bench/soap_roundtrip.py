"""SOAP round trips per second: Web21CClient against a raw lxml+requests baseline.

    .venv/bin/python bench/soap_roundtrip.py [--quick] [--seconds N]

Starts the sandbox in a separate process (so client and server do not share a GIL), queues
500 inbound texts, then times getCallInformation and getReceivedMessages (500 messages) both
ways in the same run. The raw baseline posts a prebuilt envelope and pulls the values out
with lxml, with no validation and no typed results; the ratio is client time / raw time.
Goal: at most 2x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.web21c.client import Web21CClient  # noqa: E402

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TPC = "http://sdk.bt.com/2007/07/Session/ThirdPartyCall"
INBOUND = "http://sdk.bt.com/2007/07/Messaging/Inbound"
INBOX_SIZE = 500


def start_sandbox() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.web21c.sandbox", "--port", "0", "--speed", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = process.stdout.readline() if process.stdout else ""
    if "listening on " not in line:
        process.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


def envelope(namespace: str, operation: str, field: str, value: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
        f'<{operation} xmlns="{namespace}"><{field}>{value}</{field}></{operation}>'
        "</soap:Body></soap:Envelope>"
    ).encode()


class RawBaseline:
    """What a hand-written caller would do: prebuilt bytes out, lxml lookups back."""

    def __init__(self, base_url: str):
        self.session = requests.Session()
        self.base_url = base_url

    def post(self, capability: str, operation: str, body: bytes) -> etree._Element:
        response = self.session.post(
            f"{self.base_url}/endpoint/{capability}/2007/07",
            data=body,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"http://sdk.bt.com/2007/07/{capability}#{operation}"',
            },
            timeout=(5, 30),
        )
        return etree.fromstring(response.content)

    def call_information(self, call_id: str) -> dict[str, str | None]:
        root = self.post(
            "Session/ThirdPartyCall",
            "getCallInformation",
            envelope(TPC, "getCallInformation", "callId", call_id),
        )
        info = root.find(
            f"{{{SOAP}}}Body/{{{TPC}}}getCallInformationResponse/{{{TPC}}}callInformation"
        )
        return {child.tag[len(TPC) + 2 :]: child.text for child in info}

    def received_messages(self, keyword: str) -> list[dict[str, str | None]]:
        root = self.post(
            "Messaging/Inbound",
            "getReceivedMessages",
            envelope(INBOUND, "getReceivedMessages", "keyword", keyword),
        )
        path = f"{{{SOAP}}}Body/{{{INBOUND}}}getReceivedMessagesResponse/{{{INBOUND}}}messages"
        start = len(INBOUND) + 2
        return [{child.tag[start:]: child.text for child in message} for message in root.find(path)]


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn` over about `seconds` (after a short warm-up)."""
    for _ in range(3):
        fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about 3 s)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per measurement")
    args = parser.parse_args()
    seconds = args.seconds or (0.5 if args.quick else 3.0)

    process, url = start_sandbox()
    try:
        admin = requests.Session()
        for n in range(INBOX_SIZE):
            admin.post(
                f"{url}/sandbox/inbound",
                json={"senderUri": f"tel:+4477009{n:05d}", "messageText": f"bench text {n}"},
                timeout=5,
            ).raise_for_status()
        client = Web21CClient(url)
        raw = RawBaseline(url)
        call_id = client.make_call("tel:+447700900001", "tel:+447700900005")
        assert len(client.get_received_messages("bench")) == INBOX_SIZE
        assert len(raw.received_messages("bench")) == INBOX_SIZE

        cases = [
            (
                "getCallInformation",
                lambda: client.get_call_information(call_id),
                lambda: raw.call_information(call_id),
            ),
            (
                f"getReceivedMessages ({INBOX_SIZE} messages)",
                lambda: client.get_received_messages("bench"),
                lambda: raw.received_messages("bench"),
            ),
        ]
        print(f"{'operation':<40} {'client/s':>10} {'raw/s':>10} {'ratio':>7}")
        worst = 0.0
        for name, through_client, through_raw in cases:
            client_rate = rate(through_client, seconds)
            raw_rate = rate(through_raw, seconds)
            ratio = raw_rate / client_rate
            worst = max(worst, ratio)
            print(f"{name:<40} {client_rate:>10.1f} {raw_rate:>10.1f} {ratio:>6.2f}x")
        print(f"client overhead (client time / raw time), worst case: {worst:.2f}x (goal <= 2x)")
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
