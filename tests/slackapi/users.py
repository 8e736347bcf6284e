"""users.* methods: the directory the bridge reads profile phones from."""

from __future__ import annotations

from tests.slackapi.pagination import paginate
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState


def info(state: SlackState, p: Params) -> dict:
    user = state.users.get(p.require("user", "user_not_found"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user.as_api()}


def list_(state: SlackState, p: Params) -> dict:
    people = [user.as_api() for user in state.users.values()]
    page, next_cursor, _ = paginate(people, p, default_limit=200)
    return {"members": page, "cache_ts": 0, "response_metadata": {"next_cursor": next_cursor}}


def profile_get(state: SlackState, p: Params) -> dict:
    user = state.users.get(p.str("user") or state.bot_user_id)
    if user is None:
        raise SlackError("user_not_found")
    return {"profile": user.profile()}


def lookup_by_email(state: SlackState, p: Params) -> dict:
    email = p.require("email", "users_not_found").lower()
    for user in state.users.values():
        if user.email and user.email.lower() == email:
            return {"user": user.as_api()}
    raise SlackError("users_not_found")


METHODS = {
    "users.info": info,
    "users.list": list_,
    "users.profile.get": profile_get,
    "users.lookupByEmail": lookup_by_email,
}
