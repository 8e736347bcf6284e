"""Identity and toll fraud through the whole stack (issue 12, items 1-3): each test performs the
attack against a running bridge (signed HTTP to /slack/events, the real sandbox, the fake
Slack server) and checks what reached Web21C and what people were told.

- sip: addresses outside SIP_ALLOWED_DOMAINS, or whose user part is a number the policy
  refuses, are never rung, texted or invited, whichever way in;
- number types are an allow list, and every refusal names the type;
- a number grants identity (who texted, who may hang up, whose name a card shows) only once
  its owner typed back the code texted to it, or an admin set it (audited).
"""

from __future__ import annotations

import re
import time

import pytest

from bot.slack.blocks import INVITE_BLOCK, INVITE_INPUT, INVITE_MODAL
from tests.reliability.harness import (
    GENERAL,
    populate_workspace,
    text_the_service,
    wired_bridge,
)
from tests.slackapi.signing import block_actions_body, view_submission_body

VICTIM = "+447700900123"  # an ordinary sandbox phone: Carol's, say, not the attacker's
SIP_FRAUD = (
    "sip:+88216123456@voip.example",  # satellite, at a domain nobody allowed
    "sip:09098790000@gw.example.com",  # UK premium rate behind a gateway
    "sip:+19005550123@pstn.example",  # US premium rate
)


def _answer(wired, command: str, text: str, user: str = "UALICE") -> str:
    status, ack, url = wired.command(command, text, user=user)
    assert status == 200, (command, text)
    if ack:
        return ack
    return wired.slack.state.wait_for_response_posts(url, 1)[0].text or ""


def _dialled(sandbox) -> set[str]:
    """Every URI the sandbox was asked to text, call or invite."""
    seen = set()
    for message in sandbox.messages():
        seen |= {r["destinationUri"] for r in message["recipients"]}
    for call in sandbox.calls():
        seen |= {str(v) for k, v in call.items() if "Party" in k}
    for conference in sandbox.conferences():
        seen |= {str(p["participantUri"]) for p in conference.get("participants", [])}
    return seen


def _texts_to(sandbox, number: str) -> list[str]:
    return [
        m["messageText"]
        for m in sandbox.messages()
        if any(r["destinationUri"] == f"tel:{number}" for r in m["recipients"])
    ]


def _code_texted_to(wired, number: str) -> str:
    """What the phone's owner reads on it: the newest code texted to the number."""
    texts = wired.slack.state.wait_for(
        lambda _s: _texts_to(wired.sandbox.sandbox, number) or None, what=f"a code for {number}"
    )
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def _live_conference(wired):
    db = wired.bridge.services.db

    def recorded(_state):
        with db.transaction() as tx:
            return tx.conferences.live()

    (conference, *_) = wired.slack.state.wait_for(recorded, what="a conference recorded")
    return conference


def _modal_answer(wired, conference_id: str, typed: str, user: str = "UALICE") -> str:
    before = len([e for e in wired.slack.state.ephemerals(user=user) if e.source != "response_url"])
    values = {INVITE_BLOCK: {INVITE_INPUT: typed}}
    metadata = f"{conference_id}|{GENERAL}"
    status, _ = wired.post(view_submission_body(INVITE_MODAL, metadata, values, user))
    assert status == 200
    answers = wired.slack.state.wait_for(
        lambda s: (
            found
            if len(found := [e for e in s.ephemerals(user=user) if e.source != "response_url"])
            > before
            else None
        ),
        what="the invite modal's answer",
    )
    return answers[-1].text


@pytest.fixture
def bridge(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    slack.state.add_user("sipper", user_id="USIP", real_name="Sip", phone=SIP_FRAUD[0])
    slack.state.add_user("pat", user_id="UPAT", real_name="Pat", phone="070 1234 5678")
    with wired_bridge(slack, sandbox, f"sqlite:///{tmp_path / 'bridge.db'}") as wired:
        yield wired


# --- 1. sip: addresses ----------------------------------------------------------------------


def test_sip_toll_fraud_is_refused_by_call_conf_invite_sms_reply_and_profile(bridge, logs):
    wired = bridge
    attempts = {
        "call": ("/call", f"{SIP_FRAUD[0]} {SIP_FRAUD[1]}"),
        "call one": ("/call", SIP_FRAUD[1]),
        "conf": ("/conf", f"<@UBOB|bob> {SIP_FRAUD[2]}"),
        "sms": ("/sms", "sip:+447700900123@gw.example.com hi"),
        "profile": ("/call", "<@USIP|sipper> <@UBOB|bob>"),
    }
    urls = {}
    for way, (command, text) in attempts.items():
        status, ack, url = wired.command(command, text)
        assert status == 200
        urls[way] = (ack, url)
    # The Invite modal of a (legitimate) conference card:
    assert wired.command("/conf", "<@UBOB|bob>")[:2] == (200, "")
    conference = _live_conference(wired)
    invite = _modal_answer(wired, conference.conference_id, SIP_FRAUD[2])
    # A sip: address texts in; a reply in its thread must not text it back.
    _answer(wired, "/sms", "route bridge #ops", user="UADMIN")
    text_the_service(wired.sandbox, SIP_FRAUD[0], "bridge call me back")
    parent = wired.slack.state.wait_for(
        lambda s: next((m for m in s.messages("COPS") if s.replies("COPS", m.ts)), None),
        what="the text from a sip: address",
    )
    status, reply_ts = wired.thread_reply("COPS", parent.ts, "UBOB", "calling you now")
    assert status == 200
    wired.drain_work()
    time.sleep(0.3)  # anything obeyed would have reached the sandbox by now
    # Nothing outside the policy was rung, invited or texted...
    assert not {uri for uri in _dialled(wired.sandbox.sandbox) if uri.startswith("sip:")}
    # ...and each attempt was told why, in words:
    answers = {way: ack or " ".join(wired.responses(url)) for way, (ack, url) in urls.items()}
    answers["invite"] = invite
    for way, answer in answers.items():
        assert "sip:" in answer and ("reaches no sip:" in answer or "not to sip:" in answer), (
            way,
            answer,
        )
    reacted = {
        c.params.get("name")
        for c in wired.slack.state.calls("reactions.add")
        if c.params.get("timestamp") == reply_ts
    }
    assert reacted == {"no_entry_sign"}
    told = [e.text for e in wired.slack.state.ephemerals(user="UBOB")]
    assert any(f"Not sent: `{SIP_FRAUD[0]}` is a sip: address" in t for t in told), told
    assert logs.problems() == [], logs.summary()


def test_an_allowed_sip_domain_still_runs_the_number_policy_on_a_numeric_user(
    tmp_path, slack, sandbox, logs
):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, SIP_ALLOWED_DOMAINS="pbx.example.com") as wired:
        refused = {
            "sip:09098790000@pbx.example.com": "premium-rate",
            "sip:+88216123456@pbx.example.com": "only reaches GB",
            "sip:07012345678@PBX.example.com:5060": "is a personal number",
            "sip:reception@voip.example": "only at pbx.example.com",
        }
        for uri, reason in refused.items():
            answer = _answer(wired, "/call", f"{uri} <@UBOB|bob>")
            assert reason in answer, (uri, answer)
        allowed = ("sip:reception@pbx.example.com", "sip:+447700900001@pbx.example.com")
        for uri in allowed:
            status, ack, _ = wired.command("/call", f"{uri} <@UBOB|bob>")
            assert (status, ack) == (200, "")
        wired.slack.state.wait_for(
            lambda _s: len(wired.sandbox.sandbox.calls()) == 2 or None, what="the two calls"
        )
        rung = _dialled(wired.sandbox.sandbox)
        assert set(allowed) <= rung
        assert not {uri for uri in rung if uri.startswith("sip:")} - set(allowed)
        assert logs.problems() == [], logs.summary()


def test_on_its_built_in_sandbox_the_bridge_may_ring_the_mock_phones(tmp_path, slack, sandbox):
    """No WEB21C_ENDPOINT: the bridge starts its own sandbox, whose mock phones cost nothing
    and are allowed by default; any other sip: domain is still refused."""
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, WEB21C_ENDPOINT="", SANDBOX_PORT="0") as wired:
        own = wired.bridge.sandbox
        assert own is not None and own.url != sandbox.url
        mock = "sip:happy-30-x@mockphones.nat.bt.com:5660"
        status, ack, _ = wired.command("/call", f"{mock} <@UBOB|bob>")
        assert (status, ack) == (200, "")
        calls = wired.slack.state.wait_for(lambda _s: own.sandbox.calls() or None, what="a call")
        assert mock in {str(v) for v in calls[0].values()}
        assert "reaches sip: addresses only at mockphones.nat.bt.com" in _answer(
            wired, "/call", f"{SIP_FRAUD[1]} <@UBOB|bob>"
        )


# --- 2. number types: an allow list -----------------------------------------------------------

TYPED_REFUSALS = {
    "070 1234 5678": "070 1234 5678 is a personal number",
    "07640 123456": "076 4012 3456 is a pager number",
    "055 1234 5678": "055 1234 5678 is a UAN (corporate) number",
    "056 1234 5678": "056 1234 5678 is a VoIP number",
}


def test_personal_pager_uan_and_voip_numbers_are_refused_with_their_type(bridge, logs):
    wired = bridge
    asked = []
    for typed, named in TYPED_REFUSALS.items():
        for verb, command, text in (
            ("texts", "/sms", f"{typed} your parcel is waiting"),
            ("calls", "/call", f"{typed} <@UBOB|bob>"),
            ("calls", "/conf", f"<@UBOB|bob> {typed}"),
        ):
            status, ack, url = wired.command(command, text)
            assert status == 200
            asked.append((f"{named}; this bridge {verb} only", ack, url))
    # A Slack profile phone of such a type, and the same kind of number as a tel: URI:
    for named, (command, text) in {
        "070 1234 5678 is a personal number": ("/sms", "<@UPAT|pat> hello"),
        "076 4012 3456 is a pager number": ("/sms", "tel:+447640123456 hi"),
    }.items():
        status, ack, url = wired.command(command, text)
        asked.append((named, ack, url))
    wired.drain_work()
    time.sleep(0.3)  # anything obeyed would have reached the sandbox by now
    reached = {uri.removeprefix("tel:") for uri in _dialled(wired.sandbox.sandbox)}
    assert reached & {"+447012345678", "+447640123456", "+445512345678", "+445612345678"} == set()
    for expected, ack, url in asked:
        answer = ack or " ".join(wired.responses(url))
        assert expected in answer, (expected, answer)
        if "this bridge" in expected:
            assert answer.endswith("only mobile, fixed-line and toll-free numbers"), answer
    assert logs.problems() == [], logs.summary()


def test_allowed_number_types_is_configurable(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, ALLOWED_NUMBER_TYPES="mobile,pager") as wired:
        assert "this bridge texts only mobile and pager numbers" in _answer(
            wired, "/sms", "020 7946 0018 hello"
        )
        status, ack, _ = wired.command("/sms", "07640 123456 you are paged")
        assert (status, ack) == (200, "")
        wired.slack.state.wait_for(
            lambda _s: _texts_to(wired.sandbox.sandbox, "+447640123456") or None, what="the page"
        )


# --- 3. a number grants identity only once proven ---------------------------------------------


def _route_to_ops(wired) -> None:
    assert "now arrive in <#COPS>" in _answer(wired, "/sms", "route bridge #ops", user="UADMIN")


def _thread_header(wired, number: str):
    return wired.slack.state.wait_for(
        lambda s: next((m for m in s.messages("COPS") if number in m.text), None),
        what=f"the thread for {number}",
    )


def _call_card(wired, user: str, text: str):
    """Place a call; its card and its Web21C call id."""
    cards_before = {m.ts for m in wired.slack.state.messages(GENERAL) if m.blocks}
    calls_before = {c["callId"] for c in wired.sandbox.sandbox.calls()}
    status, ack, _ = wired.command("/call", text, user=user)
    assert (status, ack) == (200, "")
    card = wired.slack.state.wait_for(
        lambda s: next(
            (m for m in s.messages(GENERAL) if m.blocks and m.ts not in cards_before), None
        ),
        what="the call card",
    )
    (call_id,) = {c["callId"] for c in wired.sandbox.sandbox.calls()} - calls_before
    return card, call_id


def _press_hang_up(wired, user: str, call_id: str, card_ts: str) -> str | None:
    url = wired.slack.state.new_response_url(channel=GENERAL, user=user)
    body = block_actions_body("call_hang_up", call_id, user, GENERAL, card_ts, url)
    status, _ = wired.post(body)
    assert status == 200
    wired.drain_work()
    answers = wired.responses(url)
    extra = [e.text for e in wired.slack.state.ephemerals(user=user) if e.source != "response_url"]
    return " ".join(answers + extra) or None


def _call_status(wired, call_id: str) -> str:
    (call,) = [c for c in wired.sandbox.sandbox.calls() if c["callId"] == call_id]
    return call["callStatus"]


def test_claiming_someone_elses_number_grants_nothing_until_verified(bridge, logs):
    wired = bridge
    _route_to_ops(wired)
    claim = _answer(wired, "/phone", "07700 900123", user="UBOB")  # Carol's phone, not Bob's
    # Alice calls Carol's number; Bob, who only claimed it, tries to hang up on her:
    card, call_id = _call_card(wired, "UALICE", "07700 900123 07700 900006")
    refusal = _press_hang_up(wired, "UBOB", call_id, card.ts)
    assert _call_status(wired, call_id) != "CallTerminated"
    assert refusal and "Only the person who placed the call" in refusal, refusal
    assert "<@UBOB>" not in card.text
    # What Bob was told, and what Carol's phone received:
    assert "A code is on its way to +447700900123" in claim, claim
    assert "not used as yours" in claim
    assert "/phone verify" in _texts_to(wired.sandbox.sandbox, VICTIM)[-1]
    # Guessing the code does not work either, and is counted.
    assert "Wrong code for +447700900123; 4 tries left." in _answer(
        wired, "/phone", "verify 000000", user="UBOB"
    )
    shown = _answer(wired, "/phone", "", user="UBOB")
    assert "+447700900123 is registered, awaiting verification" in shown, shown
    assert logs.problems() == [], logs.summary()


def test_texts_from_a_claimed_number_are_not_shown_as_the_claimer(bridge, logs):
    wired = bridge
    _route_to_ops(wired)
    _answer(wired, "/phone", "07700 900123", user="UBOB")  # Carol's phone, not Bob's
    text_the_service(wired.sandbox, f"tel:{VICTIM}", "bridge this is carol, send the money")
    header = _thread_header(wired, VICTIM)
    replies = wired.slack.state.wait_for(
        lambda s: s.replies("COPS", header.ts) or None, what="Carol's text"
    )
    assert "<@UBOB>" not in header.text and "<@UBOB>" not in replies[0].text
    assert replies[0].text.startswith(f"*{VICTIM}*")
    assert logs.problems() == [], logs.summary()


def test_a_verified_number_names_its_owner_and_lets_them_hang_up(bridge, logs):
    wired = bridge
    _route_to_ops(wired)
    _answer(wired, "/phone", "07700 900123", user="UCAROL")
    code = _code_texted_to(wired, VICTIM)
    assert _answer(wired, "/phone", f"verify {code}", user="UCAROL") == (
        "Verified: your number is now +447700900123."
    )
    assert "+447700900123 (verified with /phone)" in _answer(wired, "/phone", "", user="UCAROL")
    card, call_id = _call_card(wired, "UALICE", "07700 900123 07700 900006")
    assert "<@UCAROL>" in card.text
    assert _press_hang_up(wired, "UCAROL", call_id, card.ts) is None
    wired.slack.state.wait_for(
        lambda _s: _call_status(wired, call_id) == "CallTerminated" or None, what="hung up"
    )
    text_the_service(wired.sandbox, f"tel:{VICTIM}", "bridge hello from carol")
    header = _thread_header(wired, VICTIM)
    assert "<@UCAROL>" in header.text
    assert logs.problems() == [], logs.summary()


def test_wrong_codes_lock_the_user_out_and_the_lock_survives_a_restart(
    tmp_path, slack, sandbox, logs
):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database) as wired:
        _answer(wired, "/phone", "07700 900123", user="UBOB")
        code = _code_texted_to(wired, VICTIM)
        wrong = "000000" if code != "000000" else "111111"
        answers = [_answer(wired, "/phone", f"verify {wrong}", user="UBOB") for _ in range(5)]
        assert answers[0] == "Wrong code for +447700900123; 4 tries left."
        assert answers[3] == "Wrong code for +447700900123; 1 try left."
        assert "that was the last try: registering a number is locked until" in answers[4]
        assert "Too many wrong codes" in _answer(wired, "/phone", f"verify {code}", user="UBOB")
    with wired_bridge(slack, sandbox, database) as wired:  # a restart lifts nothing
        assert "Too many wrong codes" in _answer(wired, "/phone", f"verify {code}", user="UBOB")
        again = _answer(wired, "/phone", "07700 900123", user="UBOB")
        assert "Too many wrong codes" in again, again
        assert "locked after too many wrong codes" in _answer(wired, "/phone", "", user="UBOB")
        assert len(_texts_to(wired.sandbox.sandbox, VICTIM)) == 1  # no new code was sent
        with wired.bridge.services.db.transaction() as tx:
            assert tx.directory.owner_of(VICTIM) is None
    assert logs.problems() == [], logs.summary()


def test_a_code_expires(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, PHONE_CODE_LIFETIME_SECONDS="1") as wired:
        _answer(wired, "/phone", "07700 900123", user="UCAROL")
        code = _code_texted_to(wired, VICTIM)
        time.sleep(1.2)  # past the code's lifetime
        expired = _answer(wired, "/phone", f"verify {code}", user="UCAROL")
        assert expired == "That code has expired: `/phone +447700900123` texts a new one."
        assert "its code is no longer valid" in _answer(wired, "/phone", "", user="UCAROL")
        with wired.bridge.services.db.transaction() as tx:
            assert tx.directory.owner_of(VICTIM) is None
    assert logs.problems() == [], logs.summary()


def test_a_pending_code_is_still_good_after_a_restart(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database) as wired:
        _answer(wired, "/phone", "07700 900123", user="UCAROL")
        code = _code_texted_to(wired, VICTIM)
    with wired_bridge(slack, sandbox, database) as wired:
        assert "Verified" in _answer(wired, "/phone", f"verify {code}", user="UCAROL")
        # Used once: the same code proves nothing a second time.
        assert "No number of yours is waiting" in _answer(
            wired, "/phone", f"verify {code}", user="UCAROL"
        )
    assert logs.problems() == [], logs.summary()


def test_an_admin_sets_a_number_without_a_code_and_it_is_audited(bridge, logs):
    wired = bridge
    _route_to_ops(wired)
    answer = _answer(wired, "/phone", "<@UCAROL|carol> 07700 900123", user="UADMIN")
    assert answer == "<@UCAROL>'s number is now +447700900123 (set by you as an admin, audited)."
    assert _texts_to(wired.sandbox.sandbox, VICTIM) == []  # no code needed
    with wired.bridge.services.db.transaction() as tx:
        entries = [e for e in tx.audit.recent() if e.action == "phone.set_by_admin"]
    assert [(e.actor, e.target, e.detail) for e in entries] == [("UADMIN", "UCAROL", VICTIM)]
    assert "+447700900123 (set by an admin)" in _answer(wired, "/phone", "", user="UCAROL")
    text_the_service(wired.sandbox, f"tel:{VICTIM}", "bridge carol here")
    assert "<@UCAROL>" in _thread_header(wired, VICTIM).text
    # Not an admin: refused, nothing recorded.
    refusal = _answer(wired, "/phone", "<@UALICE|alice> 07700 900123", user="UBOB")
    assert refusal == "Only admins can set someone else's number."
    assert logs.problems() == [], logs.summary()


def test_a_profile_phone_rings_but_proves_nothing_and_is_labelled_truthfully(bridge, logs):
    wired = bridge
    _route_to_ops(wired)
    for _ in range(2):  # the first read caches it; the second must not call it registered
        shown = _answer(wired, "/phone", "", user="UALICE")
        assert "+447700900001 (from the Slack profile" in shown, shown
        assert "registered with /phone" not in shown
    card, call_id = _call_card(wired, "UADMIN", "<@UALICE|alice> 07700 900006")
    assert card.text  # rung: the profile phone may ring its user
    (call,) = [c for c in wired.sandbox.sandbox.calls() if c["callId"] == call_id]
    assert "tel:+447700900001" in {str(v) for v in call.values()}
    text_the_service(wired.sandbox, "tel:+447700900001", "bridge hi")
    header = _thread_header(wired, "+447700900001")
    assert "<@UALICE>" not in header.text  # but a text from it is not shown as hers
    assert logs.problems() == [], logs.summary()


def test_a_changed_profile_phone_is_read_again_after_the_limit(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database) as wired:
        assert "+447700900001" in _answer(wired, "/phone", "", user="UALICE")
    slack.state.set_phone("UALICE", "07700 900002")
    # A restart clears the Slack client's own short cache; the directory's copy is in the
    # database, and is read again from Slack once older than PROFILE_PHONE_MAX_AGE_SECONDS.
    with wired_bridge(slack, sandbox, database, PROFILE_PHONE_MAX_AGE_SECONDS="1") as wired:
        time.sleep(1.2)
        shown = _answer(wired, "/phone", "", user="UALICE")
        assert "+447700900002 (from the Slack profile" in shown, shown
        slack.state.set_phone("UALICE", None)
    with wired_bridge(slack, sandbox, database, PROFILE_PHONE_MAX_AGE_SECONDS="1") as wired:
        time.sleep(1.2)
        assert "You have no known number" in _answer(wired, "/phone", "", user="UALICE")
    assert logs.problems() == [], logs.summary()
