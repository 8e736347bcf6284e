"""The fake workspace's state, shared by the HTTP threads answering the bridge and the test
arranging and inspecting it. One re-entrant lock guards everything; every change wakes the
`wait_for` helpers, so end-to-end tests wait for what they expect instead of sleeping."""

from __future__ import annotations

import copy
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from tests.slackapi.faults import Faults
from tests.slackapi.identity import BOT_ID, BOT_NAME, BOT_USER_ID
from tests.slackapi.models import (
    ABSENT,
    CallRecord,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    ResponseUrl,
    Upload,
    User,
    View,
)
from tests.slackapi.params import SlackError

T = TypeVar("T")

GENERAL_CHANNEL_ID = "C0GENERAL"


class WaitTimeout(AssertionError):
    """What a test expected to appear in Slack did not appear in time."""


class SlackState:
    """Channels, users, messages and the call log of one fake workspace (thread-safe)."""

    def __init__(self, *, with_general_channel: bool = True):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.faults = Faults()
        self.base_url = ""  # set by the server once it listens
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self._with_general_channel = with_general_channel
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._clear()

    def _clear(self) -> None:
        # Slack lets a bot with chat:write.public post to public channels it has not joined.
        self.post_to_public_channels_without_joining = False
        self.trigger_ttl_seconds = 3.0
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.channel_messages: dict[str, list[Message]] = {}  # every message, oldest first
        self.message_index: dict[tuple[str, str], Message] = {}
        self.ephemeral_messages: list[Ephemeral] = []
        self.view_store: dict[str, View] = {}
        self.response_url_store: dict[str, ResponseUrl] = {}
        self.response_post_log: list[ResponsePost] = []
        self.call_log: list[CallRecord] = []
        self.triggers: dict[str, float] = {}
        self.uploads: dict[str, Upload] = {}  # file id -> upload (files_upload_v2)
        self.users[BOT_USER_ID] = User(
            id=BOT_USER_ID, name=BOT_NAME, real_name="Web21C", is_bot=True, bot_id=BOT_ID
        )
        if self._with_general_channel:
            self.add_channel("general", channel_id=GENERAL_CHANNEL_ID)

    def reset(self) -> None:
        """Back to a fresh workspace and a healthy Slack, so one server can serve many tests
        (ids and timestamps keep increasing across resets)."""
        with self.lock:
            self.faults.clear()
            self._clear()
            self.notify()

    # ----- arrangement -------------------------------------------------------------------------

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
        members: set[str] | list[str] | None = None,
    ) -> str:
        """Create a channel; `members=None` makes every user a member. Returns its id."""
        with self.lock:
            channel_id = channel_id or self.new_id("G" if private else "C")
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                is_private=private,
                is_archived=archived,
                bot_is_member=bot_member,
                members=set(members) if members is not None else None,
            )
            self.channel_messages.setdefault(channel_id, [])
            self.notify()
            return channel_id

    def archive_channel(self, channel_id: str, archived: bool = True) -> None:
        with self.lock:
            self._channel(channel_id).is_archived = archived
            self.notify()

    def set_bot_member(self, channel_id: str, member: bool) -> None:
        """Invite the bot to a channel, or kick it out."""
        with self.lock:
            self._channel(channel_id).bot_is_member = member
            self.notify()

    def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        real_name: str = "",
        phone: Any = ABSENT,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/London",
    ) -> str:
        """Create a user. `phone` may be a string, None (null in the API), "" or ABSENT."""
        with self.lock:
            user_id = user_id or self.new_id("U")
            self.users[user_id] = User(
                id=user_id,
                name=name,
                real_name=real_name or name,
                display_name=name,
                phone=phone,
                email=email,
                is_bot=is_bot,
                deleted=deleted,
                tz=tz,
            )
            self.notify()
            return user_id

    def set_phone(self, user_id: str, phone: Any) -> None:
        with self.lock:
            self._user(user_id).phone = phone
            self.notify()

    def post_as_user(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        blocks: list[dict] | None = None,
        files: list[dict] | None = None,
    ) -> Message:
        """A person writes in Slack (the test then tells the bridge with a signed event)."""
        with self.lock:
            channel_obj = self.resolve_channel(channel)
            message = Message(
                channel=channel_obj.id,
                ts=self.next_ts(),
                text=text,
                user=user,
                blocks=blocks,
                files=files,
                reply_broadcast=reply_broadcast,
            )
            if thread_ts:
                message.thread_ts = self.thread_root(channel_obj.id, thread_ts).ts
            self.store_message(message)
            return copy.deepcopy(message)

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        with self.lock:
            users = self.find_message(channel, ts).reactions.setdefault(name, [])
            if user not in users:
                users.append(user)
            self.notify()

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
        max_uses: int = 5,
        ttl_seconds: float = 30 * 60,
    ) -> str:
        """Mint a response URL like the one in a slash command or a button click payload.

        With `channel`/`user`, posts to it show up as ephemerals or channel messages; with
        `message_ts`, replace_original and delete_original act on that message."""
        with self.lock:
            if not self.base_url:
                raise RuntimeError("start the server before minting response URLs")
            url_id = uuid.uuid4().hex
            url = f"{self.base_url}/response/{url_id}"
            self.response_url_store[url_id] = ResponseUrl(
                id=url_id,
                url=url,
                channel=channel,
                user=user,
                message_ts=message_ts,
                created=time.monotonic(),
                max_uses=max_uses,
                ttl_seconds=ttl_seconds,
            )
            return url

    def new_trigger_id(self) -> str:
        """A trigger id as an interaction carries; it expires after `trigger_ttl_seconds`."""
        with self.lock:
            trigger_id = f"{next(self._ids)}.{int(time.time())}.{uuid.uuid4().hex[:16]}"
            self.triggers[trigger_id] = time.monotonic()
            return trigger_id

    def reset_calls(self) -> None:
        """Forget the call log (for example after the arrange phase of a test)."""
        with self.lock:
            self.call_log.clear()

    # ----- inspection --------------------------------------------------------------------------

    def channel(self, channel_id: str) -> Channel:
        with self.lock:
            return copy.deepcopy(self._channel(channel_id))

    def channel_id(self, name: str) -> str:
        with self.lock:
            for channel in self.channels.values():
                if channel.name == name.lstrip("#"):
                    return channel.id
            raise KeyError(name)

    def user(self, user_id: str) -> User:
        with self.lock:
            return copy.deepcopy(self._user(user_id))

    def messages(
        self, channel: str, *, include_replies: bool = False, include_deleted: bool = False
    ) -> list[Message]:
        """Messages in a channel, oldest first: top level ones (and broadcast replies) unless
        `include_replies`."""
        with self.lock:
            found = [
                message
                for message in self.channel_messages.get(channel, [])
                if (include_deleted or not message.deleted)
                and (include_replies or not message.is_reply or message.reply_broadcast)
            ]
            return copy.deepcopy(found)

    def message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            found = self.message_index.get((channel, ts))
            return copy.deepcopy(found)

    def replies(self, channel: str, thread_ts: str, *, include_deleted: bool = False) -> list:
        """A thread's replies, oldest first, without the parent."""
        with self.lock:
            found = self.thread_replies(channel, thread_ts, include_deleted=include_deleted)
            return copy.deepcopy(found)

    def find_messages(
        self, predicate: Callable[[Message], bool], *, channel: str | None = None
    ) -> list[Message]:
        """Messages (replies included, deleted ones not) in one channel or all, oldest first
        within each channel, that satisfy `predicate`."""
        with self.lock:
            channels = [channel] if channel else list(self.channel_messages)
            return copy.deepcopy(
                [
                    m
                    for c in channels
                    for m in self.channel_messages.get(c, [])
                    if not m.deleted and predicate(m)
                ]
            )

    def ephemerals(self, *, user: str | None = None, channel: str | None = None) -> list:
        with self.lock:
            return copy.deepcopy(
                [
                    e
                    for e in self.ephemeral_messages
                    if (user is None or e.user == user)
                    and (channel is None or e.channel == channel)
                ]
            )

    def shared_files(self, channel: str | None = None) -> list[Upload]:
        """Completed uploads, oldest first (in `channel` only, if given), as copies."""
        with self.lock:
            shared = [u for u in self.uploads.values() if u.channel is not None]
            return [copy.deepcopy(u) for u in shared if channel is None or u.channel == channel]

    def im_with(self, user_id: str) -> str | None:
        """The id of the bot's direct message channel with a user, if one was opened."""
        with self.lock:
            return next(
                (c.id for c in self.channels.values() if c.is_im and c.im_user == user_id), None
            )

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        with self.lock:
            return copy.deepcopy(self.find_message(channel, ts).reactions)

    def views(self) -> list[View]:
        with self.lock:
            return copy.deepcopy(list(self.view_store.values()))

    def view(self, view_id: str) -> View:
        with self.lock:
            return copy.deepcopy(self.view_store[view_id])

    def response_posts(self, url: str | None = None) -> list[ResponsePost]:
        """What response URLs received (all of them, or the one `url`)."""
        with self.lock:
            url_id = url.rstrip("/").rsplit("/", 1)[-1] if url else None
            return copy.deepcopy(
                [p for p in self.response_post_log if url_id is None or p.url_id == url_id]
            )

    def calls(self, method: str | None = None, *, channel: str | None = None) -> list[CallRecord]:
        """Every API request answered (including refused ones), oldest first."""
        with self.lock:
            return copy.deepcopy(
                [
                    c
                    for c in self.call_log
                    if (method is None or c.method == method)
                    and (channel is None or c.channel == channel)
                ]
            )

    def call_count(self, method: str | None = None, *, ok: bool | None = None) -> int:
        with self.lock:
            return sum(
                1
                for c in self.call_log
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            )

    def rejected_count(self, method: str | None = None, *, channel: str | None = None) -> int:
        """Calls answered HTTP 429."""
        return sum(1 for c in self.calls(method, channel=channel) if c.status == 429)

    def failed_count(self, method: str | None = None) -> int:
        """Calls answered with a 5xx (injected outages)."""
        return sum(1 for c in self.calls(method) if c.status >= 500)

    # ----- waiting -----------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[SlackState], T], timeout: float = 10.0, what: str = ""
    ) -> T:
        """Return the predicate's first truthy value, re-checked on every change (and every
        50 ms, for time-based conditions); raise WaitTimeout after `timeout` seconds.

        The predicate runs with the state locked: it may read the state, but must not call
        the server over HTTP (that call would wait for the lock)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for {what or predicate}")
                self.changed.wait(min(remaining, 0.05))

    def wait_for_messages(
        self, channel: str, count: int = 1, *, include_replies: bool = False, timeout: float = 10.0
    ) -> list[Message]:
        def enough(state: SlackState) -> list[Message] | None:
            found = state.messages(channel, include_replies=include_replies)
            return found if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} message(s) in {channel}")

    def wait_for_replies(
        self, channel: str, thread_ts: str, count: int = 1, *, timeout: float = 10.0
    ) -> list[Message]:
        def enough(state: SlackState) -> list[Message] | None:
            found = state.replies(channel, thread_ts)
            return found if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} repl(ies) in {channel}/{thread_ts}")

    def wait_for_ephemerals(self, user: str, count: int = 1, *, timeout: float = 10.0) -> list:
        def enough(state: SlackState) -> list[Ephemeral] | None:
            found = state.ephemerals(user=user)
            return found if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} ephemeral(s) for {user}")

    def wait_for_calls(self, method: str, count: int = 1, *, timeout: float = 10.0) -> list:
        def enough(state: SlackState) -> list[CallRecord] | None:
            found = state.calls(method)
            return found if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} call(s) of {method}")

    def wait_for_response_posts(self, url: str, count: int = 1, *, timeout: float = 10.0):
        def enough(state: SlackState) -> list[ResponsePost] | None:
            found = state.response_posts(url)
            return found if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} post(s) to {url}")

    # ----- for the method implementations (call with `lock` held) ------------------------------

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def next_ts(self) -> str:
        """A message ts: unique, strictly increasing, in Slack's "seconds.micros" format."""
        micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel(self, channel_id: str) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise KeyError(f"no channel {channel_id}") from None

    def _user(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"no user {user_id}") from None

    def resolve_channel(self, channel_id: str) -> Channel:
        """The channel an API call names; a user id names the bot's DM with that user."""
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_id in self.users and not self.users[channel_id].is_bot:
            return self.open_im(channel_id)
        raise SlackError("channel_not_found")

    def open_im(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            is_private=True,
            is_im=True,
            im_user=user_id,
            members={user_id},
        )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def readable_channel(self, channel_id: str) -> Channel:
        """A channel the bot may read: private ones it is not in do not exist for it."""
        channel = self.resolve_channel(channel_id)
        if not channel.bot_is_member:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        return channel

    def postable_channel(self, channel_id: str) -> Channel:
        channel = self.resolve_channel(channel_id)
        if channel.is_private and not channel.bot_is_member:
            raise SlackError("channel_not_found")
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.bot_is_member and not self.post_to_public_channels_without_joining:
            raise SlackError("not_in_channel")
        return channel

    def find_message(self, channel_id: str, ts: str) -> Message:
        message = self.message_index.get((channel_id, ts))
        if message is None or (message.deleted and not self.thread_replies(channel_id, ts)):
            raise SlackError("message_not_found")
        return message

    def thread_root(self, channel_id: str, ts: str) -> Message:
        """The parent of the thread `ts` names (a reply's ts names its parent's thread)."""
        message = self.message_index.get((channel_id, ts))
        if message is None:
            raise SlackError("thread_not_found")
        if message.is_reply:
            return self.message_index[(channel_id, message.thread_ts)]
        return message

    def thread_replies(
        self, channel_id: str, thread_ts: str, *, include_deleted: bool = False
    ) -> list[Message]:
        return [
            m
            for m in self.channel_messages.get(channel_id, [])
            if m.thread_ts == thread_ts and m.ts != thread_ts and (include_deleted or not m.deleted)
        ]

    def store_message(self, message: Message) -> None:
        if message.thread_ts:
            parent = self.message_index[(message.channel, message.thread_ts)]
            parent.thread_ts = parent.ts
            message.extra["parent_user_id"] = parent.user
        self.channel_messages.setdefault(message.channel, []).append(message)
        self.message_index[(message.channel, message.ts)] = message
        self.notify()

    def record_call(self, record: CallRecord) -> None:
        with self.lock:
            self.call_log.append(record)
            self.notify()
