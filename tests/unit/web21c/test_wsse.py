"""Signing and verifying WS-Security envelopes in-process (the sandbox uses verify_envelope)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import pytest
import zeep
from lxml import etree

from adapters.web21c import safexml
from adapters.web21c.contract import THIRD_PARTY_CALL
from adapters.web21c.wsse import (
    AGENT,
    DS_NS,
    SDK_AGENT_NS,
    WSA_2004_NS,
    WSA_2005_NS,
    WSA_NS,
    WSSE_NS,
    WSU_NS,
    Layout,
    SignatureRejected,
    Signer,
    addressing,
    pem_to_der,
    verify_envelope,
)
from tests.unit.web21c.bt_sdk_request import bt_sdk_request

ACTION = THIRD_PARTY_CALL.soap_action("getCallInformation")


SOAP_HEADER = "{http://schemas.xmlsoap.org/soap/envelope/}Header"
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
MUST_UNDERSTAND = "{http://schemas.xmlsoap.org/soap/envelope/}mustUnderstand"


def _signed(key_pair, call_id="call-1", layout=Layout.BT_SDK) -> bytes:
    client = zeep.Client(str(THIRD_PARTY_CALL.wsdl_file))
    envelope = client.create_message(client.service, "getCallInformation", callId=call_id)
    Signer(*key_pair, layout=layout).sign(envelope, ACTION, "http://127.0.0.1/endpoint")
    return etree.tostring(envelope)


def test_signed_envelope_has_every_part_the_facts_page_lists(key_pair):
    root = safexml.parse(_signed(key_pair))
    header = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Header")
    assert header.findtext(f"{{{WSA_NS}}}Action") == ACTION
    assert header.findtext(f"{{{WSA_NS}}}MessageID").startswith("urn:uuid:")
    security = header.find(f"{{{WSSE_NS}}}Security")
    token = security.find(f"{{{WSSE_NS}}}BinarySecurityToken")
    assert token.text == base64.b64encode(pem_to_der(key_pair[1].read_bytes())).decode()
    created = security.findtext(f"{{{WSU_NS}}}Timestamp/{{{WSU_NS}}}Created")
    expires = security.findtext(f"{{{WSU_NS}}}Timestamp/{{{WSU_NS}}}Expires")
    lifetime = datetime.fromisoformat(expires) - datetime.fromisoformat(created)
    assert lifetime.total_seconds() == 3600
    signed_info = security.find(f"{{{DS_NS}}}Signature/{{{DS_NS}}}SignedInfo")
    algorithms = [e.get("Algorithm") for e in signed_info.iter() if e.get("Algorithm")]
    assert "http://www.w3.org/2001/10/xml-exc-c14n#" in algorithms
    assert "http://www.w3.org/2000/09/xmldsig#rsa-sha1" in algorithms
    assert "http://www.w3.org/2000/09/xmldsig#sha1" in algorithms
    assert len(signed_info.findall(f"{{{DS_NS}}}Reference")) == 2
    reference = security.find(f".//{{{WSSE_NS}}}SecurityTokenReference/{{{WSSE_NS}}}Reference")
    assert reference.get("URI") == "#" + token.get(f"{{{WSU_NS}}}Id")


def test_the_default_layout_is_bts_sdk(key_pair):
    """What BT's servers expected: the facts page, section "Names and layout BT used"."""
    assert WSA_NS == WSA_2004_NS
    root = safexml.parse(_signed(key_pair))
    header = root.find(SOAP_HEADER)
    assert header.findtext(f"{{{WSA_2004_NS}}}Action") == ACTION
    assert header.findtext(f"{{{WSA_2004_NS}}}ReplyTo/{{{WSA_2004_NS}}}Address") == (
        WSA_2004_NS + "/role/anonymous"
    )
    assert header.find(f"{{{WSA_2004_NS}}}To") is None
    assert not [e for e in header.iter() if etree.QName(e).namespace == WSA_2005_NS]
    assert header.findtext(f"{{{SDK_AGENT_NS}}}agent") == AGENT
    assert AGENT.startswith("web21c-bridge")
    security = header.find(f"{{{WSSE_NS}}}Security")
    assert [etree.QName(child).localname for child in security] == [
        "Signature",
        "Timestamp",
        "BinarySecurityToken",
    ]
    assert not [e for e in root.iter() if MUST_UNDERSTAND in e.attrib]
    token = security.find(f"{{{WSSE_NS}}}BinarySecurityToken")
    assert token.get(f"{{{WSU_NS}}}Id") == "CERTID"
    reference = security.find(f".//{{{WSSE_NS}}}SecurityTokenReference/{{{WSSE_NS}}}Reference")
    assert dict(reference.attrib) == {"URI": "#CERTID"}
    for signed in (security.find(f"{{{WSU_NS}}}Timestamp"), root.find(SOAP_BODY)):
        assert str(uuid.UUID(signed.get(f"{{{WSU_NS}}}Id"))) == signed.get(f"{{{WSU_NS}}}Id")
    verify_envelope(root)


def test_the_ws_addressing_1_0_layout(key_pair):
    root = safexml.parse(_signed(key_pair, layout=Layout.WSA_1_0))
    header = root.find(SOAP_HEADER)
    assert header.findtext(f"{{{WSA_2005_NS}}}Action") == ACTION
    assert header.findtext(f"{{{WSA_2005_NS}}}To") == "http://127.0.0.1/endpoint"
    assert header.find(f"{{{SDK_AGENT_NS}}}agent") is None
    security = header.find(f"{{{WSSE_NS}}}Security")
    assert security.get(MUST_UNDERSTAND) == "1"
    assert [etree.QName(child).localname for child in security] == [
        "BinarySecurityToken",
        "Timestamp",
        "Signature",
    ]
    verify_envelope(root)


@pytest.mark.parametrize("timestamp_first", [False, True])
def test_verify_accepts_a_request_signed_as_bts_sdk_did(key_pair, timestamp_first):
    """Built and signed without our Signer (tests/unit/web21c/bt_sdk_request.py)."""
    body = f'<getCallInformation xmlns="{THIRD_PARTY_CALL.namespace}"><callId>c</callId>'
    data = bt_sdk_request(
        *key_pair, ACTION, body + "</getCallInformation>", timestamp_first=timestamp_first
    )
    root = safexml.parse(data)
    verify_envelope(root, trusted_cert_der=pem_to_der(key_pair[1].read_bytes()))
    assert addressing(root.find(SOAP_HEADER))[0] == ACTION
    with pytest.raises(SignatureRejected, match="does not verify"):
        verify_envelope(safexml.parse(data.replace(b"<callId>c<", b"<callId>d<")))


def test_addressing_reads_either_namespace_and_wants_a_message_id():
    def header(*children: str) -> etree._Element:
        return etree.fromstring(
            f'<h xmlns:a="{WSA_2004_NS}" xmlns:b="{WSA_2005_NS}">{"".join(children)}</h>'
        )

    assert addressing(header("<a:Action>x</a:Action><a:MessageID>1</a:MessageID>")) == ("x", "1")
    assert addressing(header("<b:Action>y</b:Action><b:MessageID>2</b:MessageID>")) == ("y", "2")
    assert addressing(header("<a:Action>x</a:Action><b:MessageID>2</b:MessageID>")) == ("x", None)
    assert addressing(header()) == (None, None)
    assert addressing(None) == (None, None)


@pytest.mark.parametrize("layout", list(Layout))
def test_verify_accepts_a_signed_envelope(key_pair, layout):
    verify_envelope(safexml.parse(_signed(key_pair, layout=layout)))
    trusted = pem_to_der(key_pair[1].read_bytes())
    verify_envelope(safexml.parse(_signed(key_pair)), trusted_cert_der=trusted)


def test_verify_rejects_a_tampered_body(key_pair):
    tampered = _signed(key_pair, "call-1").replace(b">call-1<", b">call-2<")
    with pytest.raises(SignatureRejected, match="does not verify"):
        verify_envelope(safexml.parse(tampered))


def test_verify_rejects_an_unsigned_envelope():
    client = zeep.Client(str(THIRD_PARTY_CALL.wsdl_file))
    envelope = client.create_message(client.service, "getCallInformation", callId="x")
    with pytest.raises(SignatureRejected, match="not signed"):
        verify_envelope(envelope)


def test_verify_rejects_an_untrusted_certificate(key_pair, other_key_pair):
    trusted = pem_to_der(key_pair[1].read_bytes())
    with pytest.raises(SignatureRejected, match="not the one this service trusts"):
        verify_envelope(safexml.parse(_signed(other_key_pair)), trusted_cert_der=trusted)


def test_verify_rejects_a_swapped_certificate(key_pair, other_key_pair):
    """Signed with one key but carrying another's certificate: the signature cannot verify."""
    root = safexml.parse(_signed(key_pair))
    token = root.find(f".//{{{WSSE_NS}}}BinarySecurityToken")
    token.text = base64.b64encode(pem_to_der(other_key_pair[1].read_bytes())).decode()
    with pytest.raises(SignatureRejected, match="does not verify"):
        verify_envelope(root)


def test_verify_rejects_an_expired_timestamp(key_pair):
    root = safexml.parse(_signed(key_pair))
    root.find(f".//{{{WSU_NS}}}Expires").text = "2007-07-01T00:00:00Z"
    with pytest.raises(SignatureRejected, match="expired"):
        verify_envelope(root)


def test_verify_rejects_a_signature_that_skips_the_body(key_pair):
    root = safexml.parse(_signed(key_pair))
    signed_info = root.find(f".//{{{DS_NS}}}SignedInfo")
    signed_info.remove(signed_info.findall(f"{{{DS_NS}}}Reference")[1])
    with pytest.raises(SignatureRejected, match="does not cover the Body"):
        verify_envelope(root)
