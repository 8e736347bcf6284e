"""files_upload_v2 against the fake Slack: the upload URL on loopback, the bytes, the share."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.chat import SlackChat
from tests.slackapi import GENERAL_CHANNEL_ID as GENERAL


def test_files_upload_v2_shares_the_bytes_in_a_direct_message(client, slack):
    slack.state.add_user("alice", user_id="UALICE")
    im = client.conversations_open(users="UALICE")["channel"]["id"]
    response = client.files_upload_v2(
        channel=im, filename="a.csv", content=b"x,y\r\n1,2\r\n", initial_comment="for you"
    )
    assert response["file"]["name"] == "a.csv"
    (upload,) = slack.state.shared_files(im)
    assert (upload.content, upload.initial_comment) == (b"x,y\r\n1,2\r\n", "for you")
    (message,) = slack.state.messages(im)
    assert message.text == "for you" and message.files[0]["id"] == upload.id
    assert slack.state.shared_files(GENERAL) == []


def test_the_upload_url_is_on_loopback_and_checks_the_length(client, slack):
    answer = client.files_getUploadURLExternal(filename="a.txt", length=3)
    url = answer["upload_url"]
    assert urlparse(url).hostname == "127.0.0.1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=b"toolong", method="POST"))
    assert refused.value.code == 400
    with pytest.raises(SlackApiError) as error:  # the bytes never arrived
        client.files_completeUploadExternal(
            files=[{"id": answer["file_id"], "title": "a"}], channel_id=GENERAL
        )
    assert error.value.response["error"] == "file_upload_not_completed"
    with pytest.raises(SlackApiError) as error:
        client.files_completeUploadExternal(files=[{"id": "FNOPE"}], channel_id=GENERAL)
    assert error.value.response["error"] == "file_not_found"


def test_slack_chat_sends_a_file_to_a_user_and_reads_members(client, slack):
    slack.state.add_user("alice", user_id="UALICE")
    slack.state.add_user("bob", user_id="UBOB")
    slack.state.add_channel("sales", channel_id="CSALES", private=True, members={"UALICE"})
    chat = SlackChat(client)
    assert chat.send_file("UBOB", "b.csv", b"1", "hi") == (
        "in your direct messages with the bridge as `b.csv`"
    )
    (upload,) = slack.state.shared_files()
    assert upload.channel == slack.state.im_with("UBOB")
    assert "UALICE" in chat.channel_members("CSALES")
    assert "UBOB" not in chat.channel_members("CSALES")
    slack.state.set_bot_member("CSALES", False)
    assert chat.channel_members("CSALES") == frozenset()  # can't see it: nobody may read
