"""views.* methods: modals opened, pushed and updated, and App Home tabs published."""

from __future__ import annotations

import time
import uuid

from tests.slackapi.content import MAX_VIEW_BLOCKS, validate_blocks
from tests.slackapi.models import View
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState


def _trigger(state: SlackState, p: Params) -> str:
    """Any non-empty trigger id is accepted; one the server minted expires like Slack's."""
    trigger_id = p.require("trigger_id")
    issued = state.triggers.get(trigger_id)
    if issued is not None and time.monotonic() - issued > state.trigger_ttl_seconds:
        raise SlackError("expired_trigger_id")
    return trigger_id


def _view_payload(p: Params, kind: str) -> dict:
    view = p.json("view")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackError("invalid_arguments", detail=f"view must be a {kind} view")
    if kind == "modal" and not view.get("title"):
        raise SlackError("invalid_arguments", detail="a modal needs a title")
    validate_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS, error="invalid_arguments")
    return view


def _new_hash() -> str:
    return f"{int(time.time())}.{uuid.uuid4().hex[:8]}"


def _store(state: SlackState, view: View) -> dict:
    state.view_store[view.id] = view
    state.notify()
    return {"view": view.as_api()}


def open_(state: SlackState, p: Params) -> dict:
    trigger_id = _trigger(state, p)
    view = _view_payload(p, "modal")
    view_id = state.new_id("V")
    return _store(
        state,
        View(
            id=view_id,
            view=view,
            trigger_id=trigger_id,
            hash=_new_hash(),
            opened_by="views.open",
            external_id=view.get("external_id", ""),
        ),
    )


def push(state: SlackState, p: Params) -> dict:
    trigger_id = _trigger(state, p)
    view = _view_payload(p, "modal")
    return _store(
        state,
        View(
            id=state.new_id("V"),
            view=view,
            trigger_id=trigger_id,
            hash=_new_hash(),
            opened_by="views.push",
        ),
    )


def update(state: SlackState, p: Params) -> dict:
    view_id, external_id = p.str("view_id"), p.str("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", detail="view_id or external_id is required")
    stored = state.view_store.get(view_id or "")
    if stored is None and external_id:
        stored = next((v for v in state.view_store.values() if v.external_id == external_id), None)
    if stored is None:
        raise SlackError("not_found")
    expected_hash = p.str("hash")
    if expected_hash and expected_hash != stored.hash:
        raise SlackError("hash_conflict")
    stored.view = _view_payload(p, stored.view.get("type", "modal"))
    stored.hash = _new_hash()
    stored.updates += 1
    state.notify()
    return {"view": stored.as_api()}


def publish(state: SlackState, p: Params) -> dict:
    user_id = p.require("user_id")
    if user_id not in state.users:
        raise SlackError("user_not_found")
    view = _view_payload(p, "home")
    for stored in state.view_store.values():
        if stored.opened_by == "views.publish" and stored.user_id == user_id:
            stored.view, stored.hash = view, _new_hash()
            stored.updates += 1
            state.notify()
            return {"view": stored.as_api()}
    home = View(
        id=state.new_id("V"),
        view=view,
        trigger_id=None,
        hash=_new_hash(),
        opened_by="views.publish",
        user_id=user_id,
    )
    return _store(state, home)


METHODS = {
    "views.open": open_,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
