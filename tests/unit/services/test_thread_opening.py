"""Two openers of one conversation at once, and a reply that outruns its thread's record.

The chat fake below holds the first thread header inside `post` (the moment between Slack
answering and the bridge storing the thread), while a second caller runs in that gap.
"""

from __future__ import annotations

import threading

import pytest

from bot.bootstrap import Services, wire_services
from bot.config import load_settings
from bot.core.commands import NumberTarget
from bot.core.domain import ChatError
from bot.services.parties import Party
from storage import Database
from tests.fakes import FakeChat
from tests.unit.services.conftest import CHANNEL

NUMBER = "+447700900123"


class HeaderHeldChat(FakeChat):
    """Posts normally, but the first thread header waits in `post` until released."""

    def __init__(self) -> None:
        super().__init__()
        self.header_posted = threading.Event()
        self.release = threading.Event()
        self._held = False

    def post(self, channel, text, *, thread_ts=None, card=None, metadata=None):
        ts = super().post(channel, text, thread_ts=thread_ts, card=card, metadata=metadata)
        if metadata and not self._held:
            self._held = True
            self.header_posted.set()
            assert self.release.wait(10), "the test never released the header"
        return ts


def _opening_in_background(target):
    result: dict = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as error:  # reported by the test, not lost in the thread
            result["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_two_openers_at_once_post_one_header_and_share_its_thread(held, held_chat):
    services, chat = held, held_chat
    party = Party(f"tel:{NUMBER}", None)
    first, first_result = _opening_in_background(
        lambda: services.messaging.thread_for(party, CHANNEL)
    )
    assert chat.header_posted.wait(10)
    second, second_result = _opening_in_background(
        lambda: services.messaging.thread_for(party, CHANNEL)
    )
    second.join(0.5)  # left to run into the gap; before the fix it posted a second header
    chat.release.set()
    first.join(10)
    second.join(10)
    assert "error" not in first_result and "error" not in second_result
    headers = [p for p in chat.top_level(CHANNEL) if p.metadata]
    assert len(headers) == 1
    assert first_result["value"] == second_result["value"] == (1, headers[0].ts)


def test_a_reply_that_reaches_us_before_its_thread_is_stored_is_still_texted(
    held, held_chat, telephony
):
    services, chat = held, held_chat
    sending, sent = _opening_in_background(
        lambda: services.messaging.send("UBOB", CHANNEL, NumberTarget(NUMBER), "running late"),
    )
    assert chat.header_posted.wait(10)
    (header,) = chat.top_level(CHANNEL)
    reply_ts = chat.post(CHANNEL, "on my way", thread_ts=header.ts)
    replying, replied = _opening_in_background(
        lambda: services.messaging.reply(
            "UALICE", CHANNEL, header.ts, reply_ts, "on my way", has_files=False
        ),
    )
    replying.join(0.5)  # the reply arrives while the header is not yet stored
    chat.release.set()
    sending.join(10)
    replying.join(10)
    assert "error" not in sent and "error" not in replied
    assert sorted(s.text for s in telephony.sent) == ["on my way", "running late"]


def test_a_header_that_could_not_be_posted_leaves_no_claim_behind(services, chat):
    chat.refuse[CHANNEL] = ChatError("channel_not_found")
    party = Party(f"tel:{NUMBER}", None)
    with pytest.raises(ChatError):
        services.messaging.thread_for(party, CHANNEL)
    del chat.refuse[CHANNEL]
    _, thread_ts = services.messaging.thread_for(party, CHANNEL)  # at once, not after a wait
    assert (CHANNEL, thread_ts) in chat.messages


def test_a_reply_in_an_ordinary_thread_is_not_held_up(services, chat, telephony):
    ts = chat.post(CHANNEL, "lunch?")
    services.messaging.reply("UALICE", CHANNEL, ts, "1.1", "yes", has_files=False)
    assert telephony.sent == []


@pytest.fixture
def held_chat() -> HeaderHeldChat:
    chat = HeaderHeldChat()
    chat.add_user("UALICE", "alice", "07700 900001")
    chat.add_user("UBOB", "bob", "+44 7700 900006")
    yield chat
    chat.release.set()  # never leave a thread waiting in post


@pytest.fixture
def held(tmp_path, telephony, held_chat, clock) -> Services:
    settings = load_settings({"SMS_MAX_SEGMENTS": "2"}, dotenv_path=None)
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}")
    db.create_schema()
    wired = wire_services(settings, db, telephony, held_chat, clock=clock)
    yield wired
    wired.close()
    db.close()
