"""Rate limits, outages, hangs and authentication failures, as slack_sdk experiences them."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.slackapi import GENERAL_CHANNEL_ID as GENERAL
from tests.slackapi import WaitTimeout


def _retry_after(error: SlackApiError) -> str:
    headers = {k.lower(): v for k, v in error.response.headers.items()}
    value = headers["retry-after"]
    return value[0] if isinstance(value, list) else value


def test_a_wrong_token_and_an_unknown_method_are_refused(slack):
    intruder = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    with pytest.raises(SlackApiError) as bad_token:
        intruder.chat_postMessage(channel=GENERAL, text="hi")
    with pytest.raises(SlackApiError) as unknown:
        slack.client().api_call("chat.teleport")

    assert bad_token.value.response["error"] == "invalid_auth"
    assert unknown.value.response["error"] == "unknown_method"
    assert slack.state.messages(GENERAL) == []


def test_forced_429_carries_retry_after_and_is_counted(client, slack):
    slack.faults.ratelimit_next(1, retry_after=7)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=GENERAL, text="hi")
    client.chat_postMessage(channel=GENERAL, text="hi again")

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response["error"] == "ratelimited"
    assert _retry_after(excinfo.value) == "7"
    assert slack.state.rejected_count("chat.postMessage") == 1
    assert [m.text for m in slack.state.messages(GENERAL)] == ["hi again"]


def test_rate_limit_retry_handler_waits_retry_after_then_succeeds(slack):
    slack.faults.ratelimit_next(1, retry_after=1)
    patient = WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    started = time.monotonic()
    posted = patient.chat_postMessage(channel=GENERAL, text="eventually")
    waited = time.monotonic() - started

    assert posted["ok"]
    assert waited >= 1.0
    assert [c.status for c in slack.state.calls("chat.postMessage")] == [429, 200]


def test_per_channel_pacing_limits_one_busy_channel_only(client, slack):
    ops = slack.state.add_channel("ops")
    slack.faults.limit_rate("chat.postMessage", per_second=1.0, burst=2)

    for text in ("one", "two"):
        client.chat_postMessage(channel=GENERAL, text=text)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=GENERAL, text="three")
    client.chat_postMessage(channel=ops, text="elsewhere")

    assert excinfo.value.response.status_code == 429
    assert int(_retry_after(excinfo.value)) >= 1
    assert slack.state.rejected_count("chat.postMessage", channel=GENERAL) == 1
    assert slack.state.rejected_count("chat.postMessage", channel=ops) == 0


def test_a_forced_429_can_target_one_channel(client, slack):
    ops = slack.state.add_channel("ops")
    slack.faults.ratelimit_next(1, channel=ops)

    client.chat_postMessage(channel=GENERAL, text="unaffected")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=ops, text="limited")

    assert excinfo.value.response.status_code == 429


def test_injected_server_errors_then_recovery(client, slack):
    slack.faults.fail_next(2, status=503, method="chat.postMessage")

    statuses = []
    for _ in range(3):
        try:
            client.chat_postMessage(channel=GENERAL, text="try")
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)

    assert statuses == [503, 503, 200]
    assert slack.state.failed_count("chat.postMessage") == 2
    assert len(slack.state.messages(GENERAL)) == 1


def test_an_outage_fails_every_call_until_ended_or_timed_out(client, slack):
    slack.faults.start_outage(status=500)
    with pytest.raises(SlackApiError) as during:
        client.auth_test()
    slack.faults.end_outage()
    client.auth_test()

    slack.faults.start_outage(status=503, seconds=2.0)  # long enough for a loaded machine
    with pytest.raises(SlackApiError) as windowed:
        client.auth_test()
    time.sleep(2.1)
    client.auth_test()

    assert during.value.response.status_code == 500
    assert windowed.value.response.status_code == 503
    assert [c.status for c in slack.state.calls("auth.test")] == [500, 200, 503, 200]


def test_a_hung_call_times_the_client_out_and_may_still_take_effect(slack):
    impatient = WebClient(
        token=slack.bot_token, base_url=slack.api_url, timeout=0.2, retry_handlers=[]
    )
    slack.faults.hang_next(1, seconds=0.5, method="chat.postMessage", then_process=True)

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=GENERAL, text="posted after all")

    (message,) = slack.state.wait_for_messages(GENERAL, 1, timeout=5)
    assert message.text == "posted after all"


def test_wait_for_wakes_on_change_and_times_out_clearly(client, slack):
    threading.Timer(0.1, lambda: client.chat_postMessage(channel=GENERAL, text="later")).start()

    (message,) = slack.state.wait_for_messages(GENERAL, 1, timeout=5)
    with pytest.raises(WaitTimeout, match="2 message"):
        slack.state.wait_for_messages(GENERAL, 2, timeout=0.1)

    assert message.text == "later"


def test_tokens_refill_and_a_workspace_limit_applies_across_channels(client, slack):
    ops = slack.state.add_channel("ops")
    # Slow refills (one a second), so a loaded machine cannot refill a bucket between calls.
    slack.faults.limit_rate("chat.postMessage", per_second=1.0, burst=1)
    slack.faults.limit_rate("chat.postMessage", per_second=1.0, burst=2, per_channel=False)

    client.chat_postMessage(channel=GENERAL, text="1")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=GENERAL, text="too soon")
    client.chat_postMessage(channel=ops, text="2")
    with pytest.raises(SlackApiError) as workspace_wide:
        client.chat_postMessage(channel=slack.state.add_channel("sales"), text="over")
    time.sleep(1.1)
    client.chat_postMessage(channel=GENERAL, text="3")

    assert workspace_wide.value.response.status_code == 429
    assert [m.text for m in slack.state.messages(GENERAL)] == ["1", "3"]
    assert slack.state.rejected_count() == 2


def test_reset_restores_a_fresh_workspace_and_a_healthy_slack(client, slack):
    slack.state.add_user("alice")
    client.chat_postMessage(channel=GENERAL, text="before")
    slack.faults.start_outage()

    slack.reset()
    client.chat_postMessage(channel=GENERAL, text="after")

    assert [m.text for m in slack.state.messages(GENERAL)] == ["after"]
    assert [u["name"] for u in client.users_list()["members"]] == ["web21c"]
    assert slack.state.calls("chat.postMessage")[0].status == 200
