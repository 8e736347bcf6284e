"""Calling one capability's operations: build with zeep, sign, send, read, retry reads.

zeep turns keyword arguments into a request envelope exactly as the WSDL says; the response
is read by envelope.py with lxml (much faster than zeep's object mapping for long lists, and
still validated against the same schema).

Reads are retried; writes are sent once, and a write whose answer is missing or unusable is
an OutcomeUnknown, not a failure (see `declined` and transport.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import zeep
import zeep.exceptions
from lxml import etree

from adapters.web21c.contract import Capability
from adapters.web21c.envelope import read_response
from adapters.web21c.transport import SoapTransport
from adapters.web21c.wsse import Signer
from bot.core.domain import InvalidArgument, OutcomeUnknown, ServiceUnavailable

log = logging.getLogger(__name__)

_ZEEP_SETTINGS = zeep.Settings(
    strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True
)


class OperationCaller:
    """One capability's endpoint. Built once and shared by threads (nothing mutates after init)."""

    def __init__(
        self,
        capability: Capability,
        base_url: str,
        transport: SoapTransport,
        signer: Signer | None = None,
        *,
        read_retries: int = 3,
        retry_backoff: float = 0.2,
    ):
        self.capability = capability
        self.url = capability.endpoint(base_url)
        self._transport = transport
        self._signer = signer
        self._read_retries = max(0, read_retries)
        self._retry_backoff = max(0.0, retry_backoff)
        self._zeep = zeep.Client(str(capability.wsdl_file), settings=_ZEEP_SETTINGS)
        self._service = self._zeep.service

    def call(self, operation: str, *, retry: bool, **params: Any) -> etree._Element:
        """The validated `<operation>Response` element.

        `retry` is for reads only: a ServiceUnavailable is retried with exponential backoff,
        and a read never raises OutcomeUnknown (asking again is harmless). Writes
        (sendMessage*, makeCall, createConference, inviteParticipant, endCall, ...) are sent
        once; see `declined` and transport.py for when they raise OutcomeUnknown.
        """
        envelope = self.build(operation, **params)
        if not retry:
            return self._write(operation, envelope)
        attempts = 1 + self._read_retries
        for attempt in range(attempts):
            try:
                return self._exchange(operation, envelope)
            except ServiceUnavailable as error:
                if attempt + 1 >= attempts:
                    raise ServiceUnavailable(error.fault_string) from None
                delay = self._retry_backoff * (2**attempt)
                log.info("%s: %s; retrying in %.2fs", operation, error.fault_string, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _exchange(self, operation: str, envelope: bytes) -> etree._Element:
        status, data = self._transport.post(
            self.url, self.capability.soap_action(operation), envelope
        )
        try:
            return read_response(self.capability, operation, status, data)
        except ServiceUnavailable as error:
            if declined(status):
                raise
            raise OutcomeUnknown(f"{error.fault_string} (it may have been carried out)") from None

    def _write(self, operation: str, envelope: bytes) -> etree._Element:
        try:
            return self._exchange(operation, envelope)
        except OutcomeUnknown as error:
            log.warning("%s: outcome unknown (%s); not retried", operation, error.fault_string)
            raise

    def build(self, operation: str, **params: Any) -> bytes:
        """The serialized (and, with a signer, signed) request envelope."""
        try:
            envelope = self._zeep.create_message(self._service, operation, **params)
        except (zeep.exceptions.Error, TypeError, ValueError) as error:
            raise InvalidArgument(f"{operation}: {error}") from None
        if self._signer is not None:
            self._signer.sign(envelope, self.capability.soap_action(operation), self.url)
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def declined(status: int) -> bool:
    """Whether an HTTP status without a usable SOAP answer says the request was not taken.

    A SOAP fault (any status) is Web21C's own word and never gets here: envelope.py raises
    its typed error. Without one, 4xx (wrong path, too large, too many requests) and 503 (the
    server, or a gateway in front of it, declining work) mean it was not carried out; 200 or
    any other 5xx (a gateway's 502/504, a crash's 500 with a body that is no SOAP fault), or
    an answer outside the contract, leave the outcome unknown.
    """
    return 400 <= status < 500 or status == 503
