"""WS-Security as Web21C used it: sign Timestamp and Body, carry the certificate.

Each request gets a `wsse:Security` header holding a `wsu:Timestamp` (Expires = Created +
3600 s), an XML-DSig signature (exclusive C14N, RSA-SHA1, SHA1 digests) over the Timestamp and
the Body, and the signer's X.509 certificate as a BinarySecurityToken, plus WS-Addressing
Action and MessageID headers. `Signer` is the client's half, `verify_envelope` the sandbox's.

By default the client lays a request out as BT's own SDK did (`Layout.BT_SDK`, what BT's
servers expected): WS-Addressing 2004/08 with ReplyTo and no To, an `agent` header naming the
sender, Signature before Timestamp before the token (wsu:Id "CERTID"), bare GUIDs as Ids, no
mustUnderstand. `Layout.WSA_1_0` is the alternative: WS-Addressing 1.0 (2005/08) with To,
token and Timestamp before the Signature, mustUnderstand on the Security header. Verification
accepts either.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from enum import Enum
from importlib import metadata
from pathlib import Path

import xmlsec
from lxml import etree

from adapters.web21c.contract import SOAP_ENV_NS

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA_2004_NS = "http://schemas.xmlsoap.org/ws/2004/08/addressing"  # what BT's SDK sent
WSA_2005_NS = "http://www.w3.org/2005/08/addressing"  # WS-Addressing 1.0
WSA_NAMESPACES = (WSA_2004_NS, WSA_2005_NS)
WSA_NS = WSA_2004_NS  # the client's default
SDK_AGENT_NS = "http://sdk.bt.com/2007/04/SDK"
CERT_ID = "CERTID"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
X509_VALUE_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
BASE64_ENCODING = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
TIMESTAMP_LIFETIME = timedelta(seconds=3600)
_WSU_ID = f"{{{WSU_NS}}}Id"


class Layout(Enum):
    """How a signed request is laid out (see the module docstring)."""

    BT_SDK = "bt-sdk"
    WSA_1_0 = "wsa-1.0"


def _agent() -> str:
    """Names this client in the `agent` header, as BT's SDK named itself."""
    try:
        return f"web21c-bridge/{metadata.version('web21c-bridge')}"
    except metadata.PackageNotFoundError:
        return "web21c-bridge"


AGENT = _agent()


class SignatureRejected(ValueError):
    """A request whose signature is missing, stale, incomplete or does not verify."""


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pem_to_der(pem: bytes) -> bytes:
    """The DER bytes of the first certificate in a PEM file."""
    text = pem.decode("ascii", errors="replace")
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    if begin not in text or end not in text:
        raise ValueError("no PEM certificate found")
    body = text.split(begin, 1)[1].split(end, 1)[0]
    return base64.b64decode("".join(body.split()))


class Signer:
    """Signs envelopes with one application key pair. Thread-safe: no state changes after init."""

    def __init__(self, key_file: str | Path, cert_file: str | Path, layout: Layout = Layout.BT_SDK):
        self._key_pem = Path(key_file).read_bytes()
        self._cert_der = pem_to_der(Path(cert_file).read_bytes())
        self.layout = layout
        xmlsec.Key.from_memory(self._key_pem, xmlsec.KeyFormat.PEM)  # fail early on a bad key

    def sign(self, envelope: etree._Element, action: str, to: str | None = None) -> None:
        """Adds the WS-Addressing and WS-Security headers to `envelope` and signs it in place.

        `to` (the endpoint) is sent only in the WS-Addressing 1.0 layout; BT's SDK sent none.
        """
        bt = self.layout is Layout.BT_SDK
        header = _ensure_header(envelope)
        if bt:
            add_bt_sdk_addressing(header, action)
        else:
            add_addressing(header, action, to)
        security = etree.SubElement(header, f"{{{WSSE_NS}}}Security", nsmap={"wsse": WSSE_NS})
        if not bt:
            security.set(f"{{{SOAP_ENV_NS}}}mustUnderstand", "1")
        token_id = CERT_ID if bt else f"X509-{uuid.uuid4().hex}"
        token = etree.SubElement(
            security,
            f"{{{WSSE_NS}}}BinarySecurityToken",
            EncodingType=BASE64_ENCODING,
            ValueType=X509_VALUE_TYPE,
            nsmap={"wsu": WSU_NS},
        )
        token.set(_WSU_ID, token_id)
        token.text = base64.b64encode(self._cert_der).decode("ascii")
        timestamp = _add_timestamp(security, str(uuid.uuid4()) if bt else None)
        body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
        if body is None:
            raise ValueError("envelope has no Body")
        fresh_id = str(uuid.uuid4()) if bt else f"Body-{uuid.uuid4().hex}"
        body.set(_WSU_ID, body.get(_WSU_ID) or fresh_id)

        signature = xmlsec.template.create(
            envelope, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA1, ns="ds"
        )
        if bt:
            security.insert(0, signature)  # Signature, Timestamp, BinarySecurityToken
            security.append(token)
        else:
            security.append(signature)  # BinarySecurityToken, Timestamp, Signature
        for target in (timestamp, body):
            ref = xmlsec.template.add_reference(
                signature, xmlsec.Transform.SHA1, uri="#" + target.get(_WSU_ID)
            )
            xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        key_info = xmlsec.template.ensure_key_info(signature)
        reference_holder = etree.SubElement(key_info, f"{{{WSSE_NS}}}SecurityTokenReference")
        reference = etree.SubElement(
            reference_holder, f"{{{WSSE_NS}}}Reference", URI="#" + token_id
        )
        if not bt:
            reference.set("ValueType", X509_VALUE_TYPE)

        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_memory(self._key_pem, xmlsec.KeyFormat.PEM)
        for target in (timestamp, body):
            context.register_id(target, "Id", WSU_NS)
        context.sign(signature)


def add_bt_sdk_addressing(header: etree._Element, action: str) -> None:
    """WS-Addressing 2004/08 Action, MessageID and an anonymous ReplyTo, then the `agent`."""
    nsmap = {"wsa": WSA_2004_NS}
    etree.SubElement(header, f"{{{WSA_2004_NS}}}Action", nsmap=nsmap).text = action
    message_id = etree.SubElement(header, f"{{{WSA_2004_NS}}}MessageID", nsmap=nsmap)
    message_id.text = f"urn:uuid:{uuid.uuid4()}"
    reply_to = etree.SubElement(header, f"{{{WSA_2004_NS}}}ReplyTo", nsmap=nsmap)
    address = etree.SubElement(reply_to, f"{{{WSA_2004_NS}}}Address")
    address.text = WSA_2004_NS + "/role/anonymous"
    agent = etree.SubElement(header, f"{{{SDK_AGENT_NS}}}agent", nsmap={"sdk": SDK_AGENT_NS})
    agent.text = AGENT


def add_addressing(header: etree._Element, action: str, to: str | None) -> None:
    """WS-Addressing 1.0 Action and a fresh MessageID (and To, when known)."""
    nsmap = {"wsa": WSA_2005_NS}
    etree.SubElement(header, f"{{{WSA_2005_NS}}}Action", nsmap=nsmap).text = action
    message_id = etree.SubElement(header, f"{{{WSA_2005_NS}}}MessageID", nsmap=nsmap)
    message_id.text = f"urn:uuid:{uuid.uuid4()}"
    if to:
        etree.SubElement(header, f"{{{WSA_2005_NS}}}To", nsmap=nsmap).text = to


def addressing(header: etree._Element | None) -> tuple[str | None, str | None]:
    """(Action, MessageID) from whichever WS-Addressing namespace carries both, 2004/08 first;
    else whatever Action was sent and no MessageID."""
    if header is None:
        return None, None
    action = None
    for namespace in WSA_NAMESPACES:
        found = header.findtext(f"{{{namespace}}}Action")
        message_id = header.findtext(f"{{{namespace}}}MessageID")
        if found is not None and message_id:
            return found, message_id
        action = action if action is not None else found
    return action, None


def _ensure_header(envelope: etree._Element) -> etree._Element:
    header = envelope.find(f"{{{SOAP_ENV_NS}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV_NS}}}Header")
        envelope.insert(0, header)
    return header


def _add_timestamp(security: etree._Element, timestamp_id: str | None) -> etree._Element:
    created = _now()
    timestamp = etree.SubElement(security, f"{{{WSU_NS}}}Timestamp", nsmap={"wsu": WSU_NS})
    timestamp.set(_WSU_ID, timestamp_id or f"TS-{uuid.uuid4().hex}")
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Created").text = _stamp(created)
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Expires").text = _stamp(created + TIMESTAMP_LIFETIME)
    return timestamp


def verify_envelope(envelope: etree._Element, trusted_cert_der: bytes | None = None) -> None:
    """Raises SignatureRejected unless Timestamp and Body are signed by the enclosed certificate.

    With `trusted_cert_der`, the enclosed certificate must be exactly that one; without it any
    certificate is accepted (a sandbox has no CA), but the signature must still verify.
    """
    security = envelope.find(f"{{{SOAP_ENV_NS}}}Header/{{{WSSE_NS}}}Security")
    if security is None:
        raise SignatureRejected("request is not signed: no wsse:Security header")
    body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
    timestamp = security.find(f"{{{WSU_NS}}}Timestamp")
    signature = security.find(f"{{{DS_NS}}}Signature")
    token = security.find(f"{{{WSSE_NS}}}BinarySecurityToken")
    if body is None or timestamp is None or signature is None or token is None:
        raise SignatureRejected(
            "wsse:Security must hold a BinarySecurityToken, a Timestamp and a Signature"
        )
    _check_timestamp(timestamp)
    signed = {
        ref.get("URI") for ref in signature.iterfind(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")
    }
    for name, element in (("Body", body), ("Timestamp", timestamp)):
        if not element.get(_WSU_ID) or "#" + element.get(_WSU_ID) not in signed:
            raise SignatureRejected(f"the signature does not cover the {name}")
    try:
        der = base64.b64decode("".join((token.text or "").split()), validate=True)
        key = xmlsec.Key.from_memory(der, xmlsec.KeyFormat.CERT_DER)
    except (ValueError, xmlsec.Error):
        raise SignatureRejected("the BinarySecurityToken is not an X.509 certificate") from None
    if trusted_cert_der is not None and der != trusted_cert_der:
        raise SignatureRejected("the certificate is not the one this service trusts")
    context = xmlsec.SignatureContext()
    context.key = key
    for element in (body, timestamp):
        context.register_id(element, "Id", WSU_NS)
    try:
        context.verify(signature)
    except xmlsec.Error:
        raise SignatureRejected("the signature does not verify (tampered or wrong key)") from None


def _check_timestamp(timestamp: etree._Element) -> None:
    try:
        created = datetime.fromisoformat(timestamp.findtext(f"{{{WSU_NS}}}Created") or "")
        expires = datetime.fromisoformat(timestamp.findtext(f"{{{WSU_NS}}}Expires") or "")
    except ValueError:
        raise SignatureRejected("the Timestamp is malformed") from None
    if created.tzinfo is None or expires.tzinfo is None:
        raise SignatureRejected("the Timestamp must be in UTC")
    now = _now()
    if expires <= now:
        raise SignatureRejected("the Timestamp has expired")
    if created > now + timedelta(minutes=5):
        raise SignatureRejected("the Timestamp was created in the future")
