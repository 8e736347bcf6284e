"""ChatSurface over Slack's Web API (slack_sdk), honouring SLACK_API_URL.

Posts are paced per channel (bot.slack.pacing); a 429 waits its Retry-After for that channel
and tries again a few times. Every other failure becomes a ChatError naming Slack's reason,
marked permanent when retrying soon will not help (archived channel, bot not in it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.cards import Card
from bot.core.domain import ChatError
from bot.slack.blocks import card_blocks
from bot.slack.pacing import ChannelPacer

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "message_not_found",
        "cant_update_message",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)
# Every post is sent as the bridge wrote it: Slack is not to turn #names, @names or @channel
# into markup of its own (parse "none"), nor to preview links or media. Text from outside is
# already escaped by the services (bot.core.mrkdwn.escape); this is the second half.
VERBATIM = {"parse": "none", "unfurl_links": False, "unfurl_media": False}
RATE_LIMIT_ATTEMPTS = 5
DIRECTORY_TTL_SECONDS = 60.0


class SlackChat:
    def __init__(
        self,
        client: WebClient,
        pacer: ChannelPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = client
        self._pacer = pacer or ChannelPacer()
        self._sleep = sleep
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()
        self._turns = threading.local()  # the channel whose pacing slot this thread holds

    # --- messages --------------------------------------------------------------------------

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        card: Card | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        args: dict[str, Any] = {"channel": channel, "text": text, **VERBATIM}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if card is not None:
            args["blocks"] = card_blocks(card)
        if metadata:
            args["metadata"] = dict(metadata)
        with self._pacer.channel_lock(channel):
            response = self._call("chat_postMessage", channel, paced=True, **args)
        return str(response["ts"])

    @contextmanager
    def turn(self, channel: str) -> Iterator[None]:
        """Wait for this channel's next pacing slot and hold the channel; the next post to it
        from inside uses that slot without waiting again. Lets a caller note "posting now"
        right before the request leaves, not before a pacing wait (bot.services.inbound)."""
        with self._pacer.channel_lock(channel):
            self._pacer.wait_turn(channel)
            self._turns.channel = channel
            try:
                yield
            finally:
                self._turns.channel = None

    def update(self, channel: str, ts: str, text: str, *, card: Card | None = None) -> None:
        args: dict[str, Any] = {"channel": channel, "ts": ts, "text": text, "parse": "none"}
        args["blocks"] = card_blocks(card) if card is not None else []
        self._call("chat_update", channel, **args)

    def post_ephemeral(
        self, channel: str, user: str, text: str, *, card: Card | None = None
    ) -> None:
        args: dict[str, Any] = {"channel": channel, "user": user, "text": text, "parse": "none"}
        if card is not None:
            args["blocks"] = card_blocks(card)
        self._call("chat_postEphemeral", channel, **args)

    def react(self, channel: str, ts: str, name: str) -> None:
        try:
            self._call("reactions_add", channel, channel=channel, timestamp=ts, name=name)
        except ChatError as error:
            if error.reason != "already_reacted":
                raise

    def unreact(self, channel: str, ts: str, name: str) -> None:
        try:
            self._call("reactions_remove", channel, channel=channel, timestamp=ts, name=name)
        except ChatError as error:
            if error.reason != "no_reaction":
                raise

    def find_posted(self, channel: str, thread_ts: str | None, message_id: str) -> str | None:
        """The ts of the bridge's post carrying this Web21C messageId in its metadata, if one
        exists: how a text posted just before a crash is recognised instead of repeated."""
        args: dict[str, Any] = {"channel": channel, "include_all_metadata": True}
        if thread_ts:
            messages = self._paginate("conversations_replies", "messages", ts=thread_ts, **args)
        else:
            messages = self._paginate("conversations_history", "messages", **args)
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("message_id") == message_id:
                return str(message["ts"])
        return None

    # --- people and channels ---------------------------------------------------------------

    def user_phone(self, user_id: str) -> str | None:
        user = self._user(user_id)
        phone = ((user or {}).get("profile") or {}).get("phone")
        return phone.strip() if isinstance(phone, str) and phone.strip() else None

    def user_name(self, user_id: str) -> str | None:
        user = self._user(user_id)
        if not user:
            return None
        profile = user.get("profile") or {}
        return profile.get("display_name") or user.get("real_name") or user.get("name")

    def user_timezone(self, user_id: str) -> str | None:
        zone = (self._user(user_id) or {}).get("tz")
        return zone if isinstance(zone, str) and zone else None

    def find_user(self, name: str) -> str | None:
        wanted = name.lower()
        for user in self._cached("users", "", self._all_users):
            profile = user.get("profile") or {}
            names = {user.get("name"), profile.get("display_name"), profile.get("real_name")}
            if wanted in {n.lower() for n in names if n} and not user.get("deleted"):
                return user["id"]
        return None

    def find_channel(self, name: str) -> str | None:
        wanted = name.lower().lstrip("#")
        for channel in self._cached("channels", "", self._all_channels):
            if channel.get("name", "").lower() == wanted:
                return channel["id"]
        return None

    def channel_members(self, channel: str) -> frozenset[str]:
        try:
            return frozenset(self._paginate("conversations_members", "members", channel=channel))
        except ChatError as error:
            if error.reason in ("channel_not_found", "not_in_channel"):
                return frozenset()  # a channel the bridge can't see: nobody is shown in it
            raise

    # --- files -----------------------------------------------------------------------------

    def send_file(self, user: str, filename: str, content: bytes, comment: str) -> str:
        """Upload to the user's direct message with the bridge (files_upload_v2)."""
        im = self._call("conversations_open", "", users=user)["channel"]["id"]
        self._call(
            "files_upload_v2",
            im,
            channel=im,
            filename=filename,
            title=filename,
            content=content,
            initial_comment=comment,
        )
        return f"in your direct messages with the bridge as `{filename}`"

    def _user(self, user_id: str) -> dict | None:
        def fetch() -> dict | None:
            try:
                return dict(self._call("users_info", "", user=user_id)["user"])
            except ChatError as error:
                if error.reason == "user_not_found":
                    return None
                raise

        return self._cached("user", user_id, fetch)

    def _all_users(self) -> list[dict]:
        return self._paginate("users_list", "members")

    def _all_channels(self) -> list[dict]:
        return self._paginate(
            "conversations_list", "channels", types="public_channel,private_channel"
        )

    def _paginate(self, method: str, key: str, **args: Any) -> list[dict]:
        items: list[dict] = []
        cursor = None
        while True:
            page = self._call(
                method, "", limit=200, **({"cursor": cursor} if cursor else {}), **args
            )
            items.extend(page.get(key) or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return items

    def _cached(self, kind: str, key: str, fetch: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get((kind, key))
        if hit and now - hit[0] < DIRECTORY_TTL_SECONDS:
            return hit[1]
        value = fetch()
        with self._cache_lock:
            self._cache[(kind, key)] = (now, value)
        return value

    # --- the one place Slack is called -----------------------------------------------------

    def _call(self, method: str, channel: str, /, paced: bool = False, **args: Any):
        """Call a Web API method; `channel` keys pacing and rate limits ("" for none)."""
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            if paced and not self._use_turn(channel):
                self._pacer.wait_turn(channel)
            try:
                return getattr(self._client, method)(**args)
            except SlackApiError as error:
                reason = str(error.response.get("error") or f"http_{error.response.status_code}")
                if error.response.status_code == 429:
                    retry_after = _retry_after(error.response.headers)
                    self._pacer.rate_limited(channel, retry_after)
                    if attempt < RATE_LIMIT_ATTEMPTS:
                        log.info(
                            "Slack rate-limited %s on %s; waiting %.1fs",
                            method,
                            channel,
                            retry_after,
                        )
                        if not paced:
                            self._sleep(retry_after)
                        continue
                    raise ChatError("ratelimited", retry_after=retry_after) from None
                raise ChatError(reason, permanent=reason in PERMANENT_ERRORS) from None
            except (SlackClientError, OSError) as error:
                # No answer: the call may still be carried out, so callers treat it as in flight.
                raise ChatError(
                    f"Slack unreachable: {type(error).__name__}", unanswered=True
                ) from None
        raise AssertionError("unreachable")

    def _use_turn(self, channel: str) -> bool:
        """True once if this thread holds a slot for `channel` (see turn())."""
        if getattr(self._turns, "channel", None) != channel:
            return False
        self._turns.channel = None
        return True


def _retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return 1.0
