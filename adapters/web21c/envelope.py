"""Reading a SOAP response: a fault becomes a typed error, anything else must be valid.

The body is parsed with the safe parser and the operation's response element is validated
against the capability's schema, so what reaches results.py has the contract's shape.
"""

from __future__ import annotations

from lxml import etree

from adapters.web21c import safexml
from adapters.web21c.contract import SOAP_ENV_NS, Capability, validate
from adapters.web21c.faults import error_for_fault, readable
from bot.core.domain import ServiceUnavailable


def read_response(
    capability: Capability, operation: str, status: int, data: bytes
) -> etree._Element:
    """The `<operation>Response` element, or the error the response stands for."""
    try:
        root = safexml.parse(data)
    except safexml.UnsafeXml:
        raise ServiceUnavailable("Web21C response refused: it declares a DTD") from None
    except (safexml.XmlSyntaxError, ValueError):
        reason = f"HTTP {status}" if status != 200 else "the response is not XML"
        raise ServiceUnavailable(f"Web21C {operation} failed: {reason}") from None
    body = root.find(f"{{{SOAP_ENV_NS}}}Body") if root.tag == f"{{{SOAP_ENV_NS}}}Envelope" else None
    if body is None:
        reason = f"HTTP {status}" if status != 200 else "the response is not a SOAP envelope"
        raise ServiceUnavailable(f"Web21C {operation} failed: {reason}")
    fault = body.find(f"{{{SOAP_ENV_NS}}}Fault")
    if fault is not None:
        raise error_for_fault(
            (fault.findtext("faultcode") or "").strip(), (fault.findtext("faultstring") or "")
        )
    if status != 200:
        raise ServiceUnavailable(f"Web21C {operation} failed: HTTP {status}")
    expected = capability.qname(operation + "Response")
    answer = body.find(expected)
    if answer is None:
        raise ServiceUnavailable(f"Web21C {operation} failed: no {operation}Response in the body")
    problem = validate(capability, answer)
    if problem:
        raise ServiceUnavailable(
            f"Web21C {operation} answered outside the contract: {readable(problem)}"
        )
    return answer
