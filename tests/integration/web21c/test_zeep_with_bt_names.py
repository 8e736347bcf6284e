"""A zeep client that asks for BT's binding, service and port names reaches all 18 operations.

Code written against BT's own WSDLs named `Messaging<Cap>SoapBinding`, `Messaging<Cap>Service`
and `Messaging<Cap>Endpoint` (likewise `Session<Cap>`); the project's WSDLs must answer to the
same names, from disk and from the sandbox's `?wsdl`.
"""

from __future__ import annotations

import pytest
import zeep
from zeep.exceptions import Fault

from adapters.web21c.contract import CAPABILITIES, CONFERENCING, INBOUND, ONE_WAY, THIRD_PARTY_CALL

HAPPY, ORDINARY = "tel:+447700900001", "tel:+447700900123"
SETTINGS = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True)


def _from_disk(capability, running):
    """zeep's create_service with BT's binding QName, pointed at the sandbox."""
    client = zeep.Client(str(capability.wsdl_file), settings=SETTINGS)
    binding = f"{{{capability.namespace}}}{capability.wsdl_prefix}SoapBinding"
    return client.create_service(binding, capability.endpoint(running.url))


def _from_sandbox(capability, running):
    """The sandbox's own `?wsdl`, bound by BT's service and port names."""
    client = zeep.Client(capability.endpoint(running.url) + "?wsdl", settings=SETTINGS)
    prefix = capability.wsdl_prefix
    return client.bind(prefix + "Service", prefix + "Endpoint")


@pytest.mark.parametrize("load", [_from_disk, _from_sandbox], ids=["disk", "sandbox-wsdl"])
def test_all_eighteen_operations_through_bts_names(running, receiver, load):
    called: set[tuple[str, str]] = set()

    def service(capability):
        proxy = load(capability, running)

        class Recording:
            def __getattr__(self, operation):
                called.add((capability.name, operation))
                return getattr(proxy, operation)

        return Recording()

    # zeep unwraps a response with one child: getCallInformation gives the CallInformation,
    # getParticipants the list of participantInfo, makeCall the callId itself.
    tpc = service(THIRD_PARTY_CALL)
    call_id = tpc.makeCall(
        callingParty=ORDINARY, calledParty=HAPPY, dialTimeoutSec=20, announcementType=0
    )
    assert call_id.startswith("call-")
    assert tpc.getCallInformation(callId=call_id).callStatus == "CallInitial"
    running.sandbox.advance(10)
    assert tpc.getCallInformation(callId=call_id).callStatus == "CallConnected"
    assert tpc.endCall(callId=call_id) == "CallTerminated"

    conf = service(CONFERENCING)
    conference_id = conf.createConference()
    participant_id = conf.inviteParticipant(
        conferenceId=conference_id, participantUri=ORDINARY, announcementType=0
    )
    running.sandbox.advance(5)
    info = conf.getConferenceInfo(conferenceId=conference_id)
    assert (info.conferenceStatus, info.numberOfParticipants) == ("Active", 1)
    participants = conf.getParticipants(conferenceId=conference_id)
    assert [p.participantId for p in participants] == [participant_id]
    assert conf.getParticipantInfo(participantId=participant_id).participantStatus == "Connected"
    assert conf.disconnectParticipant(participantId=participant_id) == "Disconnected"
    assert conf.endConference(conferenceId=conference_id) == "Terminated"

    one_way = service(ONE_WAY)
    sent = one_way.sendMessage(
        recipientUris={"uri": [HAPPY]}, messageText="hello", **{"from": "Bridge"}
    )
    evented = one_way.sendMessageWithEventing(
        recipientUris={"uri": [ORDINARY]}, messageText="hi", url=receiver.url, **{"from": "B"}
    )
    statuses = one_way.getMessageDeliveryStatuses(messageId=sent)
    assert [(s.destinationUri, s.messageStatus) for s in statuses] == [(HAPPY, "Initial")]

    inbound = service(INBOUND)
    reply = inbound.sendMessage(recipientUris={"uri": [HAPPY]}, messageText="reply")
    inbound_evented = inbound.sendMessageWithEventing(
        recipientUris={"uri": [HAPPY]}, messageText="reply", url=receiver.url
    )
    running.sandbox.advance(5)
    statuses = inbound.getMessageDeliveryStatuses(messageId=reply)
    assert [s.messageStatus for s in statuses] == ["Delivered"]
    assert {e["messageId"] for e in receiver.wait_for(4)} == {evented, inbound_evented}
    text_id = running.sandbox.state.receive_text(HAPPY, "bridge are you there?")
    messages = inbound.getReceivedMessages(keyword="bridge")
    assert [(m.messageId, m.messageText) for m in messages] == [(text_id, "bridge are you there?")]
    assert inbound.clearReceivedMessages(messageIds={"messageId": [text_id]}) == 1

    assert called == {(c.name, op) for c in CAPABILITIES for op in c.operations}
    assert len(called) == 18


def test_bts_names_reach_the_sandboxs_faults(running):
    """Errors come back as SOAP faults zeep recognises, not as a transport failure."""
    tpc = _from_disk(THIRD_PARTY_CALL, running)
    with pytest.raises(Fault) as raised:
        tpc.getCallInformation(callId="call-nobody")
    assert raised.value.code.endswith("Client.NotFound")


def test_the_old_project_names_are_gone(running):
    client = zeep.Client(str(INBOUND.wsdl_file), settings=SETTINGS)
    with pytest.raises(ValueError, match="No binding found"):
        client.create_service(f"{{{INBOUND.namespace}}}InboundBinding", running.url)


def test_an_empty_recipient_list_from_zeep_is_a_fault_naming_the_element(running):
    one_way = _from_disk(ONE_WAY, running)
    with pytest.raises(Fault) as raised:
        one_way.sendMessage(recipientUris={"uri": []}, messageText="x", **{"from": "Bridge"})
    assert raised.value.code == "soap:Client"
    assert raised.value.message == "recipientUris is empty: at least one uri is needed"
