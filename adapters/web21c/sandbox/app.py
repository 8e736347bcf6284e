"""The sandbox as a WSGI app: SOAP endpoints, WSDLs, the admin API and fault injection.

`Sandbox(options).wsgi_app` can be mounted in another server (the bridge does this when
WEB21C_ENDPOINT is unset); `start_sandbox()` serves it on its own HTTP server thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.web21c import faults
from adapters.web21c.contract import BY_PATH, CAPABILITIES, Capability
from adapters.web21c.sandbox import views
from adapters.web21c.sandbox.admin import AdminApi
from adapters.web21c.sandbox.clock import SimClock
from adapters.web21c.sandbox.eventing import EventNotifier
from adapters.web21c.sandbox.faultinjection import FaultInjection
from adapters.web21c.sandbox.soap import SoapEndpoint, SoapFault
from adapters.web21c.sandbox.state import DEFAULT_SERVICE_URI, SandboxState
from adapters.web21c.wsse import pem_to_der
from bot.http.server import HttpServer

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class SandboxOptions:
    """speed: simulated seconds per real second. reply_keyword: how the echo number's replies
    start. trusted_cert_file: with require_signature, only this certificate is accepted."""

    speed: float = 1.0
    require_signature: bool = False
    reply_keyword: str = "bridge"
    trusted_cert_file: str | Path | None = None
    service_uri: str = DEFAULT_SERVICE_URI
    max_request_bytes: int = MAX_REQUEST_BYTES
    event_interval: float = 0.05


class Sandbox:
    """One simulated Web21C: state, clock, faults, and the WSGI app that serves them."""

    def __init__(self, options: SandboxOptions | None = None):
        self.options = options or SandboxOptions()
        self.clock = SimClock(self.options.speed)
        self.state = SandboxState(self.clock, self.options.reply_keyword, self.options.service_uri)
        self.faults = FaultInjection()
        trusted = (
            pem_to_der(Path(self.options.trusted_cert_file).read_bytes())
            if self.options.trusted_cert_file
            else None
        )
        self.soap = SoapEndpoint(self.state, self.options.require_signature, trusted)
        self.notifier = EventNotifier(self.state, interval=self.options.event_interval)
        self.admin = AdminApi(self.state, self.faults, self.notifier)
        self._wsdl_cache: dict[tuple[str, str], bytes] = {}
        self.notifier.start()

    # Conveniences for tests and other in-process users.
    def advance(self, seconds: float) -> None:
        """Move simulated time forward, then send any status events that became due."""
        self.clock.advance(seconds)
        self.notifier.deliver_due()

    def calls(self) -> list[dict[str, Any]]:
        return views.calls(self.state)

    def conferences(self) -> list[dict[str, Any]]:
        return views.conferences(self.state)

    def messages(self) -> list[dict[str, Any]]:
        return views.messages(self.state)

    def inbound(self) -> dict[str, list[dict[str, Any]]]:
        return views.inbound(self.state)

    def close(self) -> None:
        self.notifier.stop()

    # WSGI
    def wsgi_app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path.startswith("/sandbox/") or path == "/sandbox":
                status, value = self.admin.handle(method, path, _body(environ, 64 * 1024 + 1))
                return _reply(
                    start_response, status, json.dumps(value).encode(), "application/json"
                )
            capability = BY_PATH.get(path.rstrip("/"))
            if capability is not None:
                return self._soap(capability, environ, start_response)
            if path == "/":
                return _reply(start_response, 200, _index(environ), "text/plain; charset=utf-8")
            return _reply(start_response, 404, b"not found\n", "text/plain; charset=utf-8")
        except Exception:  # a bug must still answer, never hang the client
            log.exception("sandbox failed on %s %s", method, path)
            fault = faults.fault_envelope(faults.SERVER, "internal sandbox error")
            return _reply(start_response, 500, fault, "text/xml; charset=utf-8")

    __call__ = wsgi_app

    def _soap(
        self, capability: Capability, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET" and environ.get("QUERY_STRING", "").lower() in ("wsdl", "wsdl="):
            wsdl = self._wsdl(capability, _base_url(environ))
            return _reply(start_response, 200, wsdl, "text/xml; charset=utf-8")
        if method != "POST":
            text = b"POST SOAP 1.1 requests here; GET ?wsdl for the WSDL\n"
            return _reply(
                start_response, 405, text, "text/plain; charset=utf-8", [("Allow", "POST")]
            )
        injected = self.faults.current()
        if injected.down:
            text = b"Web21C sandbox is down (fault injection)\n"
            return _reply(start_response, 503, text, "text/plain; charset=utf-8")
        if injected.latency_ms:
            time.sleep(injected.latency_ms / 1000)
        limit = self.options.max_request_bytes
        data = _body(environ, limit + 1)
        try:
            if len(data) > limit:
                raise SoapFault(faults.CLIENT, f"request larger than {limit} bytes")
            if self.faults.roll_fault(injected.fault_rate):
                raise SoapFault(faults.SERVER, "injected fault (fault_rate)")
            answer = self.soap.handle(capability, data, environ.get("HTTP_SOAPACTION"))
        except SoapFault as fault:
            envelope = faults.fault_envelope(fault.code, fault.message)
            return _reply(start_response, 500, envelope, "text/xml; charset=utf-8")
        return _reply(start_response, 200, answer, "text/xml; charset=utf-8")

    def _wsdl(self, capability: Capability, base_url: str) -> bytes:
        key = (capability.name, base_url)
        if key not in self._wsdl_cache:
            self._wsdl_cache[key] = capability.wsdl_text(base_url)
        return self._wsdl_cache[key]


def _body(environ: dict[str, Any], limit: int) -> bytes:
    """At most `limit` bytes of the request body."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    size = min(int(length), limit) if length.isdigit() else limit
    return stream.read(size)


def _base_url(environ: dict[str, Any]) -> str:
    host = environ.get("HTTP_HOST") or (
        f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    )
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"


def _index(environ: dict[str, Any]) -> bytes:
    base = _base_url(environ)
    lines = ["Web21C sandbox (web21c-bridge). Endpoints:"]
    lines += [f"  {cap.endpoint(base)}  (WSDL: ?wsdl)" for cap in CAPABILITIES]
    lines.append(f"  {base}/sandbox/  (admin API; see docs/web21c-sandbox.md)")
    return ("\n".join(lines) + "\n").encode()


def _reply(
    start_response: StartResponse,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    reasons |= {500: "Internal Server Error", 503: "Service Unavailable"}
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reasons.get(status, 'Unknown')}", headers + (extra or []))
    return [body]


class RunningSandbox:
    """A sandbox served over HTTP on a background thread; `url` is its base URL."""

    def __init__(self, sandbox: Sandbox, server: HttpServer):
        self.sandbox = sandbox
        self.server = server
        self.url = server.url

    def stop(self) -> None:
        self.server.stop()
        self.sandbox.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, options: SandboxOptions | None = None
) -> RunningSandbox:
    """Serve a new Sandbox on host:port (port 0 picks a free one) and return it running."""
    sandbox = Sandbox(options)
    server = HttpServer(sandbox.wsgi_app, host, port, name="web21c-sandbox")
    return RunningSandbox(sandbox, server.start())
