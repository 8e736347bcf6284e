"""HTTP for SOAP: one pooled requests.Session, (connect, read) timeouts, bounded bodies.

Every way the network can fail (refused, reset, timed out, a body too large or too slow)
comes out as bot.core.domain.ServiceUnavailable; requests' own exceptions never escape.
"""

from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter

from bot.core.domain import ServiceUnavailable
from bot.observability.metrics import observe_soap_call

DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class SoapTransport:
    """POSTs envelopes. Thread-safe: requests' connection pool hands each thread a connection."""

    def __init__(
        self,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        *,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        pool_size: int = 16,
    ):
        self.timeout = (connect_timeout, read_timeout)
        self.max_response_bytes = max_response_bytes
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def post(self, url: str, soap_action: str, envelope: bytes) -> tuple[int, bytes]:
        """(HTTP status, body). Raises ServiceUnavailable when no complete answer arrives."""
        operation = soap_action.rpartition("#")[2] or "unknown"
        started = time.perf_counter()
        try:
            status, body = self._post(url, soap_action, envelope)
        except ServiceUnavailable:
            observe_soap_call(operation, time.perf_counter() - started, "no_answer")
            raise
        outcome = "answered" if status < 300 else "fault" if status == 500 else f"http_{status}"
        observe_soap_call(operation, time.perf_counter() - started, outcome)
        return status, body

    def _post(self, url: str, soap_action: str, envelope: bytes) -> tuple[int, bytes]:
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{soap_action}"',
            "Accept": "text/xml",
        }
        try:
            with self.session.post(
                url, data=envelope, headers=headers, timeout=self.timeout, stream=True
            ) as response:
                return response.status_code, self._read_body(response)
        except requests.Timeout:
            raise ServiceUnavailable(f"Web21C did not answer in time ({url})") from None
        except requests.RequestException as error:
            raise ServiceUnavailable(
                f"Web21C could not be reached ({url}): {type(error).__name__}"
            ) from None

    def _read_body(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise ServiceUnavailable(f"Web21C response too large ({declared} bytes)")
        deadline = time.monotonic() + self.timeout[1]
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise ServiceUnavailable(
                    f"Web21C response too large (over {self.max_response_bytes} bytes)"
                )
            if time.monotonic() > deadline:
                raise ServiceUnavailable("Web21C response arrived too slowly")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.session.close()
