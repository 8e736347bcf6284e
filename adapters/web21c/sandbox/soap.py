"""The sandbox's SOAP side: check a request every way Web21C would, run it, answer in kind.

Order of checks: well-formed (safe parser) -> a SOAP 1.1 envelope with one body element ->
signature (when required) -> the capability's namespace and a known operation -> SOAPAction ->
the schema -> party URIs. Each failure is a SOAP 1.1 fault naming the problem (faults.py
lists the codes). Every response is validated against the schema before it is sent.
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

from adapters.web21c import faults, safexml
from adapters.web21c.contract import SOAP_ENV_NS, Capability, validate
from adapters.web21c.sandbox.handlers import HANDLERS, Children, Request
from adapters.web21c.sandbox.state import Refused, SandboxState, UnknownId
from adapters.web21c.wsse import (
    WSA_NAMESPACES,
    SignatureRejected,
    addressing,
    verify_envelope,
)

log = logging.getLogger(__name__)


class SoapFault(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _fill(parent: etree._Element, children: Children, ns: str) -> None:
    for name, value in children:
        if value is None:
            continue
        child = etree.SubElement(parent, ns + name)
        if isinstance(value, list):
            _fill(child, value, ns)
        else:
            child.text = value


def response_envelope(capability: Capability, operation: str, children: Children) -> bytes:
    """The serialized response; raises SoapFault(Server) if it would break the contract."""
    ns = "{" + capability.namespace + "}"
    answer = etree.Element(ns + operation + "Response", nsmap={None: capability.namespace})
    _fill(answer, children, ns)
    problem = validate(capability, answer)
    if problem:
        log.error("sandbox built an invalid %s response: %s", operation, problem)
        raise SoapFault(faults.SERVER, f"the sandbox built an invalid response: {problem}")
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soap": SOAP_ENV_NS})
    etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body").append(answer)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class SoapEndpoint:
    """Answers SOAP requests for all four capabilities from one SandboxState."""

    def __init__(
        self,
        state: SandboxState,
        require_signature: bool = False,
        trusted_cert_der: bytes | None = None,
    ):
        self.state = state
        self.require_signature = require_signature
        self.trusted_cert_der = trusted_cert_der

    def handle(self, capability: Capability, data: bytes, soap_action: str | None) -> bytes:
        """The response envelope; raises SoapFault for anything that is not a valid request."""
        operation, request = self._read(capability, data, soap_action)
        handler = HANDLERS[(capability.name, operation)]
        try:
            children = handler(self.state, Request(request, capability.namespace))
        except UnknownId as error:
            raise SoapFault(faults.NOT_FOUND, str(error)) from None
        except Refused as error:
            raise SoapFault(faults.CLIENT, str(error)) from None
        return response_envelope(capability, operation, children)

    def _read(
        self, capability: Capability, data: bytes, soap_action: str | None
    ) -> tuple[str, Any]:
        try:
            root = safexml.parse(data)
        except safexml.UnsafeXml as error:
            raise SoapFault(faults.CLIENT, f"refused: {error}") from None
        except (safexml.XmlSyntaxError, ValueError) as error:
            raise SoapFault(faults.CLIENT, f"malformed XML: {error}") from None
        if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
            raise SoapFault(
                faults.CLIENT,
                f"not a SOAP 1.1 envelope: expected {{{SOAP_ENV_NS}}}Envelope, got {root.tag}",
            )
        body = root.find(f"{{{SOAP_ENV_NS}}}Body")
        elements = [] if body is None else [c for c in body if isinstance(c.tag, str)]
        if len(elements) != 1:
            raise SoapFault(faults.CLIENT, "the SOAP Body must hold exactly one element")
        if self.require_signature:
            try:
                verify_envelope(root, self.trusted_cert_der)
            except SignatureRejected as error:
                raise SoapFault(faults.PERMISSION_DENIED, str(error)) from None
        request = elements[0]
        qname = etree.QName(request)
        self._check_addressing(root, capability, qname.localname)
        if qname.namespace != capability.namespace:
            raise SoapFault(
                faults.CLIENT,
                f"wrong namespace for {qname.localname}: expected {capability.namespace}, "
                f"got {qname.namespace or 'none'}",
            )
        operation = qname.localname
        if operation not in capability.operations:
            known = ", ".join(capability.operations)
            raise SoapFault(
                faults.CLIENT, f"{capability.name} has no operation {operation!r} ({known})"
            )
        action = (soap_action or "").strip().strip('"')
        if action and action != capability.soap_action(operation):
            raise SoapFault(
                faults.CLIENT,
                f"SOAPAction {action!r} does not match the body; expected "
                f"{capability.soap_action(operation)!r}",
            )
        if len(request) == 0 and not (request.text or "").strip():
            request.text = None  # `<createConference>\n</createConference>`, as the seed sends it
        problem = validate(capability, request)
        if problem:
            raise SoapFault(faults.CLIENT, f"invalid {operation} request: {problem}")
        return operation, request

    def _check_addressing(self, root: Any, capability: Capability, operation: str) -> None:
        """WS-Addressing Action, when sent, names the operation; signed clients must send it
        with a MessageID, in the 2004/08 namespace (BT's SDK) or 2005/08 (WS-Addressing 1.0)."""
        header = root.find(f"{{{SOAP_ENV_NS}}}Header")
        action, message_id = addressing(header)
        if self.require_signature and not (action and message_id):
            raise SoapFault(
                faults.CLIENT,
                "wsa:Action and wsa:MessageID headers are required "
                "(WS-Addressing 2004/08 or 2005/08)",
            )
        expected = capability.soap_action(operation)
        sent = (
            [] if header is None else [header.findtext(f"{{{ns}}}Action") for ns in WSA_NAMESPACES]
        )
        for named in (a.strip() for a in sent if a is not None):
            if named != expected:
                raise SoapFault(
                    faults.CLIENT, f"wsa:Action {named!r} does not match; expected {expected!r}"
                )
