"""The sandbox's JSON admin API over HTTP, as a phone network operator would drive it: phones
texting the service, what waits uncleared, and Web21C outages."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

SERVICE_URI = "tel:+447700900999"


class SandboxAdmin:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def text_in(self, sender: str, text: str) -> str:
        """A phone texts the service; the Web21C messageId."""
        body = {"senderUri": sender, "destinationUri": SERVICE_URI, "messageText": text}
        return self._call("POST", "/sandbox/inbound", body)["messageId"]

    def waiting(self) -> dict[str, list[dict]]:
        """Uncleared texts by keyword (keywords with none drop out)."""
        keywords = self._call("GET", "/sandbox/inbound")["keywords"]
        return {k: v for k, v in keywords.items() if v}

    def waiting_ids(self) -> set[str]:
        return {m["messageId"] for texts in self.waiting().values() for m in texts}

    def faults(self, **settings: Any) -> dict:
        return self._call("POST", "/sandbox/faults", settings)

    def clear_faults(self) -> dict:
        return self._call("DELETE", "/sandbox/faults")

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


def inbound_texts(state, channel: str) -> list[str]:
    """The inbound texts the bridge posted in a channel (its `*sender*: text` lines)."""
    return [m.text for m in state.messages(channel, include_replies=True) if "*: " in m.text]


def wait_for_inbound(bridge, channel: str, count: int, timeout: float = 30.0) -> list[str]:
    return bridge.slack.state.wait_for(
        lambda s: len(inbound_texts(s, channel)) >= count and inbound_texts(s, channel),
        timeout=timeout,
        what=f"{count} inbound text(s) in {channel}",
    )


def wait_cleared(admin: SandboxAdmin, timeout: float = 30.0) -> None:
    """Until the sandbox holds no uncleared inbound text."""
    deadline = time.monotonic() + timeout
    while admin.waiting():
        assert time.monotonic() < deadline, f"still uncleared: {admin.waiting()}"
        time.sleep(0.05)
