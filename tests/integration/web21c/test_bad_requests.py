"""Each kind of bad request gets a SOAP 1.1 fault that names the problem."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

from adapters.web21c.contract import CONFERENCING, INBOUND, ONE_WAY, SOAP_ENV_NS, THIRD_PARTY_CALL
from bot.core.domain import InvalidArgument, NotFound

TPC = THIRD_PARTY_CALL.namespace


def _envelope(inner: str) -> bytes:
    envelope = f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}"><soap:Body>{inner}</soap:Body>'
    return (envelope + "</soap:Envelope>").encode()


def _post(running, capability, body: bytes, action: str | None = None):
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action is not None:
        headers["SOAPAction"] = action
    response = requests.post(
        capability.endpoint(running.url), data=body, headers=headers, timeout=10
    )
    assert response.status_code == 500
    fault = etree.fromstring(response.content).find(f"{{{SOAP_ENV_NS}}}Body/{{{SOAP_ENV_NS}}}Fault")
    return fault.findtext("faultcode"), fault.findtext("faultstring")


def _make_call(calling="tel:+447700900001", called="tel:+447700900002", extra="") -> str:
    return (
        f'<makeCall xmlns="{TPC}"><callingParty>{calling}</callingParty>'
        f"<calledParty>{called}</calledParty>{extra}<announcementType>0</announcementType></makeCall>"
    )


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"<soap:Envelope", "soap:Client", "malformed XML"),
        (b"not xml at all", "soap:Client", "malformed XML"),
        (b"<Envelope><Body/></Envelope>", "soap:Client", "not a SOAP 1.1 envelope"),
        (_envelope(""), "soap:Client", "exactly one element"),
        (
            _envelope(_make_call().replace(TPC, "http://sdk.bt.com/2007/07/Session/Wrong")),
            "soap:Client",
            "wrong namespace",
        ),
        (_envelope(f'<hangUp xmlns="{TPC}"/>'), "soap:Client", "no operation 'hangUp'"),
        (
            _envelope(f'<makeCall xmlns="{TPC}"><callingParty>tel:+447700900001</callingParty>'
                      "<announcementType>0</announcementType></makeCall>"),
            "soap:Client",
            "calledParty",
        ),
        (
            _envelope(_make_call(extra="<dialTimeoutSec>soon</dialTimeoutSec>")),
            "soap:Client",
            "dialTimeoutSec",
        ),
        (
            _envelope(_make_call(extra="<dialTimeoutSec>0</dialTimeoutSec>")),
            "soap:Client",
            "dialTimeoutSec must be greater than 0",
        ),
        (_envelope(_make_call(called="07700900002")), "soap:Client", "malformed party URI"),
        (_envelope(_make_call(calling="sip:cheerful-1@mockphones.nat.bt.com:5660")),
         "soap:Client", "unknown mock phone"),
        (
            _envelope(f'<getCallInformation xmlns="{TPC}"><callId>call-nope</callId>'
                      "</getCallInformation>"),
            "soap:Client.NotFound",
            "unknown callId 'call-nope'",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + _envelope(_make_call()),
            "soap:Client",
            "document type declarations are not allowed",
        ),
    ],
)  # fmt: skip
def test_third_party_call_faults(running, body, code, words):
    faultcode, faultstring = _post(running, THIRD_PARTY_CALL, body)
    assert faultcode == code
    assert words in faultstring


def test_soap_action_must_match_the_body(running):
    action = THIRD_PARTY_CALL.soap_action("endCall")
    faultcode, faultstring = _post(running, THIRD_PARTY_CALL, _envelope(_make_call()), action)
    assert faultcode == "soap:Client" and "does not match" in faultstring


def test_oversized_requests_are_refused(running):
    text = "x" * (1024 * 1024 + 10)
    body = _envelope(f'<getReceivedMessages xmlns="{INBOUND.namespace}"><keyword>{text}'
                     "</keyword></getReceivedMessages>")  # fmt: skip
    faultcode, faultstring = _post(running, INBOUND, body)
    assert faultcode == "soap:Client" and "larger than" in faultstring


@pytest.mark.parametrize(
    ("capability", "inner", "words"),
    [
        (CONFERENCING, "<getConferenceInfo xmlns='{ns}'><conferenceId>conf-x</conferenceId>"
                       "</getConferenceInfo>", "unknown conferenceId"),
        (CONFERENCING, "<getParticipants xmlns='{ns}'><conferenceId>conf-x</conferenceId>"
                       "</getParticipants>", "unknown conferenceId"),
        (CONFERENCING, "<endConference xmlns='{ns}'><conferenceId>conf-x</conferenceId>"
                       "</endConference>", "unknown conferenceId"),
        (CONFERENCING, "<inviteParticipant xmlns='{ns}'><conferenceId>conf-x</conferenceId>"
                       "<participantUri>tel:+447700900001</participantUri>"
                       "<announcementType>0</announcementType></inviteParticipant>",
         "unknown conferenceId"),
        (CONFERENCING, "<getParticipantInfo xmlns='{ns}'><participantId>p-x</participantId>"
                       "</getParticipantInfo>", "unknown participantId"),
        (CONFERENCING, "<disconnectParticipant xmlns='{ns}'><participantId>p-x</participantId>"
                       "</disconnectParticipant>", "unknown participantId"),
        (ONE_WAY, "<getMessageDeliveryStatuses xmlns='{ns}'><messageId>m-x</messageId>"
                  "</getMessageDeliveryStatuses>", "unknown messageId"),
        (INBOUND, "<getMessageDeliveryStatuses xmlns='{ns}'><messageId>m-x</messageId>"
                  "</getMessageDeliveryStatuses>", "unknown messageId"),
        (THIRD_PARTY_CALL, "<endCall xmlns='{ns}'><callId>c-x</callId></endCall>",
         "unknown callId"),
    ],
)  # fmt: skip
def test_unknown_ids_are_not_found(running, capability, inner, words):
    body = _envelope(inner.format(ns=capability.namespace))
    faultcode, faultstring = _post(running, capability, body)
    assert faultcode == "soap:Client.NotFound"
    assert words in faultstring


@pytest.mark.parametrize(
    ("inner", "words"),
    [
        ("<recipientUris/><from>me</from><messageText>x</messageText>", "at least one uri"),
        ("<recipientUris><uri>tel:+447700900001</uri><uri>fax:123</uri></recipientUris><from>me</from>"
         "<messageText>x</messageText>", "malformed party URI"),
        ("<recipientUris><uri>tel:+1</uri></recipientUris><messageText>x</messageText>",
         "Expected is ( from )"),
    ],
)  # fmt: skip
def test_bad_send_message_requests(running, inner, words):
    body = _envelope(f"<sendMessage xmlns='{ONE_WAY.namespace}'>{inner}</sendMessage>")
    faultcode, faultstring = _post(running, ONE_WAY, body)
    assert faultcode == "soap:Client"
    assert words in faultstring


@pytest.mark.parametrize(
    ("capability", "operation", "rest"),
    [
        (ONE_WAY, "sendMessage", "<from>me</from><messageText>x</messageText>"),
        (ONE_WAY, "sendMessageWithEventing",
         "<from>me</from><messageText>x</messageText><url>http://127.0.0.1:9/e</url>"),
        (INBOUND, "sendMessage", "<messageText>x</messageText>"),
        (INBOUND, "sendMessageWithEventing",
         "<messageText>x</messageText><url>http://127.0.0.1:9/e</url>"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("empty", ["<recipientUris/>", "<recipientUris></recipientUris>"])
def test_an_empty_recipient_list_is_a_fault_naming_the_element(
    running, capability, operation, rest, empty
):
    """The schema allows zero `uri` in recipientUris; the service still needs a recipient."""
    inner = f"<{operation} xmlns='{capability.namespace}'>{empty}{rest}</{operation}>"
    faultcode, faultstring = _post(running, capability, _envelope(inner))
    assert faultcode == "soap:Client"
    assert faultstring == "recipientUris is empty: at least one uri is needed"
    assert running.sandbox.messages() == []


def test_event_url_must_be_http(running):
    body = _envelope(
        f"<sendMessageWithEventing xmlns='{INBOUND.namespace}'><recipientUris><uri>tel:+1</uri>"
        "</recipientUris><messageText>x</messageText><url>mailto:me@example.com</url>"
        "</sendMessageWithEventing>"
    )
    faultcode, faultstring = _post(running, INBOUND, body)
    assert faultcode == "soap:Client" and "malformed event url" in faultstring


def test_client_maps_sandbox_faults_to_domain_errors(client, running):
    with pytest.raises(NotFound, match="unknown callId"):
        client.get_call_information("call-nope")
    with pytest.raises(NotFound, match="unknown participantId"):
        client.disconnect_participant("part-nope")
    conference_id = client.create_conference()
    client.end_conference(conference_id)
    with pytest.raises(InvalidArgument, match="has ended"):
        client.invite_participant(conference_id, "tel:+447700900001")


def test_client_refuses_bad_arguments_before_sending(client, running):
    with pytest.raises(InvalidArgument, match="called_party"):
        client.make_call("tel:+447700900001", "07700 900002")
    with pytest.raises(InvalidArgument, match="dial_timeout_sec"):
        client.make_call("tel:+447700900001", "tel:+447700900002", dial_timeout_sec=0)
    with pytest.raises(InvalidArgument, match="single string"):
        client.send_message("tel:+447700900001", "me", "hi")
    with pytest.raises(InvalidArgument, match="at least one recipient"):
        client.send_message([], "me", "hi")
    with pytest.raises(InvalidArgument, match="url"):
        client.send_message(["tel:+447700900001"], "me", "hi", event_url="not a url")
    with pytest.raises(InvalidArgument):
        client.send_message(["tel:+447700900001"], "me", "bad \x00 character")
    assert running.sandbox.calls() == [] and running.sandbox.messages() == []


def test_wsdl_is_served_with_the_sandboxs_own_address(running):
    for capability in (INBOUND, ONE_WAY, CONFERENCING, THIRD_PARTY_CALL):
        response = requests.get(capability.endpoint(running.url) + "?wsdl", timeout=10)
        assert response.status_code == 200
        assert f'location="{capability.endpoint(running.url)}"' in response.text
    assert requests.get(THIRD_PARTY_CALL.endpoint(running.url), timeout=10).status_code == 405
    assert requests.get(running.url + "/endpoint/Nope/2007/07", timeout=10).status_code == 404
