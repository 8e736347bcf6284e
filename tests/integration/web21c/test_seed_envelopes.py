"""Each request envelope of the seed, with sample values, is accepted as-is by the sandbox,
and every response validates against the WSDL schema. Inbound's copies of the messaging
operations (same envelopes in the Inbound namespace, sends without `from`) are covered too."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

from adapters.web21c.contract import CAPABILITIES, INBOUND, ONE_WAY, SOAP_ENV_NS, validate
from tests.integration.web21c.seed_envelopes import SEED_REQUESTS

SAMPLES = {
    "callingParty": "tel:+447700900001",
    "calledParty": "sip:happy-77@mockphones.nat.bt.com:5660",
    "participantUri": "tel:+447700900123",
    "uri": "tel:+447700900123",
    "url": "http://127.0.0.1:9/web21c/events/token",
    "dialTimeoutSec": "30",
    "announcementType": "0",
    "from": "Web21C",
    "messageText": "hello from the seed",
    "keyword": "bridge",
}


def _by_namespace(namespace):
    return next(c for c in CAPABILITIES if c.namespace == namespace)


def _cases():
    cases = [(name, text) for name, text in SEED_REQUESTS.items()]
    for name in ("getMessageDeliveryStatuses", "sendMessage", "sendMessageWithEventing"):
        text = SEED_REQUESTS[name].replace(ONE_WAY.namespace, INBOUND.namespace)
        text = "\n".join(line for line in text.splitlines() if "<from>" not in line)
        cases.append((f"Inbound {name}", text))
    return cases


@pytest.fixture
def ids(running):
    state = running.sandbox.state
    conference_id = state.create_conference()
    texts = [state.receive_text("tel:+447700900123", f"bridge {n}") for n in range(2)]
    return {
        "callId": state.make_call("tel:+447700900001", "tel:+447700900002", None),
        "conferenceId": conference_id,
        "participantId": state.invite(conference_id, "tel:+447700900001"),
        "messageId": state.send_message(ONE_WAY.name, ["tel:+447700900001"], "hi"),
        "clear": texts,
    }


def _fill(text: str, ids: dict) -> tuple[bytes, str, str]:
    root = etree.fromstring(text.encode())
    request = root.find(f"{{{SOAP_ENV_NS}}}Body")[0]
    operation = etree.QName(request).localname
    clear_ids = iter(ids["clear"])
    for element in request.iter():
        name = etree.QName(element).localname
        if len(element) or not (element.text or "").strip():
            continue
        if operation == "clearReceivedMessages":
            element.text = next(clear_ids)
        else:
            element.text = ids.get(name) or SAMPLES[name]
    namespace = etree.QName(request).namespace
    return etree.tostring(root), operation, namespace


@pytest.mark.parametrize(("name", "text"), _cases(), ids=[name for name, _ in _cases()])
def test_seed_request_is_accepted_and_answered_within_the_contract(name, text, running, ids):
    body, operation, namespace = _fill(text, ids)
    assert b"xs:" not in body, "every placeholder was replaced"
    capability = _by_namespace(namespace)
    response = requests.post(
        capability.endpoint(running.url),
        data=body,
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{capability.soap_action(operation)}"',
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    answer = etree.fromstring(response.content).find(f"{{{SOAP_ENV_NS}}}Body")[0]
    assert answer.tag == capability.qname(operation + "Response")
    assert validate(capability, answer) is None
    if operation == "clearReceivedMessages":
        assert answer.findtext(capability.qname("clearedCount")) == "2"


def test_the_seed_lists_fifteen_distinct_request_envelopes():
    assert len(SEED_REQUESTS) == 15
    assert len(_cases()) == 18
