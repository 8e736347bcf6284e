"""The WSDL files say what the facts page says: operations, actions, addresses, types."""

from __future__ import annotations

import pytest
import zeep
from lxml import etree

from adapters.web21c.contract import (
    CAPABILITIES,
    CONFERENCING,
    INBOUND,
    ONE_WAY,
    THIRD_PARTY_CALL,
    WSDL_NS,
    WSDL_SOAP_NS,
    XSD_NS,
    validate,
)
from bot.core import domain


def _wsdl(capability):
    return etree.parse(str(capability.wsdl_file))


def test_eighteen_operations_across_four_capabilities():
    assert [c.name for c in CAPABILITIES] == [
        "Messaging/Inbound",
        "Messaging/OneWay",
        "Session/Conferencing",
        "Session/ThirdPartyCall",
    ]
    assert sum(len(c.operations) for c in CAPABILITIES) == 18


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_wsdl_declares_exactly_the_capabilitys_operations(capability):
    wsdl = _wsdl(capability)
    port_ops = {op.get("name") for op in wsdl.iter(f"{{{WSDL_NS}}}operation")}
    assert port_ops == set(capability.operations)
    assert wsdl.getroot().get("targetNamespace") == capability.namespace


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_soap_actions_style_and_address(capability):
    wsdl = _wsdl(capability)
    actions = {
        op.getparent().get("name"): op.get("soapAction")
        for op in wsdl.iter(f"{{{WSDL_SOAP_NS}}}operation")
    }
    assert actions == {
        op: f"http://sdk.bt.com/2007/07/{capability.name}#{op}" for op in capability.operations
    }
    binding = wsdl.find(f".//{{{WSDL_SOAP_NS}}}binding")
    assert binding.get("style") == "document"
    assert binding.get("transport") == "http://schemas.xmlsoap.org/soap/http"
    assert all(b.get("use") == "literal" for b in wsdl.iter(f"{{{WSDL_SOAP_NS}}}body"))
    rewritten = etree.fromstring(capability.wsdl_text("http://sandbox.test:8021"))
    address = rewritten.find(f".//{{{WSDL_SOAP_NS}}}address").get("location")
    assert address == f"http://sandbox.test:8021/endpoint/{capability.name}/2007/07"


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_zeep_loads_each_wsdl_from_disk(capability):
    client = zeep.Client(str(capability.wsdl_file))
    assert set(client.service._binding._operations) == set(capability.operations)


@pytest.mark.parametrize(
    ("capability", "prefix"),
    [
        (INBOUND, "MessagingInbound"),
        (ONE_WAY, "MessagingOneWay"),
        (CONFERENCING, "SessionConferencing"),
        (THIRD_PARTY_CALL, "SessionThirdPartyCall"),
    ],
    ids=lambda value: getattr(value, "name", value),
)
def test_wsdl_parts_carry_bts_names(capability, prefix):
    """BT's clients asked for these names; a different name is "No binding found"."""
    wsdl = _wsdl(capability)
    assert capability.wsdl_prefix == prefix
    assert [e.get("name") for e in wsdl.iter(f"{{{WSDL_NS}}}portType")] == [prefix + "Interface"]
    binding = wsdl.find(f"{{{WSDL_NS}}}binding")
    assert binding.get("name") == prefix + "SoapBinding"
    assert binding.get("type") == f"tns:{prefix}Interface"
    service = wsdl.find(f"{{{WSDL_NS}}}service")
    assert service.get("name") == prefix + "Service"
    ports = service.findall(f"{{{WSDL_NS}}}port")
    assert [(p.get("name"), p.get("binding")) for p in ports] == [
        (prefix + "Endpoint", f"tns:{prefix}SoapBinding")
    ]


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_inputs_and_outputs_are_named_request_and_response(capability):
    wsdl = _wsdl(capability)
    for section in ("portType", "binding"):
        for operation in wsdl.find(f"{{{WSDL_NS}}}{section}").iterfind(f"{{{WSDL_NS}}}operation"):
            name = operation.get("name")
            assert operation.find(f"{{{WSDL_NS}}}input").get("name") == name + "Request"
            assert operation.find(f"{{{WSDL_NS}}}output").get("name") == name + "Response"
    for soap_operation in wsdl.iter(f"{{{WSDL_SOAP_NS}}}operation"):
        assert list(soap_operation.attrib) == ["soapAction"]


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_each_schema_is_inline_with_no_imports(capability):
    wsdl = _wsdl(capability)
    assert wsdl.find(f"{{{WSDL_NS}}}import") is None
    schemas = wsdl.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    assert len(schemas) == 1
    assert schemas[0].find(f"{{{XSD_NS}}}import") is None
    assert schemas[0].find(f"{{{XSD_NS}}}include") is None


def test_inbound_lists_clear_received_messages_last():
    port_type = _wsdl(INBOUND).find(f"{{{WSDL_NS}}}portType")
    names = [op.get("name") for op in port_type.iterfind(f"{{{WSDL_NS}}}operation")]
    assert names[-1] == "clearReceivedMessages"
    assert sorted(names) == sorted(INBOUND.operations)


def _enumeration(capability, type_name):
    schema = _wsdl(capability).find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    simple = schema.find(f"{{{XSD_NS}}}simpleType[@name='{type_name}']")
    return [e.get("value") for e in simple.iter(f"{{{XSD_NS}}}enumeration")]


@pytest.mark.parametrize(
    ("capability", "type_name", "enum"),
    [
        (THIRD_PARTY_CALL, "CallStatus", domain.CallStatus),
        (THIRD_PARTY_CALL, "CallTerminationCause", domain.CallTerminationCause),
        (CONFERENCING, "ConferenceStatus", domain.ConferenceStatus),
        (CONFERENCING, "ParticipantStatus", domain.ParticipantStatus),
        (ONE_WAY, "MessageStatus", domain.MessageStatus),
        (INBOUND, "MessageStatus", domain.MessageStatus),
    ],
)
def test_enumerations_match_the_domain_exactly(capability, type_name, enum):
    assert _enumeration(capability, type_name) == [member.value for member in enum]


def test_only_dial_timeout_is_optional_in_make_call():
    ns = THIRD_PARTY_CALL.namespace
    base = "<callingParty>tel:+1</callingParty><calledParty>tel:+2</calledParty>"
    without = etree.fromstring(
        f'<makeCall xmlns="{ns}">{base}<announcementType>0</announcementType></makeCall>'
    )
    assert validate(THIRD_PARTY_CALL, without) is None
    nil = etree.fromstring(
        f'<makeCall xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{base}'
        '<dialTimeoutSec xsi:nil="true"/><announcementType>0</announcementType></makeCall>'
    )
    assert validate(THIRD_PARTY_CALL, nil) is None
    no_announcement = etree.fromstring(f'<makeCall xmlns="{ns}">{base}</makeCall>')
    assert "announcementType" in validate(THIRD_PARTY_CALL, no_announcement)


def test_one_way_send_needs_from_and_inbound_send_has_none():
    uris = "<recipientUris><uri>tel:+1</uri></recipientUris>"
    one_way = etree.fromstring(
        f'<sendMessage xmlns="{ONE_WAY.namespace}">{uris}<messageText>x</messageText></sendMessage>'
    )
    assert "messageText" in validate(ONE_WAY, one_way)  # `from` was expected first
    inbound = etree.fromstring(
        f'<sendMessage xmlns="{INBOUND.namespace}">{uris}<from>me</from>'
        "<messageText>x</messageText></sendMessage>"
    )
    assert "from" in validate(INBOUND, inbound)


def test_start_time_is_optional_and_enums_are_enforced_in_responses():
    ns = THIRD_PARTY_CALL.namespace
    info = (
        f'<getCallInformationResponse xmlns="{ns}"><callInformation>'
        "<callStatus>{status}</callStatus><duration>0</duration>"
        "<callTerminationCause>CallNotTerminated</callTerminationCause>"
        "</callInformation></getCallInformationResponse>"
    )
    assert validate(THIRD_PARTY_CALL, etree.fromstring(info.format(status="CallInitial"))) is None
    problem = validate(THIRD_PARTY_CALL, etree.fromstring(info.format(status="CallRinging")))
    assert "CallRinging" in problem


def test_empty_lists_are_valid():
    ns = CONFERENCING.namespace
    empty = etree.fromstring(
        f'<getParticipantsResponse xmlns="{ns}"><participantInfos/></getParticipantsResponse>'
    )
    assert validate(CONFERENCING, empty) is None
