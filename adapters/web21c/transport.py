"""HTTP for SOAP: one pooled requests.Session, (connect, read) timeouts, bounded bodies.

Every way the network can fail comes out as bot.core.domain.ServiceUnavailable; requests' own
exceptions never escape. Which kind says whether Web21C may have the request:

- ServiceUnavailable: it certainly never got it (connection refused, connect timeout, name or
  TLS failure before any byte of the request went out);
- OutcomeUnknown (a ServiceUnavailable): it went out and no complete answer came back (read
  timeout, reset or close while waiting or reading, a body cut short, too large or too slow).
  Any failure not known to happen before sending counts as this one.

Nothing is retried here (urllib3's retries are off): operations.py decides, by operation.
"""

from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from bot.core.domain import OutcomeUnknown, ServiceUnavailable
from bot.observability.logs import redact_url
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
        """(HTTP status, body). Raises ServiceUnavailable when the request never left, and
        OutcomeUnknown when it left but no complete answer arrived."""
        operation = soap_action.rpartition("#")[2] or "unknown"
        started = time.perf_counter()
        try:
            status, body = self._post(url, soap_action, envelope)
        except ServiceUnavailable as error:
            lost = "answer_lost" if isinstance(error, OutcomeUnknown) else "no_answer"
            observe_soap_call(operation, time.perf_counter() - started, lost)
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
        except requests.RequestException as error:
            if never_sent(error):
                raise ServiceUnavailable(
                    f"Web21C could not be reached ({redact_url(url)}): {type(error).__name__}"
                ) from None
            if isinstance(error, requests.Timeout):
                raise OutcomeUnknown(f"Web21C did not answer in time ({redact_url(url)})") from None
            raise OutcomeUnknown(
                f"Web21C's answer was lost ({redact_url(url)}): {type(error).__name__}"
            ) from None

    def _read_body(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise OutcomeUnknown(f"Web21C response too large ({declared} bytes)")
        deadline = time.monotonic() + self.timeout[1]
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise OutcomeUnknown(
                    f"Web21C response too large (over {self.max_response_bytes} bytes)"
                )
            if time.monotonic() > deadline:
                raise OutcomeUnknown("Web21C response arrived too slowly")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.session.close()


def never_sent(error: requests.RequestException) -> bool:
    """True when the request certainly did not leave: no connection was made (refused,
    unreachable, name not found, connect timeout), TLS failed before any request byte, or
    the URL was unusable. Anything else may have reached Web21C."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    unusable = (
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        requests.exceptions.URLRequired,
    )
    if isinstance(error, unusable):
        return True
    if isinstance(error, requests.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), NewConnectionError)
    return False
