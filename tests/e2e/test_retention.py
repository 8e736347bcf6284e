"""Retention and `/sms forget` against the running bridge: phones text it through the sandbox,
people use it through the fake Slack, history is written with the clock set back, and the
housekeeping job runs under its lease as the scheduler runs it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.services.retention import FORGET_ACTION
from storage.models import CallRow, ContactRow, ConversationRow, MessageRow, NoteRow
from storage.types import utcnow
from tests import history
from tests.e2e.conftest import GENERAL, running_bridge
from tests.e2e.sandbox_admin import SandboxAdmin, inbound_texts, wait_cleared, wait_for_inbound

SENDER = "tel:+447700900101"
NUMBER = "+447700900101"
OLD_NUMBER = "+447700900202"


def _route(bridge, keyword: str = "pizza") -> None:
    _, _, url = bridge.command("/sms", f"route {keyword} #ops", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)


def _rows(bridge, statement):
    with bridge.bridge.services.db.transaction() as tx:
        return tx.connection.execute(statement).all()


def _housekeeping(bridge) -> None:
    assert bridge.bridge.jobs.run_once("housekeeping")  # as the scheduler runs it, leased


def _header_ts(bridge, channel: str, number: str) -> str:
    return bridge.slack.state.wait_for(
        lambda s: next(
            (m.ts for m in s.messages(channel) if m.text.startswith(":speech_balloon:")
             and number in m.text), None,
        ),
        what=f"the conversation thread of {number}",
    )  # fmt: skip


def test_retention_deletes_old_texts_and_calls_and_keeps_what_is_still_needed(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox, RETENTION_DAYS="30") as bridge:
        admin = SandboxAdmin(bridge.sandbox.url)
        _route(bridge)
        admin.text_in(SENDER, "pizza today")  # a conversation active now
        wait_for_inbound(bridge, "COPS", 1)
        wait_cleared(admin)
        thread = _header_ts(bridge, "COPS", NUMBER)
        url = bridge.bridge.settings.database_url
        with history.at(url, utcnow() - timedelta(days=40)) as old:
            history.finished_inbound(old, OLD_NUMBER, "COPS", 5, "hist")
            open_one = history.outbound(old, NUMBER, "COPS", "hist-out").conversation_id
            history.outbound(old, OLD_NUMBER, "C2", "hist-maybe", unknown=True)
            history.call(old, NUMBER, OLD_NUMBER, "hist-call")
            with old.transaction() as tx:
                tx.notes.add(open_one, "COPS", "1.1", "UBOB", "an old note")
        _, note = bridge.reply_in_thread("COPS", thread, "UBOB", "note: a note of today")
        bridge.slack.state.wait_for(
            lambda s: "memo" in s.reactions("COPS", note.ts) or None, what="today's note kept"
        )

        _housekeeping(bridge)

        assert [row.text for row in _rows(bridge, select(NoteRow.text))] == [
            "note: a note of today"
        ]

        texts = {row.text for row in _rows(bridge, select(MessageRow.text))}
        # today's text, and the old one a delivery callback may still settle
        assert texts == {"pizza today", "hist-maybe reply"}
        assert _rows(bridge, select(CallRow.call_id).where(CallRow.call_id == "hist-call")) == []
        numbers = {row.phone_number for row in _rows(bridge, select(ConversationRow))}
        assert numbers == {NUMBER, OLD_NUMBER}  # today's, and the one its kept text needs

        admin.text_in(SENDER, "pizza again")  # the open conversation still threads
        bridge.slack.state.wait_for(
            lambda s: len(s.replies("COPS", thread)) == 3, what="the second text in the thread"
        )
        assert [r.text for r in bridge.slack.state.replies("COPS", thread)] == [
            f"*{NUMBER}*: pizza today",
            "note: a note of today",  # the team's note, in Slack as written
            f"*{NUMBER}*: pizza again",
        ]


CHANNELS = {"pizza": "COPS", "taxi": "CTAXI", "shop": "CSHOP"}  # posts are paced per channel


def test_a_purge_while_texts_arrive_loses_and_doubles_nothing(tmp_path, slack, sandbox):
    senders = [f"+4477009003{n:02d}" for n in range(6)]  # two per keyword
    total = 36
    with running_bridge(tmp_path, slack, sandbox, RETENTION_DAYS="30") as bridge:
        admin = SandboxAdmin(bridge.sandbox.url)
        bridge.slack.state.add_channel("taxi", channel_id="CTAXI")
        bridge.slack.state.add_channel("shop", channel_id="CSHOP")
        for keyword, name in [("pizza", "ops"), ("taxi", "taxi"), ("shop", "shop")]:
            _, _, url = bridge.command("/sms", f"route {keyword} #{name}", user="UADMIN")
            assert "now arrive in" in bridge.wait_for_response(url)
        keywords = list(CHANNELS)
        url = bridge.bridge.settings.database_url
        with history.at(url, utcnow() - timedelta(days=40)) as old:
            for n, number in enumerate(senders):  # old, idle conversations of the senders
                channel = CHANNELS[keywords[n % 3]]
                history.finished_inbound(old, number, channel, 400, f"hist{n}")
        # The bridge's own housekeeping job (RETENTION_DAYS is set) may already be purging
        # them by now, a batch at a time; the purges below race it, as a busy bridge would.
        assert 0 < len(_rows(bridge, select(MessageRow.id))) <= 2400
        # The seeded conversations carry made-up thread ts; drop the mapping so the texts
        # arriving now start real threads (the conversation rows stay old and idle).
        with bridge.bridge.services.db.transaction() as tx:
            for row in tx.connection.execute(select(ConversationRow.id)).all():
                tx.conversations.set_thread(row.id, None)

        def posted() -> int:
            state = bridge.slack.state
            return sum(len(inbound_texts(state, channel)) for channel in CHANNELS.values())

        sent: list[tuple[str, str]] = []  # (sender, text)
        purges: list[tuple[int, int]] = []  # texts posted when each purge began and ended
        done = threading.Event()

        def purge_repeatedly() -> None:
            while not done.is_set():
                began = posted()
                _housekeeping(bridge)
                purges.append((began, posted()))

        def text(n: int) -> None:
            sender = senders[n % 6]
            sent.append((sender, f"{keywords[n % 3]} {n} from {sender}"))
            admin.text_in(f"tel:{sender}", sent[-1][1])

        purger = threading.Thread(target=purge_repeatedly, name="purger")
        for n in range(12):  # texts already on their way into Slack when the purge starts
            text(n)
        bridge.slack.state.wait_for(lambda s: posted() >= 3, what="the first texts posted")
        purger.start()
        try:
            for n in range(12, total):
                text(n)
                time.sleep(0.05)
            bridge.slack.state.wait_for(
                lambda s: posted() >= total, timeout=90, what=f"{total} texts posted"
            )
            wait_cleared(admin, timeout=60)
        finally:
            done.set()
            purger.join(timeout=60)
        _housekeeping(bridge)

        assert purges and purges[0][0] < total, purges  # it purged while texts came in
        remaining = [row.text for row in _rows(bridge, select(MessageRow.text))]
        assert sorted(remaining) == sorted(t for _, t in sent)  # the old ones all went
        state = bridge.slack.state
        for n, sender in enumerate(senders):
            channel = CHANNELS[keywords[n % 3]]
            threads = [
                m for m in state.messages(channel)
                if m.text.startswith(":speech_balloon:") and sender in m.text
            ]  # fmt: skip
            assert len(threads) == 1, (sender, [m.text for m in threads])
            texts = [r.text for r in state.replies(channel, threads[0].ts)]
            assert texts == [f"*{sender}*: {t}" for who, t in sent if who == sender]  # once each


def test_forget_by_an_admin_deletes_the_numbers_data_and_audits_only_that_it_happened(
    tmp_path, slack, sandbox
):
    with running_bridge(tmp_path, slack, sandbox) as bridge:
        admin = SandboxAdmin(bridge.sandbox.url)
        _route(bridge)
        status, ack, _ = bridge.command("/sms", f"{NUMBER} is the pizza on its way?")
        assert (status, ack) == (200, "")
        thread = _header_ts(bridge, GENERAL, NUMBER)
        admin.text_in(SENDER, "pizza yes")  # a routed keyword wins: its own thread in #ops
        wait_for_inbound(bridge, "COPS", 1)
        wait_cleared(admin)
        for text in ("note: she is a VIP", "private: refund approved"):
            _, note = bridge.reply_in_thread(GENERAL, thread, "UBOB", text)
            bridge.slack.state.wait_for(
                lambda s, m=note: "memo" in s.reactions(GENERAL, m.ts) or None,
                what="the :memo: mark on a note",
            )
        _, _, url = bridge.command("/contact", "07700 900101 Jane Doe", user="UBOB")
        assert "is now called Jane Doe" in bridge.wait_for_response(url)
        admin.text_in("tel:+447700900102", "pizza someone else")
        wait_for_inbound(bridge, "COPS", 2)
        wait_cleared(admin)
        assert len(_rows(bridge, select(NoteRow.id))) == 2

        _, _, url = bridge.command("/sms", "forget 07700 900101", user="UADMIN")
        answer = bridge.wait_for_response(url)

        assert answer.startswith(
            f"Forgot {NUMBER}: 2 texts, 0 calls, 2 conversations, 2 notes, its contact name, "
        ), answer
        assert "4 audit entries no longer name it." in answer  # sms.send, 2 note.add, contact
        assert _rows(bridge, select(NoteRow.id)) == []
        assert _rows(bridge, select(ContactRow.phone_number)) == []
        senders = {row.sender for row in _rows(bridge, select(MessageRow.sender))}
        assert senders == {"tel:+447700900102"}
        numbers = {row.phone_number for row in _rows(bridge, select(ConversationRow))}
        assert numbers == {"+447700900102"}
        with bridge.bridge.services.db.transaction() as tx:
            entries = tx.audit.recent()
        assert (entries[0].actor, entries[0].action, entries[0].target, entries[0].detail) == (
            "UADMIN",
            FORGET_ACTION,
            "",
            "",
        )
        assert not any(NUMBER in e.target or NUMBER in e.detail for e in entries)
        assert not any("Jane Doe" in e.detail for e in entries)


def test_forget_by_someone_not_an_admin_is_refused_and_deletes_nothing(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge)
    admin.text_in(SENDER, "pizza hello")
    wait_for_inbound(bridge, "COPS", 1)
    before = _rows(bridge, select(func.count()).select_from(MessageRow))

    _, _, url = bridge.command("/sms", f"forget {NUMBER}", user="UALICE")

    assert bridge.wait_for_response(url) == (
        "Only admins can make the bridge forget a number (ask one of the people in ADMIN_USER_IDS)."
    )
    assert _rows(bridge, select(func.count()).select_from(MessageRow)) == before
    with bridge.bridge.services.db.transaction() as tx:
        assert FORGET_ACTION not in [e.action for e in tx.audit.recent()]


def test_forget_without_a_number_gets_usage_in_the_ack(bridge):
    status, ack, _ = bridge.command("/sms", "forget", user="UADMIN")
    assert status == 200
    assert "`forget` takes the number to forget." in ack
    assert "`/sms forget <number>`" in ack
