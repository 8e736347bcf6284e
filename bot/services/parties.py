"""Who is who: the directory of Slack users' numbers, and turning what people typed into
callable parties under the bridge's number policy.

Identity comes only from numbers their owners proved (`/phone verify`) or an admin set: only
those say who texted in, whose call this is, or label a number as a person. A Slack profile
phone is the user's own claim: it may ring them, nothing more, and it is re-read from Slack
once older than PROFILE_PHONE_MAX_AGE_SECONDS. A registered number awaiting its code does not
even ring them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.clock import SystemClock
from bot.core.commands import NumberTarget, Target, UserTarget
from bot.core.mrkdwn import escape
from bot.core.numbers import (
    DEFAULT_ALLOWED_TYPES,
    NumberRejected,
    PhoneNumber,
    check_allowed,
    check_sip_domain,
    check_type,
    display,
    parse_number,
    parse_sip,
)
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.services.errors import Rejected
from bot.services.verification import PhoneVerifier, VerificationSettings
from storage import Database
from storage.records import DirectorySource
from storage.repositories.directory import is_stale

CALLS_AND_TEXTS = "calls and texts"


@dataclass(frozen=True)
class Policy:
    default_region: str
    allowed_countries: frozenset[str]
    admin_user_ids: frozenset[str]
    allowed_types: frozenset[int] = DEFAULT_ALLOWED_TYPES
    sip_domains: frozenset[str] = frozenset()

    def number(self, text: str, verb: str = "texts") -> PhoneNumber:
        """Parse and check a number someone typed (or that texted in); Rejected says what is
        wrong with it. `verb` is what the bridge would do with it ("texts", "calls")."""
        if text.strip().lower().startswith("sip:"):
            raise Rejected(f"`{text.strip()}` is a sip: address; texts go only to phone numbers.")
        try:
            number = parse_number(text, self.default_region)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        self.check(number, verb)
        return number

    def check(self, number: PhoneNumber, verb: str = CALLS_AND_TEXTS) -> None:
        """Country and type: for numbers already parsed (stored, or from a profile)."""
        try:
            check_allowed(number, self.allowed_countries)
            check_type(number, self.allowed_types, verb)
        except NumberRejected as error:
            raise Rejected(str(error)) from None

    def sip(self, text: str, verb: str = "calls") -> str:
        """A `sip:` address the bridge may ring: at an allowed domain, and when its user part
        is a phone number, a number the policy allows (whatever the domain)."""
        try:
            address = parse_sip(text)
            check_sip_domain(address, self.sip_domains)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        if address.numeric_user is not None:
            try:
                self.number(address.numeric_user, verb)
            except Rejected as refusal:
                raise Rejected(f"`{address.uri}` rings a phone number: {refusal}") from None
        return address.uri

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admin_user_ids


@dataclass(frozen=True)
class Party:
    """Someone to ring or text: the URI Web21C needs, and how to show them to people."""

    uri: str
    user_id: str | None = None
    name: str | None = None  # the team's contact name for the number (/contact), if any

    @property
    def label(self) -> str:
        """For messages (mrkdwn): a mention, or the address (with its contact name), both of
        which may have come from outside, so escaped."""
        if self.user_id:
            return f"<@{self.user_id}>"
        if self.name:
            return f"{escape(self.name)} ({escape(display(self.uri))})"
        return escape(display(self.uri))

    @property
    def number(self) -> str:
        return display(self.uri)


@dataclass
class Directory:
    """Slack user <-> phone number: proven numbers first, then the Slack profile phone."""

    db: Database
    chat: ChatSurface
    policy: Policy
    telephony: Telephony | None = None  # texts verification codes
    clock: Clock = field(default_factory=SystemClock)
    verification: VerificationSettings = field(
        default_factory=lambda: VerificationSettings("Web21C")
    )
    profile_max_age_seconds: float = 600.0

    @property
    def verifier(self) -> PhoneVerifier:
        return PhoneVerifier(self.db, self.telephony, self.clock, self.verification)

    def resolve_user(self, target: UserTarget) -> str:
        if target.user_id:
            return target.user_id
        user_id = self.chat.find_user(target.name or "")
        if user_id is None:
            raise Rejected(f"There is no Slack user called @{target.name}.")
        return user_id

    def number_of(self, user_id: str, verb: str = "calls") -> PhoneNumber | None:
        """The number that rings this user: proven, else their Slack profile phone. None when
        there is none; Rejected, saying why, when there is one the bridge will not use."""
        with self.db.transaction() as tx:
            entry = tx.directory.number_for(user_id)
            pending = tx.verifications.pending(user_id)
        if entry is not None and entry.source is not DirectorySource.PROFILE:
            number = parse_number(entry.phone_number, self.policy.default_region)
            self.policy.check(number, verb)
            return number
        number = self._profile_number(user_id, entry, verb)
        if number is None and pending is not None:
            raise Rejected(
                f"<@{user_id}> registered {pending.phone_number} but has not verified it yet "
                "(`/phone verify <code>`), so it is not used until then."
            )
        return number

    def _profile_number(self, user_id: str, cached, verb: str) -> PhoneNumber | None:
        """The profile phone, from the directory's copy while it is fresh, else from Slack."""
        now = self.clock.now()
        if cached is not None and not is_stale(cached, now, self.profile_max_age_seconds):
            number = parse_number(cached.phone_number, self.policy.default_region)
        else:
            profile = self.chat.user_phone(user_id)
            if not profile:
                with self.db.transaction() as tx:
                    tx.directory.forget_profile(user_id)
                return None
            if profile.lower().startswith("sip:"):
                with self.db.transaction() as tx:
                    tx.directory.forget_profile(user_id)
                try:
                    self.policy.sip(profile)
                except Rejected as refusal:  # outside the sip: policy
                    reason = str(refusal)
                else:  # allowed, but a profile must hold a number to ring (see docs)
                    reason = f"`{profile}` is a sip: address, not a phone number"
                raise Rejected(self._unusable_profile(user_id, reason))
            try:
                number = parse_number(profile, self.policy.default_region)
            except NumberRejected as error:
                with self.db.transaction() as tx:
                    tx.directory.forget_profile(user_id)
                raise Rejected(self._unusable_profile(user_id, str(error))) from None
            with self.db.transaction() as tx:  # remembered until it is old
                tx.directory.set_number(user_id, number.e164, DirectorySource.PROFILE, at=now)
        try:
            self.policy.check(number, verb)
        except Rejected as refusal:
            raise Rejected(self._unusable_profile(user_id, str(refusal))) from None
        return number

    @staticmethod
    def _unusable_profile(user_id: str, reason: str) -> str:
        return (
            f"<@{user_id}>'s Slack profile phone can't be used: {reason.rstrip('.')}. They can "
            "register another with `/phone <number>`."
        )

    def user_with(self, number: str) -> str | None:
        """The user a number proves to be (verified or admin-set), for saying who texted in,
        who may hang up, and whose name a card shows. Profile phones and pending
        registrations prove nothing."""
        with self.db.transaction() as tx:
            entry = tx.directory.owner_of(number)
        return entry.slack_user_id if entry else None

    def known(self, uri: str) -> Party:
        """The party at an address as the team knows it: the user it proves to be, else the
        number's contact name."""
        number = display(uri)
        user = self.user_with(number)
        if user:
            return Party(uri, user)
        with self.db.transaction() as tx:
            contact = tx.contacts.get(number)
        return Party(uri, None, contact.name if contact else None)

    def label(self, uri: str) -> str:
        return self.known(uri).label

    def party(self, target: Target, *, sms: bool = False) -> Party:
        """Resolve a typed target to a Party, applying the number policy."""
        verb = "texts" if sms else "calls"
        if isinstance(target, UserTarget):
            user_id = self.resolve_user(target)
            number = self.number_of(user_id, verb)
            if number is None:
                raise Rejected(
                    f"<@{user_id}> has no known phone number: they can register one with "
                    "`/phone <number>`, or add one to their Slack profile."
                )
            return Party(number.uri, user_id)
        assert isinstance(target, NumberTarget)
        if target.text.lower().startswith("sip:"):
            if sms:
                raise Rejected("Texts go to phone numbers, not to sip: addresses.")
            uri = self.policy.sip(target.text, verb)
            return Party(uri, None)
        number = self.policy.number(target.text, verb)
        return self.known(number.uri)

    def register(self, actor: str, target: UserTarget | None, text: str) -> str:
        """`/phone <number>` texts the actor a code; an admin's `/phone [@user] <number>` is
        set at once, without a code, and written to the audit log."""
        user_id = actor if target is None else self.resolve_user(target)
        admin = self.policy.is_admin(actor)
        if user_id != actor and not admin:
            raise Rejected("Only admins can set someone else's number.")
        number = self.policy.number(text, CALLS_AND_TEXTS)
        if not admin:
            with self.db.transaction() as tx:
                entry = tx.directory.number_for(user_id)
            if (
                entry is not None
                and entry.phone_number == number.e164
                and entry.source is not DirectorySource.PROFILE
            ):
                return f"Your number is already {number.e164} ({_source_words(entry.source)})."
            return self.verifier.start(user_id, number)
        with self.db.transaction() as tx:
            tx.directory.set_number(
                user_id, number.e164, DirectorySource.ADMIN, at=self.clock.now()
            )
            tx.verifications.finish(user_id)
            tx.audit.record(actor, "phone.set_by_admin", user_id, number.e164)
        if user_id == actor:
            return (
                f"Your number is now {number.e164}. As an admin you set it without a code; "
                "that is in the audit log."
            )
        return f"<@{user_id}>'s number is now {number.e164} (set by you as an admin, audited)."

    def verify(self, actor: str, code: str) -> str:
        return self.verifier.confirm(actor, code)

    def show(self, actor: str, target: UserTarget | None) -> str:
        """Where the user's number came from, truthfully, and any number awaiting its code."""
        user_id = actor if target is None else self.resolve_user(target)
        mine = user_id == actor
        whose = "Your" if mine else f"<@{user_id}>'s"
        with self.db.transaction() as tx:
            entry = tx.directory.number_for(user_id)
            pending = tx.verifications.pending(user_id) if mine else None
        lines = []
        if entry is not None and entry.source is not DirectorySource.PROFILE:
            lines.append(f"{whose} number is {entry.phone_number} ({_source_words(entry.source)}).")
        else:
            try:
                profile = self._profile_number(user_id, entry, "calls")
            except Rejected as refusal:
                lines.append(str(refusal))
            else:
                if profile is not None:
                    lines.append(
                        f"{whose} number is {profile.e164} (from the Slack profile: it rings "
                        f"{'you' if mine else 'them'}, but it is not verified, so texts from it "
                        f"are not shown as {'yours' if mine else 'theirs'} and it gives no "
                        "rights on calls)."
                    )
        if pending is not None:
            now = self.clock.now()
            if pending.locked_until and now < pending.locked_until:
                state = "locked after too many wrong codes"
            elif pending.code_hash is None or now >= pending.expires_at:
                state = (
                    f"its code is no longer valid: `/phone {pending.phone_number}` for a new one"
                )
            else:
                state = "type `/phone verify <code>` with the code texted to it"
            lines.append(f"{pending.phone_number} is registered, awaiting verification ({state}).")
        if lines:
            return "\n".join(lines)
        if mine:
            return "You have no known number. Register one with `/phone <number>`."
        return f"<@{user_id}> has no known number."


def _source_words(source: DirectorySource) -> str:
    return {
        DirectorySource.VERIFIED: "verified with /phone",
        DirectorySource.ADMIN: "set by an admin",
        DirectorySource.PROFILE: "from the Slack profile",
    }[source]
