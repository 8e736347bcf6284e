"""Signing and verifying WS-Security envelopes in-process (the sandbox uses verify_envelope)."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
import zeep
from lxml import etree

from adapters.web21c import safexml
from adapters.web21c.contract import THIRD_PARTY_CALL
from adapters.web21c.wsse import (
    DS_NS,
    WSA_NS,
    WSSE_NS,
    WSU_NS,
    SignatureRejected,
    Signer,
    pem_to_der,
    verify_envelope,
)

ACTION = THIRD_PARTY_CALL.soap_action("getCallInformation")


def _signed(key_pair, call_id="call-1") -> bytes:
    client = zeep.Client(str(THIRD_PARTY_CALL.wsdl_file))
    envelope = client.create_message(client.service, "getCallInformation", callId=call_id)
    Signer(*key_pair).sign(envelope, ACTION, "http://127.0.0.1/endpoint")
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


def test_verify_accepts_a_signed_envelope(key_pair):
    verify_envelope(safexml.parse(_signed(key_pair)))
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
