"""The team-inbox features as a user sees them, through the real HTTP endpoint, the sandbox
and the fake Slack: internal notes, contacts, history and export."""

from __future__ import annotations

import csv
import io

from bot.core.cards import HANG_UP
from tests.e2e.conftest import GENERAL
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.e2e.threads import conversation_header

JANE = "+447700900101"


def _thread(bridge, number: str, channel: str = GENERAL):
    return conversation_header(bridge, number, channel)


def _sent_texts(bridge) -> list[str]:
    return [m["messageText"] for m in bridge.sandbox.sandbox.messages()]


def _delivered(bridge, channel: str, thread_ts: str, count: int):
    bridge.slack.state.wait_for(
        lambda s: (
            sum("delivered" in r.text for r in s.replies(channel, thread_ts)) >= count or None
        ),
        timeout=30,
        what=f"{count} delivered text(s)",
    )


def test_a_note_is_never_texted_and_is_marked_with_a_memo(bridge):
    bridge.command("/sms", "07700 900123 hello")
    parent = _thread(bridge, "+447700900123")
    # The thread's replies and Alice's /sms are different work, run side by side: a reply
    # that beats the thread being stored is not yet in a conversation, so wait for the text.
    bridge.slack.state.wait_for(lambda s: "hello" in _sent_texts(bridge) or None, what="sent")
    _, note = bridge.reply_in_thread(GENERAL, parent.ts, "UBOB", "Note: she is a VIP, be nice")
    _, private = bridge.reply_in_thread(GENERAL, parent.ts, "UBOB", "PRIVATE: refund approved")
    _, reply = bridge.reply_in_thread(GENERAL, parent.ts, "UBOB", "on our way")
    state = bridge.slack.state
    for message in (note, private):
        state.wait_for(
            lambda s, m=message: "memo" in s.reactions(GENERAL, m.ts) or None,
            what="the :memo: mark on a note",
        )
    state.wait_for(
        lambda s: "white_check_mark" in s.reactions(GENERAL, reply.ts) or None,
        what="the ordinary reply delivered",
    )
    assert sorted(_sent_texts(bridge)) == ["hello", "on our way"]  # no note reached Web21C
    assert "outbox_tray" not in state.reactions(GENERAL, note.ts)


def test_a_named_contact_shows_in_the_header_and_in_a_later_inbound_post(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _, _, url = bridge.command("/sms", "route bridge #ops", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)
    bridge.command("/sms", f"{JANE} is the pizza on its way?")
    parent = _thread(bridge, JANE)
    assert parent.text.startswith(f":speech_balloon: Texts with {JANE}.")
    _, _, url = bridge.command("/contact", "07700 900101 Jane Doe", user="UBOB")
    assert bridge.wait_for_response(url) == f"{JANE} is now called Jane Doe for everyone."
    state = bridge.slack.state
    header = state.wait_for(
        lambda s: (m := s.message(GENERAL, parent.ts)) and "Jane Doe" in m.text and m,
        what="the existing header edited",
    )
    assert header.text.startswith(f":speech_balloon: Texts with Jane Doe ({JANE}).")
    admin.text_in(f"tel:{JANE}", "bridge yes, ten minutes")
    replies = state.wait_for(
        lambda s: (r := s.replies(GENERAL, parent.ts)) and "*: " in r[-1].text and r,
        timeout=30,
        what="the inbound text in the thread",
    )
    assert replies[-1].text == f"*Jane Doe ({JANE})*: bridge yes, ten minutes"
    _, _, url = bridge.command("/contact", "", user="UCAROL")
    assert bridge.wait_for_response(url) == f"*Contacts*\n• Jane Doe: {JANE}"


def test_hostile_and_over_long_names(bridge):
    status, ack, _ = bridge.command("/contact", "07700900102 " + "x" * 81)
    assert status == 200
    assert "That name is 81 characters long; a contact name is at most 80." in ack
    # What Slack sends (should_escape) for `<!channel> @here @admin & co` typed as a name:
    typed = "&lt;!channel&gt; <!here> <@UADMIN> &amp; co"
    _, _, url = bridge.command("/contact", f"07700900102 {typed}")
    assert "is now called &lt;!channel&gt; @here @admin &amp; co" in bridge.wait_for_response(url)
    bridge.command("/sms", "07700900102 hello")
    parent = _thread(bridge, "+447700900102")
    for live in ("<!channel>", "<!here>", "<@UADMIN>"):
        assert live not in parent.text
    assert "Texts with &lt;!channel&gt; @here @admin &amp; co (+447700900102)" in parent.text


def _text_and_call(bridge, channel: str = GENERAL, user: str = "UALICE"):
    """A text to Jane, delivered, then a call between Alice and Jane, hung up."""
    bridge.command("/sms", f"{JANE} running late", user=user, channel=channel)
    parent = _thread(bridge, JANE, channel)
    _delivered(bridge, channel, parent.ts, 1)
    bridge.command("/call", f"<@UALICE|alice> {JANE}", user=user, channel=channel)
    state = bridge.slack.state
    card = state.wait_for(
        lambda s: next((m for m in s.messages(channel) if m.blocks and "Call:" in m.text), None),
        what="the call card",
    )
    state.wait_for(
        lambda s: "Connected" in s.message(channel, card.ts).text or None, what="connected"
    )
    (call,) = bridge.sandbox.sandbox.calls()
    bridge.press(HANG_UP, call["callId"], card.ts, user=user, channel=channel)
    state.wait_for(
        lambda s: "hung up from here" in s.message(channel, card.ts).text or None, what="ended"
    )
    return parent


def test_history_lists_texts_and_calls_in_order(bridge):
    parent = _text_and_call(bridge)
    bridge.reply_in_thread(GENERAL, parent.ts, "UBOB", "private: she prefers calls")
    bridge.slack.state.wait_for(
        lambda s: (
            any("memo" in s.reactions(GENERAL, r.ts) for r in s.replies(GENERAL, parent.ts)) or None
        ),
        what="the note kept",
    )
    _, _, url = bridge.command("/sms", "history 07700 900101", user="UBOB")
    lines = bridge.wait_for_response(url).splitlines()
    assert lines[0] == f"*Texts and calls with {JANE}* (all, oldest first)"
    assert lines[1].endswith("→ <@UALICE>: running late · delivered")
    assert (
        ":telephone_receiver: call to them from +447700900001 · hung up from the bridge"
        in (lines[2])
    )
    assert len(lines) == 3  # the note is for export, not for the history
    responses = bridge.slack.state.response_posts(url)
    assert responses[0].response_type == "ephemeral"


def test_an_export_is_a_csv_sent_to_the_requester_as_a_file(bridge):
    parent = _text_and_call(bridge)
    bridge.reply_in_thread(GENERAL, parent.ts, "UBOB", "note: =1+1 call her back")
    state = bridge.slack.state
    state.wait_for(
        lambda s: (
            any("memo" in s.reactions(GENERAL, r.ts) for r in s.replies(GENERAL, parent.ts)) or None
        ),
        what="the note kept",
    )
    _, _, url = bridge.command("/sms", f"export {JANE}", user="UBOB")
    answer = bridge.wait_for_response(url)
    assert answer == (
        f"The conversation with {JANE} (3 rows) is in your direct messages with the bridge as "
        "`conversation-447700900101.csv`."
    )
    im = state.im_with("UBOB")
    (upload,) = state.shared_files(im)
    assert upload.filename == "conversation-447700900101.csv"
    assert upload.initial_comment == f"The conversation with {JANE}: 3 rows."
    rows = list(csv.reader(io.StringIO(upload.content.decode())))
    assert rows[0] == ["time_utc", "kind", "direction", "from", "to", "text", "state", "channel"]
    body = [r[1:] for r in rows[1:]]
    assert body[0] == ["text", "out", "UALICE", JANE, "running late", "delivered", GENERAL]
    assert body[1][:5] == ["call", "out", "+447700900001", JANE, ""]
    assert body[1][5].startswith("hung up from the bridge") and body[1][6] == GENERAL
    assert body[2] == ["note", "", "UBOB", "", "note: =1+1 call her back", "not sent", GENERAL]
    assert state.shared_files(GENERAL) == []  # only the requester got it


def test_a_non_member_may_not_read_or_export_and_is_told_why(bridge):
    state = bridge.slack.state
    state.add_channel("sales", channel_id="CSALES", private=True, members={"UALICE"})
    _, _, url = bridge.command("/sms", f"{JANE} your quote", user="UALICE", channel="CSALES")
    # Alice's send and Bob's questions are different users' work, so they may run side by
    # side: wait until the text reached Web21C (it is recorded before it is sent).
    bridge.slack.state.wait_for(
        lambda s: "your quote" in _sent_texts(bridge) or None, what="the text sent"
    )
    refusal = (
        f"The conversation with {JANE} lives in <#CSALES>: only admins and members of that "
        "channel may read or export it, and you are not one."
    )
    for command in (f"history {JANE}", f"export {JANE}"):
        _, _, url = bridge.command("/sms", command, user="UBOB")
        assert bridge.wait_for_response(url) == refusal
    assert state.shared_files() == []
    _, _, url = bridge.command("/sms", f"history {JANE}", user="UALICE")
    assert "your quote" in bridge.wait_for_response(url)
    _, _, url = bridge.command("/sms", f"export {JANE}", user="UADMIN")
    assert "(1 rows)" in bridge.wait_for_response(url)
    (upload,) = state.shared_files()
    assert upload.channel == state.im_with("UADMIN")
