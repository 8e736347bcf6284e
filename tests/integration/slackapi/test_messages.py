"""Posting, threads, metadata, edits, deletes and channel access, through the real slack_sdk."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from slack_sdk.errors import SlackApiError

from tests.slackapi import GENERAL_CHANNEL_ID as GENERAL


def _error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


def test_posts_get_unique_increasing_slack_timestamps_and_history_is_newest_first(client, slack):
    stamps = [client.chat_postMessage(channel=GENERAL, text=f"m{i}")["ts"] for i in range(5)]

    assert all(re.fullmatch(r"\d{10}\.\d{6}", ts) for ts in stamps)
    assert [Decimal(ts) for ts in stamps] == sorted({Decimal(ts) for ts in stamps})
    history = client.conversations_history(channel=GENERAL)["messages"]
    assert [m["text"] for m in history] == ["m4", "m3", "m2", "m1", "m0"]
    assert history[0]["bot_id"] == slack.state.bot_id
    assert history[0]["user"] == slack.state.bot_user_id
    assert [m.text for m in slack.state.messages(GENERAL)] == ["m0", "m1", "m2", "m3", "m4"]


def test_history_pages_with_cursor_and_filters_by_oldest(client):
    stamps = [client.chat_postMessage(channel=GENERAL, text=f"m{i}")["ts"] for i in range(5)]

    first = client.conversations_history(channel=GENERAL, limit=2)
    second = client.conversations_history(
        channel=GENERAL, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    newer = client.conversations_history(channel=GENERAL, oldest=stamps[2])
    inclusive = client.conversations_history(channel=GENERAL, oldest=stamps[2], inclusive=True)

    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]
    assert [m["text"] for m in newer["messages"]] == ["m4", "m3"]
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2"]


def test_thread_replies_are_recorded_under_the_parent(client, slack):
    parent = client.chat_postMessage(channel=GENERAL, text="+447700900123")["ts"]
    client.chat_postMessage(channel=GENERAL, text="first", thread_ts=parent)
    last = client.chat_postMessage(
        channel=GENERAL, text="second", thread_ts=parent, reply_broadcast=True
    )["ts"]

    history = client.conversations_history(channel=GENERAL)["messages"]
    thread = client.conversations_replies(channel=GENERAL, ts=parent)["messages"]

    assert [m["text"] for m in history] == ["second", "+447700900123"]
    assert history[0]["subtype"] == "thread_broadcast"
    assert history[1]["reply_count"] == 2
    assert history[1]["latest_reply"] == last
    assert [m["text"] for m in thread] == ["+447700900123", "first", "second"]
    assert all(m["thread_ts"] == parent for m in thread)
    assert [m.text for m in slack.state.replies(GENERAL, parent)] == ["first", "second"]


def test_a_reply_to_an_unknown_thread_is_refused(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=GENERAL, text="hi", thread_ts="1700000000.000001")
    assert _error(excinfo) == "invalid_thread_ts"


def test_metadata_comes_back_only_when_asked_for(client):
    metadata = {"event_type": "sms_received", "event_payload": {"message_id": "m-1"}}
    client.chat_postMessage(channel=GENERAL, text="hello", metadata=metadata)

    with_metadata = client.conversations_history(channel=GENERAL, include_all_metadata=True)
    without = client.conversations_history(channel=GENERAL)

    assert with_metadata["messages"][0]["metadata"] == metadata
    assert "metadata" not in without["messages"][0]


def test_form_encoded_post_with_json_text_blocks_and_metadata(client, slack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "call", "event_payload": {"call_id": "c-9"}}
    client.api_call(
        "chat.postMessage",
        params={
            "channel": GENERAL,
            "text": "hi",
            "blocks": json.dumps(blocks),
            "metadata": json.dumps(metadata),
        },
    )

    (message,) = slack.state.messages(GENERAL)
    assert message.blocks == blocks
    assert message.metadata == metadata


def test_post_without_text_or_blocks_and_too_many_blocks_are_refused(client):
    with pytest.raises(SlackApiError) as no_text, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel=GENERAL)
    divider = {"type": "divider"}
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel=GENERAL, text="x", blocks=[divider] * 51)
    assert _error(no_text) == "no_text"
    assert _error(too_many) == "invalid_blocks"


def test_update_keeps_an_edit_history_and_the_blocks_unless_replaced(client, slack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Ringing"}}]
    ts = client.chat_postMessage(channel=GENERAL, text="Ringing", blocks=blocks)["ts"]

    client.chat_update(channel=GENERAL, ts=ts, text="Connected")
    client.chat_update(channel=GENERAL, ts=ts, text="Ended", blocks=[])

    message = slack.state.message(GENERAL, ts)
    assert message.text == "Ended"
    assert message.blocks is None
    assert message.edit_count == 2
    assert [edit.text for edit in message.edits] == ["Ringing", "Connected"]
    assert message.edits[1].blocks == blocks


def test_update_refuses_unknown_and_other_peoples_messages(client, slack):
    alice = slack.state.add_user("alice")
    theirs = slack.state.post_as_user(GENERAL, alice, "mine")
    with pytest.raises(SlackApiError) as not_ours:
        client.chat_update(channel=GENERAL, ts=theirs.ts, text="edited")
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=GENERAL, ts="1700000000.000001", text="edited")
    assert _error(not_ours) == "cant_update_message"
    assert _error(missing) == "message_not_found"


def test_delete_hides_a_message_and_a_parent_with_replies_leaves_a_tombstone(client, slack):
    lonely = client.chat_postMessage(channel=GENERAL, text="lonely")["ts"]
    parent = client.chat_postMessage(channel=GENERAL, text="parent")["ts"]
    client.chat_postMessage(channel=GENERAL, text="reply", thread_ts=parent)

    client.chat_delete(channel=GENERAL, ts=lonely)
    client.chat_delete(channel=GENERAL, ts=parent)

    history = client.conversations_history(channel=GENERAL)["messages"]
    assert [m.get("subtype") for m in history] == ["tombstone"]
    assert slack.state.message(GENERAL, lonely).deleted
    with pytest.raises(SlackApiError) as again:
        client.chat_delete(channel=GENERAL, ts=lonely)
    assert _error(again) == "message_not_found"


def test_channel_access_errors(client, slack):
    archived = slack.state.add_channel("old-texts", archived=True)
    outside = slack.state.add_channel("sales", bot_member=False)
    secret = slack.state.add_channel("board", private=True, bot_member=False)
    expected = {
        archived: "is_archived",
        outside: "not_in_channel",
        secret: "channel_not_found",
        "C0NOWHERE": "channel_not_found",
    }

    errors = {}
    for channel in expected:
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel=channel, text="hi")
        errors[channel] = _error(excinfo)

    assert errors == expected
    assert slack.state.call_count("chat.postMessage", ok=False) == 4


def test_joining_a_public_channel_lets_the_bot_post_and_read(client, slack):
    sales = slack.state.add_channel("sales", bot_member=False)
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel=sales)
    assert _error(excinfo) == "not_in_channel"

    client.conversations_join(channel=sales)
    client.chat_postMessage(channel=sales, text="hello sales")

    assert client.conversations_info(channel=sales)["channel"]["is_member"] is True
    assert [m["text"] for m in client.conversations_history(channel=sales)["messages"]] == [
        "hello sales"
    ]
    listed = client.conversations_list()["channels"]
    assert {c["name"] for c in listed} == {"general", "sales"}


def test_posting_to_a_user_id_opens_a_direct_message(client, slack):
    bob = slack.state.add_user("bob")
    posted = client.chat_postMessage(channel=bob, text="your call ended")

    assert posted["channel"].startswith("D")
    assert slack.state.channel(posted["channel"]).im_user == bob
    assert [m.text for m in slack.state.messages(posted["channel"])] == ["your call ended"]


def test_ephemerals_are_kept_per_user_and_not_in_history(client, slack):
    alice = slack.state.add_user("alice")
    bob = slack.state.add_user("bob")

    answer = client.chat_postEphemeral(channel=GENERAL, user=alice, text="Usage: /sms <to> <text>")

    assert answer["message_ts"]
    assert [e.text for e in slack.state.ephemerals(user=alice)] == ["Usage: /sms <to> <text>"]
    assert slack.state.ephemerals(user=bob) == []
    assert client.conversations_history(channel=GENERAL)["messages"] == []
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postEphemeral(channel=GENERAL, user="U0NOBODY", text="hi")
    assert _error(excinfo) == "user_not_found"


def test_reactions_add_remove_and_get(client, slack):
    ts = client.chat_postMessage(channel=GENERAL, text="sent")["ts"]

    client.reactions_add(channel=GENERAL, timestamp=ts, name="hourglass")
    with pytest.raises(SlackApiError) as twice:
        client.reactions_add(channel=GENERAL, timestamp=ts, name="hourglass")
    client.reactions_add(channel=GENERAL, timestamp=ts, name="white_check_mark")
    client.reactions_remove(channel=GENERAL, timestamp=ts, name="hourglass")
    with pytest.raises(SlackApiError) as gone:
        client.reactions_remove(channel=GENERAL, timestamp=ts, name="hourglass")

    got = client.reactions_get(channel=GENERAL, timestamp=ts)["message"]["reactions"]
    assert _error(twice) == "already_reacted"
    assert _error(gone) == "no_reaction"
    assert got == [{"name": "white_check_mark", "users": [slack.state.bot_user_id], "count": 1}]
    assert slack.state.reactions(GENERAL, ts) == {"white_check_mark": [slack.state.bot_user_id]}
