"""Delivery receipts for texts the bridge sent: Web21C's callbacks when PUBLIC_URL is set,
otherwise polling getMessageDeliveryStatuses with backoff until every recipient is final.

Callback payload (defined by this project, as BT never documented one; see
docs/web21c-sandbox.md): a JSON object `{"messageId", "destinationUri", "messageStatus",
"time"}` POSTed to `/web21c/events/<token>`, where the token is unguessable and per message.

The token, not the messageId, finds the text, so a callback also settles a text whose
sendMessageWithEventing answer was lost (outcome unknown): it proves the text was sent and
brings the messageId the bridge never heard. Polling cannot do that: getMessageDeliveryStatuses
needs the messageId, so a polled text whose answer was lost stays "may have been sent".
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.domain import DeliveryStatus, MessageStatus, NotFound
from bot.core.ports import Telephony
from bot.services.messaging import Messaging
from storage import Database

log = logging.getLogger(__name__)

FIRST_DELAY = 2.0
MAX_DELAY = 60.0
MAX_CALLBACK_BYTES = 16 * 1024


@dataclass(frozen=True)
class CallbackResult:
    status: int  # an HTTP status for the caller
    text: str


class Deliveries:
    def __init__(
        self,
        db: Database,
        telephony: Telephony,
        messaging: Messaging,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._db = db
        self._telephony = telephony
        self._messaging = messaging
        self._monotonic = monotonic
        self._due: dict[int, tuple[float, float]] = {}  # message row id -> (next check, delay)
        self._lock = threading.Lock()

    def on_callback(self, token: str, body: bytes) -> CallbackResult:
        """A status callback from Web21C; unknown tokens change nothing and answer 404."""
        with self._db.transaction() as tx:
            message = tx.messages.by_event_token(token) if token else None
        if message is None:
            return CallbackResult(404, "unknown callback")
        if len(body) > MAX_CALLBACK_BYTES:
            return CallbackResult(413, "callback body too large")
        try:
            status = _parse_callback(body)
        except ValueError as error:
            return CallbackResult(400, str(error))
        known_id = message.web21c_message_id
        if known_id and status[0] != known_id:
            return CallbackResult(400, "messageId does not match this callback's message")
        with self._db.transaction() as tx:
            recipients = {r.destination_uri for r in tx.messages.recipients(message.id)}
        if status[1].destination_uri not in recipients:
            return CallbackResult(400, "destinationUri is not a recipient of this message")
        self._messaging.settle(message, status[0], [status[1]])
        return CallbackResult(200, "ok")

    def poll(self, limit: int = 200) -> int:
        """Check the texts that are due; returns how many were checked."""
        with self._db.transaction() as tx:
            waiting = tx.messages.outbound_awaiting_delivery(limit=limit)
        now = self._monotonic()
        checked = 0
        for message in waiting:
            with self._lock:
                due, delay = self._due.get(message.id, (0.0, FIRST_DELAY / 2))
            if due > now:
                continue
            checked += 1
            try:
                statuses = self._telephony.get_message_delivery_statuses(message.web21c_message_id)
            except NotFound:
                log.warning(
                    "Web21C no longer knows text %s; its state stays as last seen",
                    message.web21c_message_id,
                )
                statuses = [
                    DeliveryStatus(uri, MessageStatus.FAILED)
                    for uri in self._pending_uris(message.id)
                ]
            changed = self._messaging.apply_statuses(message, statuses)
            next_delay = FIRST_DELAY if changed else min(delay * 2, MAX_DELAY)
            with self._lock:
                self._due[message.id] = (now + next_delay, next_delay)
        with self._lock:  # forget texts that are final now
            live = {m.id for m in waiting}
            for message_id in [k for k in self._due if k not in live]:
                del self._due[message_id]
        return checked

    def _pending_uris(self, message_id: int) -> list[str]:
        with self._db.transaction() as tx:
            return [
                r.destination_uri
                for r in tx.messages.recipients(message_id)
                if not r.status.is_final
            ]


def _parse_callback(body: bytes) -> tuple[str, DeliveryStatus]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("callback body is not JSON") from None
    except RecursionError:  # a few KB of "[[[[..." exhausts the decoder's stack
        raise ValueError("callback body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise ValueError("callback body must be a JSON object")
    fields = {}
    for key in ("messageId", "destinationUri", "messageStatus"):
        value = payload.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"callback needs {key} as a non-empty string")
        fields[key] = value
    try:
        status = MessageStatus(fields["messageStatus"])
    except ValueError:
        allowed = ", ".join(s.value for s in MessageStatus)
        raise ValueError(f"messageStatus must be one of {allowed}") from None
    return fields["messageId"], DeliveryStatus(fields["destinationUri"], status)
