"""Inbound routes: which channel receives the texts that start with a keyword, and the
catch-all (`*`) that receives every text no other route takes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import CATCH_ALL, ChannelRef
from bot.core.ports import ChatSurface
from bot.services.errors import Rejected
from bot.services.opt_words import RESERVED_WORDS
from bot.services.parties import Policy
from storage import Database


@dataclass
class Routes:
    db: Database
    chat: ChatSurface
    policy: Policy

    def set(self, actor: str, keyword: str, channel: ChannelRef | None, here: str) -> str:
        self._require_admin(actor)
        if keyword.upper() in RESERVED_WORDS:
            raise Rejected(
                f"`{keyword.upper()}` cannot be routed: texts starting with it opt the sender "
                "out of (or back into) texts, wherever they are sent."
            )
        channel_id = self._channel_id(channel, here)
        with self.db.transaction() as tx:
            tx.routes.set(keyword, channel_id, actor)
            tx.audit.record(actor, "route.set", keyword, channel_id)
        if keyword == CATCH_ALL:
            return f"Texts under any keyword no other route takes now arrive in <#{channel_id}>."
        return f"Texts starting with `{keyword.upper()}` now arrive in <#{channel_id}>."

    def remove(self, actor: str, keyword: str) -> str:
        self._require_admin(actor)
        with self.db.transaction() as tx:
            removed = tx.routes.remove(keyword)
            if removed:
                tx.audit.record(actor, "route.remove", keyword, "")
        if keyword == CATCH_ALL:
            if not removed:
                return "There was no catch-all route."
            return (
                "The catch-all route is gone: texts under keywords no route takes now wait at "
                "Web21C, counted on /healthz."
            )
        if not removed:
            return f"There was no route for `{keyword.upper()}`."
        return (
            f"Texts starting with `{keyword.upper()}` are no longer fetched; any already "
            "waiting stay at Web21C."
        )

    def describe(self) -> str:
        with self.db.transaction() as tx:
            routes = tx.routes.all()
        if not routes:
            return (
                "No keywords are routed yet. An admin can add one: `/sms route <keyword> #channel`"
                " (or `/sms route * #channel` for every text)."
            )
        named = [r for r in routes if r.keyword != CATCH_ALL]
        lines = [f"• `{r.keyword.upper()}` → <#{r.channel_id}>" for r in named]
        catch_all = [r for r in routes if r.keyword == CATCH_ALL]
        if catch_all:
            lines.append(f"• `*` (every other keyword) → <#{catch_all[0].channel_id}>")
        else:
            lines.append("• no catch-all: texts under other keywords wait unread (`/sms route *`)")
        return "Routed keywords:\n" + "\n".join(lines)

    def _require_admin(self, actor: str) -> None:
        if not self.policy.is_admin(actor):
            raise Rejected(
                "Only admins can change routes (ask one of the people in ADMIN_USER_IDS)."
            )

    def _channel_id(self, channel: ChannelRef | None, here: str) -> str:
        if channel is None:
            return here
        if channel.channel_id:
            return channel.channel_id
        found = self.chat.find_channel(channel.name or "")
        if found is None:
            raise Rejected(f"There is no channel called #{channel.name}.")
        return found
