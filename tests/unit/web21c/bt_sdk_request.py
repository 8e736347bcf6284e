"""A request laid out and signed the way BT's PHP SDK did it, written without our Signer.

Tests use it to show the sandbox accepts what BT's own SDK sent: WS-Addressing 2004/08 (Action,
MessageID, ReplyTo, no To), an `agent` header in the SDK namespace, and inside wsse:Security
the order Signature, Timestamp, BinarySecurityToken (wsu:Id "CERTID"), no mustUnderstand,
bare GUIDs as Ids; exclusive C14N, RSA-SHA1, SHA1 digests over Timestamp and Body.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import xmlsec
from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSA_2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
SDK_AGENT_NS = "http://sdk.bt.com/2007/04/SDK"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
X509 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

_TEMPLATE = """<soap:Envelope xmlns:soap="{soap}" xmlns:wsa="{wsa}" xmlns:wsse="{wsse}"
    xmlns:wsu="{wsu}">
  <soap:Header>
    <wsa:Action>{action}</wsa:Action>
    <wsa:MessageID>uuid:{message_id}</wsa:MessageID>
    <wsa:ReplyTo><wsa:Address>{wsa}/role/anonymous</wsa:Address></wsa:ReplyTo>
    <sdk:agent xmlns:sdk="{agent_ns}">BT SDK PHP 2007 (test copy)</sdk:agent>
    <wsse:Security>
      <wsu:Timestamp wsu:Id="{timestamp_id}">
        <wsu:Created>{created}</wsu:Created>
        <wsu:Expires>{expires}</wsu:Expires>
      </wsu:Timestamp>
      <wsse:BinarySecurityToken EncodingType="{base64}" ValueType="{x509}"
          wsu:Id="CERTID">{certificate}</wsse:BinarySecurityToken>
    </wsse:Security>
  </soap:Header>
  <soap:Body wsu:Id="{body_id}">{body}</soap:Body>
</soap:Envelope>"""


def _der(cert_file: Path) -> bytes:
    text = cert_file.read_text()
    inner = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(inner.split()))


def bt_sdk_request(
    key_file: Path, cert_file: Path, action: str, body: str, *, timestamp_first: bool = False
) -> bytes:
    """The signed envelope; `timestamp_first` moves the Signature after the Timestamp."""
    created = datetime.now(UTC).replace(microsecond=0)
    text = _TEMPLATE.format(
        soap=SOAP, wsa=WSA_2004, wsse=WSSE, wsu=WSU, agent_ns=SDK_AGENT_NS, action=action,
        message_id=uuid.uuid4(), timestamp_id=uuid.uuid4(), body_id=uuid.uuid4(),
        created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        expires=(created + timedelta(seconds=3600)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        base64=BASE64, x509=X509, body=body,
        certificate=base64.b64encode(_der(cert_file)).decode(),
    )  # fmt: skip
    envelope = etree.fromstring(text.encode())
    security = envelope.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security")
    timestamp = security.find(f"{{{WSU}}}Timestamp")
    signed_body = envelope.find(f"{{{SOAP}}}Body")
    signature = xmlsec.template.create(
        envelope, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA1, ns="ds"
    )
    security.insert(1 if timestamp_first else 0, signature)
    for target in (timestamp, signed_body):
        reference = xmlsec.template.add_reference(
            signature, xmlsec.Transform.SHA1, uri="#" + target.get(f"{{{WSU}}}Id")
        )
        xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    token_reference = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
    etree.SubElement(token_reference, f"{{{WSSE}}}Reference", URI="#CERTID")
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_file(str(key_file), xmlsec.KeyFormat.PEM)
    for target in (timestamp, signed_body):
        context.register_id(target, "Id", WSU)
    context.sign(signature)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
