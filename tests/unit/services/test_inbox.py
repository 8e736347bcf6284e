"""Notes, contacts, history and export through the services, with fakes at the ports."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.commands import NumberTarget, UsageError, UserTarget, parse
from bot.core.domain import CallInformation, CallStatus, CallTerminationCause, ChatError
from bot.services.dispatch import SOMETHING_WENT_WRONG, Invocation
from bot.services.errors import Rejected
from tests.unit.services.conftest import ADMIN, CHANNEL, services_on_test_clock

JANE = "+447700900123"


@pytest.fixture
def services(tmp_path, telephony, chat, clock):
    with services_on_test_clock(tmp_path, telephony, chat, clock, SMS_MAX_SEGMENTS="2") as wired:
        yield wired


def _thread(services, chat, actor="UBOB", text="hi"):
    services.messaging.send(actor, CHANNEL, NumberTarget(JANE), text)
    (parent,) = chat.top_level(CHANNEL)
    return parent


def _reply(services, chat, parent, text, actor="UALICE"):
    ts = chat.post(CHANNEL, text, thread_ts=parent.ts)
    services.messaging.reply(actor, CHANNEL, parent.ts, ts, text, has_files=False)
    return ts


# --- notes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["note: she is a VIP", "PRIVATE: refund later", "  Note:x"])
def test_a_note_is_never_texted_and_is_marked_and_kept(services, telephony, chat, text):
    parent = _thread(services, chat)
    ts = _reply(services, chat, parent, text)
    assert len(telephony.sent) == 1  # only the /sms that opened the thread
    assert chat.reactions[(CHANNEL, ts)] == {"memo"}
    with services.db.transaction() as tx:
        (note,) = tx.notes.for_conversations([tx.history.conversations_with(JANE)[0].id])
        (audit, *_) = tx.audit.recent()
    assert (note.text, note.author, note.slack_ts) == (text.strip(), "UALICE", ts)
    assert audit.action == "note.add"


@pytest.mark.parametrize("text", ["notes: not a note", "a note: later", "privately yes"])
def test_only_the_prefixes_make_a_note(services, telephony, chat, text):
    parent = _thread(services, chat)
    _reply(services, chat, parent, text)
    assert telephony.sent[-1].text == text


def test_a_note_whose_mark_fails_is_still_not_texted(services, telephony, chat):
    parent = _thread(services, chat)

    def refuse(*_args):
        raise ChatError("ratelimited")

    chat.react = refuse
    _reply(services, chat, parent, "note: do not send")
    assert len(telephony.sent) == 1


# --- contacts --------------------------------------------------------------------------------


def test_naming_a_number_edits_its_header_and_labels_later_posts(services, telephony, chat):
    parent = _thread(services, chat)
    answer = services.dispatcher.contacts.set("UALICE", NumberTarget("07700 900123"), "Jane Doe")
    assert answer == f"{JANE} is now called Jane Doe for everyone."
    assert parent.text.startswith(f":speech_balloon: Texts with Jane Doe ({JANE}).")
    assert len(parent.edits) == 1
    with services.db.transaction() as tx:
        tx.routes.set("bridge", CHANNEL, ADMIN)
    telephony.receive("bridge", f"tel:{JANE}", "bridge thanks")
    services.poll_inbound()
    assert chat.thread(CHANNEL, parent.ts)[-1].text == f"*Jane Doe ({JANE})*: bridge thanks"


def test_a_name_given_while_the_header_is_being_posted_still_reaches_it(services, chat):
    """`/contact` runs on another worker: here it lands after the header is posted and before
    its thread is stored, so it finds no thread to edit; the new thread must pick the name up."""
    post = chat.post
    named = []

    def post_then_name(channel, text, **kwargs):
        ts = post(channel, text, **kwargs)
        if text.startswith(":speech_balloon:") and not named:
            named.append(services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Jane"))
        return ts

    chat.post = post_then_name  # this fake's own hook: the interleaving two workers can make
    parent = _thread(services, chat)
    assert named == [f"{JANE} is now called Jane for everyone."]
    assert parent.text.startswith(f":speech_balloon: Texts with Jane ({JANE}).")


def test_a_hostile_name_is_shown_inert_everywhere(services, chat):
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "<!channel> <@UADMIN>")
    parent = _thread(services, chat)
    assert "<!channel>" not in parent.text and "<@UADMIN>" not in parent.text
    assert "&lt;!channel&gt; &lt;@UADMIN&gt;" in parent.text
    assert "&lt;!channel&gt;" in services.dispatcher.contacts.describe()
    assert "&lt;!channel&gt;" in services.dispatcher.contacts.show(NumberTarget(JANE))


def test_show_forget_and_list(services, chat):
    assert "has no name" in services.dispatcher.contacts.show(NumberTarget(JANE))
    assert "No numbers have names yet" in services.dispatcher.contacts.describe()
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Jane")
    services.dispatcher.contacts.set("UBOB", NumberTarget("07700900124"), "Amir")
    assert services.dispatcher.contacts.describe() == (
        "*Contacts*\n• Amir: +447700900124\n• Jane: +447700900123"
    )
    assert "(it was Jane)" in services.dispatcher.contacts.set(
        "UBOB", NumberTarget(JANE), "Jane Doe"
    )
    assert "named by <@UBOB>" in services.dispatcher.contacts.show(NumberTarget(JANE))
    parent = _thread(services, chat)
    assert services.dispatcher.contacts.forget("UALICE", NumberTarget(JANE)) == (
        f"{JANE} is no longer called Jane Doe."
    )
    assert parent.text.startswith(f":speech_balloon: Texts with {JANE}.")
    assert "nothing to forget" in services.dispatcher.contacts.forget("UALICE", NumberTarget(JANE))
    with services.db.transaction() as tx:
        actions = [e.action for e in tx.audit.recent()]
    assert actions.count("contact.set") == 3 and actions.count("contact.forget") == 1


def test_a_name_shows_on_call_cards(services, telephony, chat):
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Jane Doe")
    with services.db.transaction() as tx:
        tx.directory.set_number("UBOB", "+447700900006", "verified")
    services.calls.place("UALICE", CHANNEL, (UserTarget("UBOB"), NumberTarget(JANE)))
    (card,) = [m for m in chat.top_level(CHANNEL) if m.card is not None]
    assert f"<@UBOB> → Jane Doe ({JANE})" in card.card.title


def test_a_number_that_proves_to_be_a_user_stays_that_user(services, chat):
    with services.db.transaction() as tx:
        tx.directory.set_number("UBOB", JANE, "verified")
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Not Bob")
    parent = _thread(services, chat, actor="UALICE")
    assert "<@UBOB>" in parent.text and "Not Bob" not in parent.text


def test_an_unparseable_number_is_refused(services):
    with pytest.raises(Rejected):
        services.dispatcher.contacts.set("UALICE", NumberTarget("123"), "Nobody")


# --- history and export ----------------------------------------------------------------------


def _call_with_jane(services, telephony, clock):
    with services.db.transaction() as tx:
        tx.directory.set_number("UBOB", "+447700900006", "verified")
    services.calls.place("UBOB", CHANNEL, (UserTarget("UBOB"), NumberTarget(JANE)))
    call_id = list(telephony.calls)[-1]
    start = clock.now()
    telephony.calls[call_id] = CallInformation(
        CallStatus.TERMINATED, start, 75, CallTerminationCause.CALLED_PARTY_HUNG_UP
    )
    services.calls.refresh(call_id)


def _conversation(services, telephony, chat, clock):
    with services.db.transaction() as tx:
        tx.routes.set("bridge", CHANNEL, ADMIN)
    parent = _thread(services, chat, text="are you in?")
    clock.advance(60)
    telephony.receive("bridge", f"tel:{JANE}", "bridge yes =1+1")
    services.poll_inbound()
    clock.advance(60)
    _reply(services, chat, parent, "note: she is in")
    clock.advance(60)
    _call_with_jane(services, telephony, clock)
    return parent


def test_history_lists_texts_and_calls_in_order_to_members(services, telephony, chat, clock):
    _conversation(services, telephony, chat, clock)
    chat.members[CHANNEL] = {"UALICE"}
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Jane Doe")
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL), parse("sms", "history 07700 900123")
    )
    lines = answer.splitlines()
    assert lines[0] == f"*Texts and calls with Jane Doe ({JANE})* (all, oldest first)"
    assert "→ <@UBOB>: are you in? · initial" in lines[1]
    assert f"← Jane Doe ({JANE}): bridge yes =1+1 · received" in lines[2]
    assert "call to them from <@UBOB> · called party hung up after 1:15" in lines[3]
    assert len(lines) == 4  # the note is not in the history
    assert lines[1].startswith("`2026-11-26 12:00 UTC`")


def test_history_of_a_user_uses_their_number(services, telephony, chat, clock):
    _call_with_jane(services, telephony, clock)
    answer = services.dispatcher.history.show(ADMIN, UserTarget("UBOB"))
    assert "call from them to" in answer


def test_history_shows_only_the_last_twenty(services, chat, clock):
    for n in range(25):
        services.messaging.send("UBOB", CHANNEL, NumberTarget(JANE), f"text {n}")
        clock.advance(1)
    answer = services.dispatcher.history.show(ADMIN, NumberTarget(JANE))
    assert "(last 20 of 25, oldest first)" in answer
    assert "text 5 " in answer and "text 4 " not in answer and "text 24 " in answer


def test_a_non_member_is_refused_and_told_why(services, telephony, chat, clock):
    _conversation(services, telephony, chat, clock)
    chat.members[CHANNEL] = {"UALICE"}
    for command in ("history 07700900123", "export 07700900123"):
        answer = services.dispatcher.run(Invocation("UBOB", "COTHER"), parse("sms", command))
        assert answer == (
            f"The conversation with {JANE} lives in <#{CHANNEL}>: only admins and members of "
            "that channel may read or export it, and you are not one."
        )
    assert chat.files == []


def test_an_export_is_a_csv_of_everything_sent_to_the_requester(services, telephony, chat, clock):
    _conversation(services, telephony, chat, clock)
    answer = services.dispatcher.history.export(ADMIN, NumberTarget("07700 900123"))
    assert answer == (
        f"The conversation with {JANE} (4 rows) is in your direct messages as "
        "conversation-447700900123.csv."
    )
    (sent,) = chat.files
    assert (sent.user, sent.filename) == (ADMIN, "conversation-447700900123.csv")
    rows = list(csv.reader(io.StringIO(sent.content.decode())))
    assert rows[0] == ["time_utc", "kind", "direction", "from", "to", "text", "state", "channel"]
    body = [r[1:] for r in rows[1:]]
    assert body == [
        ["text", "out", "UBOB", JANE, "are you in?", "initial", CHANNEL],
        ["text", "in", JANE, "", "bridge yes =1+1", "received", CHANNEL],
        ["note", "", "UALICE", "", "note: she is in", "not sent", CHANNEL],
        ["call", "out", "+447700900006", JANE, "", "called party hung up after 1:15", CHANNEL],
    ]
    assert rows[1][0] == "2026-11-26T12:00:00Z"


def test_cells_a_spreadsheet_would_run_are_defused(services, telephony, chat, clock):
    with services.db.transaction() as tx:
        tx.routes.set("bridge", CHANNEL, ADMIN)
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "=HYPERLINK(1)")
    telephony.receive("bridge", f"tel:{JANE}", "=cmd|' /C calc'!A0")
    services.poll_inbound()
    services.dispatcher.history.export(ADMIN, NumberTarget(JANE))
    rows = list(csv.reader(io.StringIO(chat.files[0].content.decode())))
    assert rows[1][3] == f"'=HYPERLINK(1) ({JANE})"
    assert rows[1][5] == "'=cmd|' /C calc'!A0"


def test_nothing_to_show_or_export(services, chat):
    assert services.dispatcher.history.show(ADMIN, NumberTarget(JANE)) == (
        f"There are no texts or calls with {JANE} yet."
    )
    assert "nothing with" in services.dispatcher.history.export(ADMIN, NumberTarget(JANE))
    assert chat.files == []


_INBOX_WORDS = [
    "forget",
    "history",
    "export",
    "@alice",
    "<@UBOB>",
    "07700",
    "900123",
    "+44",
    "tel:+447700900123",
    "<!channel>",
    "Jane",
    "x" * 79,
    "sip:a@b",
    "0",
    "99",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["contact", "sms"]),
    text=st.lists(st.sampled_from(_INBOX_WORDS), max_size=5).map(" ".join),
)
def test_no_inbox_command_makes_a_handler_raise(services, command, text):
    try:
        parsed = parse(command, text)
    except UsageError:
        return
    if command == "sms" and type(parsed).__name__ not in ("ShowHistory", "ExportHistory"):
        return
    answer = services.dispatcher.run(Invocation("UALICE", CHANNEL), parsed)
    assert answer and answer != SOMETHING_WENT_WRONG


def test_a_name_shows_on_conference_cards(services, chat):
    services.dispatcher.contacts.set("UALICE", NumberTarget(JANE), "Jane Doe")
    services.conferences.start("UALICE", CHANNEL, (NumberTarget(JANE), NumberTarget("07700900124")))
    (card,) = [m for m in chat.top_level(CHANNEL) if m.card is not None]
    rows = [row.text for row in card.card.rows]
    assert f"Jane Doe ({JANE}): ringing…" in rows
    assert "+447700900124: ringing…" in rows


def test_history_and_export_include_conferences(services, chat):
    services.conferences.start("UALICE", CHANNEL, (NumberTarget(JANE), NumberTarget("07700900124")))
    answer = services.dispatcher.history.show(ADMIN, NumberTarget(JANE))
    assert ":busts_in_silhouette: conference started by <@UALICE> · live" in answer
    assert "07700900124" not in answer and "+447700900124" not in answer
    services.dispatcher.history.export(ADMIN, NumberTarget(JANE))
    rows = list(csv.reader(io.StringIO(chat.files[0].content.decode())))
    assert [r[1:] for r in rows[1:]] == [["conference", "out", "UALICE", JANE, "", "live", CHANNEL]]
    assert "There are no texts" in services.dispatcher.history.show(
        ADMIN, NumberTarget("07700900125")
    )
