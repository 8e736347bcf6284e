"""Response URLs as a slash command or button click gets them: five uses, then refused."""

from __future__ import annotations

from slack_sdk.webhook import WebhookClient

from tests.slackapi import GENERAL_CHANNEL_ID as GENERAL


def test_ephemeral_and_in_channel_responses_show_where_slack_shows_them(slack):
    alice = slack.state.add_user("alice")
    url = slack.state.new_response_url(channel=GENERAL, user=alice)
    webhook = WebhookClient(url)

    private = webhook.send(text="Texting +447700900123...")
    public = webhook.send(text="Call started", response_type="in_channel")

    assert (private.status_code, public.status_code) == (200, 200)
    assert [e.text for e in slack.state.ephemerals(user=alice)] == ["Texting +447700900123..."]
    assert [m.text for m in slack.state.messages(GENERAL)] == ["Call started"]
    assert [p.response_type for p in slack.state.response_posts(url)] == [
        "ephemeral",
        "in_channel",
    ]


def test_replace_and_delete_original_act_on_the_clicked_message(client, slack):
    card = client.chat_postMessage(channel=GENERAL, text="Call ringing")["ts"]
    url = slack.state.new_response_url(channel=GENERAL, user="U0ALICE00", message_ts=card)
    webhook = WebhookClient(url)

    webhook.send(text="Call ended", replace_original=True)
    assert slack.state.message(GENERAL, card).text == "Call ended"

    webhook.send_dict({"delete_original": True})
    assert slack.state.message(GENERAL, card).deleted


def test_a_response_url_takes_five_posts_then_answers_used_url(slack):
    url = slack.state.new_response_url()
    webhook = WebhookClient(url)

    statuses = [webhook.send(text=f"update {i}").status_code for i in range(6)]
    refused = webhook.send(text="again")

    assert statuses == [200, 200, 200, 200, 200, 404]
    assert '"used_url"' in refused.body
    assert [p.accepted for p in slack.state.response_posts(url)] == [True] * 5 + [False] * 2


def test_unknown_response_url_is_refused(slack):
    answer = WebhookClient(f"{slack.url}/response/nope").send(text="hi")

    assert answer.status_code == 404
    assert '"expired_url"' in answer.body
