"""Who is who: the directory of Slack users' numbers, and turning what people typed into
callable parties under the bridge's number policy."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import NumberTarget, Target, UserTarget
from bot.core.mrkdwn import escape
from bot.core.numbers import NumberRejected, PhoneNumber, check_allowed, display, parse_number
from bot.core.ports import ChatSurface
from bot.services.errors import Rejected
from storage import Database


@dataclass(frozen=True)
class Policy:
    default_region: str
    allowed_countries: frozenset[str]
    admin_user_ids: frozenset[str]

    def number(self, text: str) -> PhoneNumber:
        """Parse and check a number someone typed; Rejected says what is wrong with it."""
        try:
            number = parse_number(text, self.default_region)
            check_allowed(number, self.allowed_countries)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        return number

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admin_user_ids


@dataclass(frozen=True)
class Party:
    """Someone to ring or text: the URI Web21C needs, and how to show them to people."""

    uri: str
    user_id: str | None = None

    @property
    def label(self) -> str:
        """For messages (mrkdwn): a mention, or the address, which may have come from outside."""
        return f"<@{self.user_id}>" if self.user_id else escape(display(self.uri))

    @property
    def number(self) -> str:
        return display(self.uri)


@dataclass
class Directory:
    """Slack user <-> phone number: registered numbers first, then the Slack profile phone."""

    db: Database
    chat: ChatSurface
    policy: Policy

    def resolve_user(self, target: UserTarget) -> str:
        if target.user_id:
            return target.user_id
        user_id = self.chat.find_user(target.name or "")
        if user_id is None:
            raise Rejected(f"There is no Slack user called @{target.name}.")
        return user_id

    def number_of(self, user_id: str) -> PhoneNumber | None:
        """The user's number, or None when neither registered nor on their profile."""
        with self.db.transaction() as tx:
            entry = tx.directory.number_for(user_id)
        if entry is not None:
            return parse_number(entry.phone_number, self.policy.default_region)
        profile = self.chat.user_phone(user_id)
        if not profile:
            return None
        try:
            number = parse_number(profile, self.policy.default_region)
        except NumberRejected:
            return None
        with self.db.transaction() as tx:  # remembered, so their number finds them too
            tx.directory.set_number(user_id, number.e164, "profile")
        return number

    def _why_no_number(self, user_id: str) -> str:
        """Why a user has no usable number: none anywhere, or a profile phone the number
        policy refuses (said, so nobody wonders why a number they can see is not rung)."""
        profile = self.chat.user_phone(user_id)
        if profile:
            try:
                parse_number(profile, self.policy.default_region)
            except NumberRejected as error:
                reason = str(error).rstrip(".")
                return (
                    f"<@{user_id}>'s Slack profile phone can't be used: {reason}. They can "
                    "register another with `/phone <number>`."
                )
        return (
            f"<@{user_id}> has no known phone number: they can register one with "
            "`/phone <number>`, or add one to their Slack profile."
        )

    def user_with(self, number: str) -> str | None:
        with self.db.transaction() as tx:
            entry = tx.directory.user_for(number)
        return entry.slack_user_id if entry else None

    def party(self, target: Target, *, sms: bool = False) -> Party:
        """Resolve a typed target to a Party, applying the number policy."""
        if isinstance(target, UserTarget):
            user_id = self.resolve_user(target)
            number = self.number_of(user_id)
            if number is None:
                raise Rejected(self._why_no_number(user_id))
            try:
                check_allowed(number, self.policy.allowed_countries)
            except NumberRejected as error:
                raise Rejected(str(error)) from None
            return Party(number.uri, user_id)
        assert isinstance(target, NumberTarget)
        if target.text.lower().startswith("sip:"):
            if sms:
                raise Rejected("Texts go to phone numbers, not to sip: addresses.")
            return Party(target.text, self.user_with(target.text))
        number = self.policy.number(target.text)
        return Party(number.uri, self.user_with(number.e164))

    def register(self, actor: str, target: UserTarget | None, text: str) -> str:
        user_id = actor if target is None else self.resolve_user(target)
        if user_id != actor and not self.policy.is_admin(actor):
            raise Rejected("Only admins can set someone else's number.")
        number = self.policy.number(text)
        with self.db.transaction() as tx:
            tx.directory.set_number(user_id, number.e164, "registered")
            tx.audit.record(actor, "phone.register", user_id, number.e164)
        whose = "Your" if user_id == actor else f"<@{user_id}>'s"
        return f"{whose} number is now {number.e164}."

    def show(self, actor: str, target: UserTarget | None) -> str:
        user_id = actor if target is None else self.resolve_user(target)
        with self.db.transaction() as tx:
            entry = tx.directory.number_for(user_id)
        whose = "Your" if user_id == actor else f"<@{user_id}>'s"
        if entry is not None:
            return f"{whose} number is {entry.phone_number} (registered with /phone)."
        profile = self.number_of(user_id)
        if profile is not None:
            return f"{whose} number is {profile.e164} (from the Slack profile)."
        if user_id == actor:
            return "You have no known number. Register one with `/phone <number>`."
        return f"<@{user_id}> has no known number."
