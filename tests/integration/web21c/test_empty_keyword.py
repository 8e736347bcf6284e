"""getReceivedMessages with an empty keyword: every waiting text, as BT's SDK examples polled.

clearReceivedMessages takes message ids, not a keyword: texts read with the empty keyword are
cleared by their ids like any others, and an empty id list clears nothing.
"""

from __future__ import annotations

import requests

from adapters.web21c.contract import INBOUND, SOAP_ENV_NS

ALICE, BOB = "tel:+447700900123", "sip:bob@example.com"


def _texts(running) -> list[str]:
    state = running.sandbox.state
    ids = [
        state.receive_text(ALICE, "bridge call me"),
        state.receive_text(BOB, "pizza large please"),
        state.receive_text(ALICE, "hello with no routed keyword"),
    ]
    running.sandbox.advance(1)
    ids.append(state.receive_text(BOB, "   "))  # an empty text has the empty keyword
    return ids


def test_an_empty_keyword_returns_every_waiting_text_oldest_first(client, running):
    ids = _texts(running)
    received = client.get_received_messages("")
    assert [m.message_id for m in received] == ids
    assert [m.keyword for m in received] == ["bridge", "pizza", "hello", ""]
    assert [m.message_id for m in client.inbound.get_received_messages("  ")] == ids
    assert [m.message_id for m in client.get_received_messages("PIZZA")] == [ids[1]]
    assert client.get_received_messages("nothing") == []


def test_texts_read_with_the_empty_keyword_are_cleared_by_id(client, running):
    ids = _texts(running)
    assert client.clear_received_messages([]) == 0
    assert len(client.get_received_messages("")) == 4  # an empty id list clears nothing
    assert client.clear_received_messages(ids[:2]) == 2
    assert [m.message_id for m in client.get_received_messages("")] == ids[2:]
    assert client.get_received_messages("bridge") == []
    assert client.clear_received_messages(ids) == 2
    assert client.get_received_messages("") == []


def test_an_empty_keyword_element_as_bts_sdk_sent_it(running):
    """`<keyword/>` on the wire, without our client."""
    ids = _texts(running)
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}"><soap:Body>'
        f'<getReceivedMessages xmlns="{INBOUND.namespace}"><keyword/></getReceivedMessages>'
        "</soap:Body></soap:Envelope>"
    )
    response = requests.post(
        INBOUND.endpoint(running.url),
        data=body.encode(),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": INBOUND.soap_action("getReceivedMessages"),
        },
        timeout=10,
    )
    assert response.status_code == 200
    for message_id in ids:
        assert f"<messageId>{message_id}</messageId>".encode() in response.content
