"""The Web21C contract as data: the four capabilities, their WSDL files and schemas.

Client and sandbox both read the WSDLs in `wsdl/` from disk (never over the network) and
validate bodies against the XML Schema embedded in each WSDL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

WSDL_DIR = Path(__file__).parent / "wsdl"
SDK_NS = "http://sdk.bt.com/2007/07/"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True)
class Capability:
    """One Web21C capability, e.g. "Session/ThirdPartyCall"."""

    name: str
    operations: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return SDK_NS + self.name

    @property
    def path(self) -> str:
        """The endpoint path under a base URL."""
        return f"/endpoint/{self.name}/2007/07"

    @property
    def wsdl_prefix(self) -> str:
        """BT's stem for the WSDL part names: "SessionThirdPartyCall" + "SoapBinding", ..."""
        return self.name.replace("/", "")

    @property
    def wsdl_file(self) -> Path:
        return WSDL_DIR / (self.name.replace("/", "_") + ".wsdl")

    def endpoint(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path

    def soap_action(self, operation: str) -> str:
        return f"{self.namespace}#{operation}"

    def qname(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    @property
    def schema(self) -> etree.XMLSchema:
        """The compiled schema, shared by every thread (validate() takes its lock)."""
        return _schema(self.name)

    def wsdl_text(self, base_url: str | None = None) -> bytes:
        """The WSDL, with the service address pointed at `base_url` when given."""
        tree = etree.parse(str(self.wsdl_file))
        if base_url is not None:
            for address in tree.iter(f"{{{WSDL_SOAP_NS}}}address"):
                address.set("location", self.endpoint(base_url))
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


INBOUND = Capability(
    "Messaging/Inbound",
    (
        "clearReceivedMessages",
        "getMessageDeliveryStatuses",
        "getReceivedMessages",
        "sendMessage",
        "sendMessageWithEventing",
    ),
)
ONE_WAY = Capability(
    "Messaging/OneWay", ("getMessageDeliveryStatuses", "sendMessage", "sendMessageWithEventing")
)
CONFERENCING = Capability(
    "Session/Conferencing",
    (
        "createConference",
        "disconnectParticipant",
        "endConference",
        "getConferenceInfo",
        "getParticipantInfo",
        "getParticipants",
        "inviteParticipant",
    ),
)
THIRD_PARTY_CALL = Capability(
    "Session/ThirdPartyCall", ("endCall", "getCallInformation", "makeCall")
)
CAPABILITIES: tuple[Capability, ...] = (INBOUND, ONE_WAY, CONFERENCING, THIRD_PARTY_CALL)
BY_PATH = {cap.path: cap for cap in CAPABILITIES}


@dataclass(frozen=True)
class _CompiledSchema:
    """A compiled schema and the lock its validations take: libxml2 lets threads share a
    compiled schema, but lxml keeps each XMLSchema's error log on the object itself, so a
    validation and the reading of its error must not interleave with another thread's."""

    schema: etree.XMLSchema
    lock: threading.Lock


def _compile_schema(capability: Capability) -> _CompiledSchema:
    wsdl = etree.parse(str(capability.wsdl_file))
    schema_element = wsdl.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    if schema_element is None:
        raise RuntimeError(f"{capability.wsdl_file} has no inline schema")
    schema = etree.XMLSchema(etree.fromstring(etree.tostring(schema_element)))
    return _CompiledSchema(schema, threading.Lock())


# Every schema, compiled once, when this module is first imported: before the client or
# the sandbox can serve or call anything, and under the import lock, so no two threads
# ever compile at once (compiling concurrently, in a fresh process, could fail with
# XMLSchemaParseError while libxml2 set up its built-in types).
_SCHEMAS: dict[str, _CompiledSchema] = {cap.name: _compile_schema(cap) for cap in CAPABILITIES}


def _schema(name: str) -> etree.XMLSchema:
    return _SCHEMAS[name].schema


def validate(capability: Capability, element: etree._Element) -> str | None:
    """None when `element` (a body child) is valid, else a one-line description of the fault."""
    compiled = _SCHEMAS[capability.name]
    with compiled.lock:
        if compiled.schema.validate(element):  # lxml validates a subtree in place, no copy
            return None
        error = compiled.schema.error_log.last_error
        message = error.message if error else None
    return _describe(message) if message else "does not match the schema"


def _describe(message: str) -> str:
    """lxml's message without the namespace noise: names stay readable in a fault string."""
    for capability in CAPABILITIES:
        message = message.replace("{" + capability.namespace + "}", "")
    return message
