"""Status events for sendMessageWithEventing: POSTed as JSON from a background thread.

Payload, one POST per status change per recipient (Content-Type: application/json):

    {"messageId": "msg-...", "destinationUri": "tel:+447700900001",
     "messageStatus": "Delivered", "time": "2007-07-01T12:00:03.000Z"}

A POST that fails (no answer, or a non-2xx status) is tried up to `attempts` times in all,
with a doubling pause between tries; after that the event is logged and dropped.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

import requests

from adapters.web21c.sandbox.state import SandboxState

log = logging.getLogger(__name__)


class EventNotifier:
    def __init__(
        self,
        state: SandboxState,
        interval: float = 0.05,
        attempts: int = 3,
        backoff: float = 0.2,
        timeout: float = 5.0,
    ):
        self._state = state
        self._interval = interval
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._timeout = timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._session.trust_env = False
        self.outcomes: deque[dict[str, Any]] = deque(maxlen=1000)  # recent POSTs, for views

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-events", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._session.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.deliver_due()

    def deliver_due(self) -> None:
        for url, payload in self._state.due_events():
            if self._stop.is_set():
                return
            self._post(url, payload)

    def _post(self, url: str, payload: dict[str, Any]) -> None:
        problem = "not tried"
        for attempt in range(self._attempts):
            try:
                response = self._session.post(url, json=payload, timeout=self._timeout)
                if 200 <= response.status_code < 300:
                    self.outcomes.append({**payload, "url": url, "delivered": True})
                    return
                problem = f"HTTP {response.status_code}"
            except requests.RequestException as error:
                problem = type(error).__name__
            if attempt + 1 < self._attempts and self._stop.wait(self._backoff * 2**attempt):
                break
        log.warning("status event for %s to %s dropped: %s", payload["messageId"], url, problem)
        self.outcomes.append({**payload, "url": url, "delivered": False, "problem": problem})
