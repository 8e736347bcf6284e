"""SOAP 1.1 faults: the faultcodes the sandbox sends and the errors the client makes of them.

Web21C declared no wsdl:fault; errors were plain SOAP faults. The mapping, by the local part
of the faultcode (any namespace prefix ignored):

    ...PermissionDeniedException   -> PermissionDenied   (signature/certificate problems;
        the sandbox sends `sdk:PermissionDeniedException`, matching BT's SDK pattern
        `.*:PermissionDeniedException`; the older `soap:Client.PermissionDeniedException` is
        still understood)
    Client.NotFound                -> NotFound           (unknown callId, conferenceId, ...)
    Client, Client.<anything else> -> InvalidArgument    (malformed or invalid request)
    Server, Server.<anything>, any other code -> ServiceFailure
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from bot.core.domain import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceFailure,
    TelephonyError,
)

CLIENT = "Client"
NOT_FOUND = "Client.NotFound"
PERMISSION_DENIED = "PermissionDeniedException"  # sent in SDK_FAULT_NS, not soap:
SDK_FAULT_NS = "http://sdk.bt.com/2007/04/SDK"
SERVER = "Server"
MAX_FAULT_TEXT = 300  # a fault string reaches people (bot.services.telephony_errors)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")


def readable(text: str, limit: int = MAX_FAULT_TEXT) -> str:
    """A service's words made safe to show: control characters and runs of whitespace
    become one space, and anything past `limit` characters is cut (a hostile or broken
    server can send megabytes, or terminal escapes, as a fault string)."""
    text = _UNPRINTABLE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_for_fault(faultcode: str, faultstring: str) -> TelephonyError:
    """The bot.core.domain error for a fault, carrying the service's fault string."""
    local = faultcode.rsplit(":", 1)[-1].strip()
    message = readable(faultstring) or readable(local) or "SOAP fault"
    if local.endswith("PermissionDeniedException"):
        return PermissionDenied(message)
    if local == NOT_FOUND:
        return NotFound(message)
    if local == CLIENT or local.startswith(CLIENT + "."):
        return InvalidArgument(message)
    return ServiceFailure(message)


def fault_envelope(code: str, message: str) -> bytes:
    """A SOAP 1.1 fault envelope; `code` is a local code such as "Client.NotFound"."""
    faultcode = (
        f'<faultcode xmlns:sdk="{SDK_FAULT_NS}">sdk:{code}</faultcode>'
        if code == PERMISSION_DENIED
        else f"<faultcode>soap:{escape(code)}</faultcode>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soap:Body><soap:Fault>"
        f"{faultcode}"
        f"<faultstring>{escape(message)}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()
