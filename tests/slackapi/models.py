"""What the fake Slack workspace holds: channels, users, messages, ephemerals, views, response
URLs and the record of every API call. Plain dataclasses; `SlackState` guards them with a lock
and hands tests copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.slackapi.identity import TEAM_ID


class _Absent:
    """Marks a profile field that is missing altogether (not null, not empty)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    bot_is_member: bool = True
    members: set[str] | None = None  # None: every user is a member
    is_im: bool = False
    im_user: str | None = None
    created: int = 1_700_000_000
    topic: str = ""
    purpose: str = ""

    def has_member(self, user_id: str) -> bool:
        return self.members is None or user_id in self.members

    def as_api(self) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_archived": False,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.bot_is_member,
            "created": self.created,
            "context_team_id": TEAM_ID,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    phone: Any = ABSENT  # a string, None (null), "" or ABSENT (no key at all)
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"
    display_name: str = ""
    bot_id: str | None = None

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": TEAM_ID,
        }
        if self.phone is not ABSENT:
            profile["phone"] = self.phone
        if self.email is not None:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return profile

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "tz": self.tz,
            "profile": self.profile(),
        }


@dataclass
class Edit:
    """A message's content before one chat.update replaced it."""

    text: str
    blocks: list[dict] | None
    metadata: dict | None
    replaced_at: float


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str
    blocks: list[dict] | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    metadata: dict | None = None
    subtype: str | None = None
    files: list[dict] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # username, icon_emoji, unfurl flags...

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def edit_count(self) -> int:
        return len(self.edits)

    def as_api(self, *, include_metadata: bool, replies: list[Message] | None = None) -> dict:
        """The message as conversations.history / replies shows it."""
        if self.deleted:
            return {
                "type": "message",
                "subtype": "tombstone",
                "ts": self.ts,
                "thread_ts": self.ts,
                "text": "This message was deleted.",
                "user": "USLACKBOT",
                "hidden": True,
                "reply_count": len(replies or []),
            }
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.subtype:
            data["subtype"] = self.subtype
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.files:
            data["files"] = self.files
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.is_reply and self.reply_broadcast:
            data["subtype"] = "thread_broadcast"
        if self.is_reply:
            data["parent_user_id"] = self.extra.get("parent_user_id")
        if replies:
            data["thread_ts"] = self.ts
            data["reply_count"] = len(replies)
            data["reply_users"] = sorted({reply.user for reply in replies})
            data["reply_users_count"] = len(data["reply_users"])
            data["latest_reply"] = replies[-1].ts
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.edits:
            data["edited"] = {"user": self.user, "ts": self.extra.get("edited_ts", self.ts)}
        if include_metadata and self.metadata is not None:
            data["metadata"] = self.metadata
        return data


@dataclass
class Ephemeral:
    channel: str
    user: str
    message_ts: str
    text: str
    blocks: list[dict] | None = None
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"  # or "response_url"


@dataclass
class View:
    id: str
    view: dict[str, Any]
    trigger_id: str | None
    hash: str
    opened_by: str  # views.open, views.push or views.publish
    user_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    external_id: str = ""
    updates: int = 0

    def as_api(self) -> dict[str, Any]:
        return {
            **self.view,
            "id": self.id,
            "team_id": TEAM_ID,
            "hash": self.hash,
            "external_id": self.external_id,
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "state": {"values": {}},
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
        }


@dataclass
class ResponsePost:
    """One POST a response URL received (accepted or refused)."""

    url_id: str
    body: dict[str, Any]
    accepted: bool
    error: str | None = None

    @property
    def text(self) -> str | None:
        return self.body.get("text")

    @property
    def response_type(self) -> str:
        return self.body.get("response_type") or "ephemeral"


@dataclass
class ResponseUrl:
    id: str
    url: str
    channel: str | None = None
    user: str | None = None
    message_ts: str | None = None  # the message replace_original / delete_original act on
    created: float = 0.0
    uses: int = 0
    max_uses: int = 5
    ttl_seconds: float = 30 * 60


@dataclass
class CallRecord:
    """One request the API answered: which method, with what, and how."""

    method: str
    params: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    at: float  # time.monotonic()
    channel: str | None = None


@dataclass
class Upload:
    """A file on its way in through files.getUploadURLExternal, its upload URL and
    files.completeUploadExternal (what files_upload_v2 does), and where it was shared."""

    id: str
    filename: str
    length: int
    content: bytes | None = None  # None until its bytes reach the upload URL
    title: str | None = None
    channel: str | None = None  # set once completed and shared
    initial_comment: str | None = None
    message_ts: str | None = None

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.content or b""),
            "channels": [self.channel] if self.channel else [],
        }
