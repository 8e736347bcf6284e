"""Every Web API method the fake Slack answers, by name."""

from __future__ import annotations

from collections.abc import Callable

from tests.slackapi import chat, conversations, files, reactions, users, views
from tests.slackapi.identity import APP_ID, BOT_NAME, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState

Method = Callable[[SlackState, Params], dict]


def auth_test(state: SlackState, p: Params) -> dict:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": state.bot_user_id,
        "bot_id": state.bot_id,
        "is_enterprise_install": False,
    }


def api_test(state: SlackState, p: Params) -> dict:
    if p.str("error"):
        raise SlackError(p.require("error"))
    return {"args": {k: v for k, v in p.values.items() if k != "token"}}


def bots_info(state: SlackState, p: Params) -> dict:
    if p.str("bot", state.bot_id) != state.bot_id:
        raise SlackError("bot_not_found")
    return {
        "bot": {
            "id": state.bot_id,
            "deleted": False,
            "name": BOT_NAME,
            "app_id": APP_ID,
            "user_id": state.bot_user_id,
        }
    }


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "api.test": api_test,
    "bots.info": bots_info,
    **chat.METHODS,
    **conversations.METHODS,
    **files.METHODS,
    **reactions.METHODS,
    **users.METHODS,
    **views.METHODS,
}
