"""Party URI checks (BT's patterns) and the faultcode -> error mapping."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from adapters.web21c.faults import (
    CLIENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    SDK_FAULT_NS,
    SERVER,
    error_for_fault,
    fault_envelope,
)
from adapters.web21c.uris import check_party_uri, uri_problem, url_problem
from bot.core.domain import InvalidArgument, NotFound, PermissionDenied, ServiceFailure


@pytest.mark.parametrize(
    "uri",
    [
        "tel:+447700900001",
        "tel:447700900001",
        "tel:+44 7700-900001",
        "sip:happy-123@mockphones.nat.bt.com:5660",
        "sip:alice@example.com",
        "sip:example.com",
    ],
)
def test_accepted_uris(uri):
    assert uri_problem(uri) is None
    assert check_party_uri(uri) == uri


@pytest.mark.parametrize(
    "uri",
    ["tel:07700900001", "tel:+", "tel:+44abc", "mailto:a@b", "+447700900001", "", "sip:",
     "tel:+447700900001\n", "tel:+44" + "1" * 300],
)  # fmt: skip
def test_refused_uris_name_the_field(uri):
    assert uri_problem(uri)
    with pytest.raises(InvalidArgument, match="called_party"):
        check_party_uri(uri, "called_party")


def test_event_urls_must_be_absolute_http():
    assert url_problem("http://127.0.0.1:3000/web21c/events/abc") is None
    assert url_problem("https://bridge.example/web21c/events/abc") is None
    assert "malformed event url" in url_problem("ftp://x/y")
    assert "malformed event url" in url_problem("/relative")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("sdk:PermissionDeniedException", PermissionDenied),
        ("soap:Client.PermissionDeniedException", PermissionDenied),
        ("ns1:com.bt.sdk.PermissionDeniedException", PermissionDenied),
        ("soap:Client.NotFound", NotFound),
        ("soap:Client", InvalidArgument),
        ("Client.InvalidUri", InvalidArgument),
        ("soap:Server", ServiceFailure),
        ("soap:Server.Busy", ServiceFailure),
        ("soap:VersionMismatch", ServiceFailure),
        ("", ServiceFailure),
    ],
)
def test_fault_codes_map_to_domain_errors(code, error):
    mapped = error_for_fault(code, "what the service said")
    assert type(mapped) is error
    assert mapped.fault_string == "what the service said"


def test_fault_envelope_escapes_the_message():
    envelope = fault_envelope("Client", "bad <value> & more")
    assert b"<faultcode>soap:Client</faultcode>" in envelope
    assert b"bad &lt;value&gt; &amp; more" in envelope


def _faultcode(code: str) -> etree._Element:
    envelope = etree.fromstring(fault_envelope(code, "said the sandbox"))
    return envelope.find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault/faultcode")


def test_permission_faults_match_bts_sdk_pattern():
    """BT's SDK singled out permission faults with `.*:PermissionDeniedException`."""
    code = _faultcode(PERMISSION_DENIED)
    assert re.fullmatch(r".*:PermissionDeniedException", code.text)
    prefix, local = code.text.split(":")
    assert local == "PermissionDeniedException"
    assert code.nsmap[prefix] == SDK_FAULT_NS and SDK_FAULT_NS.startswith("http://sdk.bt.com/")
    assert type(error_for_fault(code.text, "not signed")) is PermissionDenied
    for other in (CLIENT, NOT_FOUND, SERVER):
        assert not re.fullmatch(r".*:PermissionDeniedException", _faultcode(other).text)


def test_fault_strings_reach_people_bounded_and_printable():
    error = error_for_fault("soap:Server", "bad\x1b[31m\n\tthing " + "w" * 10_000)
    assert error.fault_string.startswith("bad [31m thing ww")
    assert len(error.fault_string) == 300 and error.fault_string.endswith("…")
    assert error_for_fault("soap:Client", " \x00 ").fault_string == "Client"
