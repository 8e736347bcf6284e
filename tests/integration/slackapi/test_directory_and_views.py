"""Users with and without profile phones, and modals, through the real slack_sdk."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.slackapi import ABSENT

MODAL = {
    "type": "modal",
    "callback_id": "conf_invite",
    "title": {"type": "plain_text", "text": "Invite"},
    "blocks": [{"type": "input", "block_id": "who", "element": {"type": "plain_text_input"}}],
}


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("+44 7700 900123", "+44 7700 900123"), (None, None), ("", ""), (ABSENT, "missing")],
)
def test_users_info_shows_the_profile_phone_as_arranged(client, slack, phone, expected):
    alice = slack.state.add_user("alice", real_name="Alice Example", phone=phone)

    profile = client.users_info(user=alice)["user"]["profile"]

    assert profile.get("phone", "missing") == expected
    assert profile["real_name"] == "Alice Example"


def test_unknown_user_and_user_list(client, slack):
    slack.state.add_user("alice")
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U0NOBODY")

    first = client.users_list(limit=1)
    second = client.users_list(limit=1, cursor=first["response_metadata"]["next_cursor"])

    assert excinfo.value.response["error"] == "user_not_found"
    assert [m["name"] for m in first["members"] + second["members"]] == ["web21c", "alice"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_views_open_update_and_push_are_stored(client, slack):
    opened = client.views_open(trigger_id=slack.state.new_trigger_id(), view=MODAL)["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**MODAL, "private_metadata": "conf-7"}
    )["view"]
    client.views_push(trigger_id="any-non-empty-trigger", view=MODAL)

    assert updated["private_metadata"] == "conf-7"
    stored = slack.state.view(opened["id"])
    assert stored.updates == 1
    assert stored.view["callback_id"] == "conf_invite"
    assert [v.opened_by for v in slack.state.views()] == ["views.open", "views.push"]


def test_stale_hash_expired_trigger_and_unknown_view_are_refused(client, slack):
    opened = client.views_open(trigger_id="t-1", view=MODAL)["view"]
    client.views_update(view_id=opened["id"], view=MODAL)
    slack.state.trigger_ttl_seconds = 0.0
    expired_trigger = slack.state.new_trigger_id()

    errors = []
    for call in (
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL),
        lambda: client.views_open(trigger_id=expired_trigger, view=MODAL),
        lambda: client.views_update(view_id="V0NOWHERE", view=MODAL),
        lambda: client.views_open(trigger_id="t-2", view={"type": "modal"}),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            call()
        errors.append(excinfo.value.response["error"])

    assert errors == ["hash_conflict", "expired_trigger_id", "not_found", "invalid_arguments"]
