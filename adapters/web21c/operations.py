"""Calling one capability's operations: build with zeep, sign, send, read, retry reads.

zeep turns keyword arguments into a request envelope exactly as the WSDL says; the response
is read by envelope.py with lxml (much faster than zeep's object mapping for long lists, and
still validated against the same schema).
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
from bot.core.domain import InvalidArgument, ServiceUnavailable

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

        `retry` is for reads only: a ServiceUnavailable is retried with exponential backoff.
        Writes (sendMessage*, makeCall, createConference, inviteParticipant) are sent once.
        """
        envelope = self.build(operation, **params)
        attempts = 1 + (self._read_retries if retry else 0)
        for attempt in range(attempts):
            try:
                status, data = self._transport.post(
                    self.url, self.capability.soap_action(operation), envelope
                )
                return read_response(self.capability, operation, status, data)
            except ServiceUnavailable as error:
                if attempt + 1 >= attempts:
                    raise
                delay = self._retry_backoff * (2**attempt)
                log.info("%s: %s; retrying in %.2fs", operation, error.fault_string, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def build(self, operation: str, **params: Any) -> bytes:
        """The serialized (and, with a signer, signed) request envelope."""
        try:
            envelope = self._zeep.create_message(self._service, operation, **params)
        except (zeep.exceptions.Error, TypeError, ValueError) as error:
            raise InvalidArgument(f"{operation}: {error}") from None
        if self._signer is not None:
            self._signer.sign(envelope, self.capability.soap_action(operation), self.url)
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
