"""Proving a phone number: a short code texted to it, typed back with `/phone verify <code>`.

A number someone registers grants nothing (it does not say who texted, gives no rights on
calls, does not ring them) until this succeeds. Everything lives in storage, so expiry, the
count of wrong tries and the cooling-off after too many survive a restart. Codes are stored
only as salted HMACs and never shown in Slack.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.domain import TelephonyError
from bot.core.numbers import PhoneNumber
from bot.core.ports import Clock, Telephony
from bot.services.errors import Rejected
from bot.services.telephony_errors import explain
from storage import Database
from storage.records import DirectorySource

CODE_DIGITS = 6
MAX_WRONG_CODES = 5
COOLING_OFF = timedelta(minutes=30)
RESEND_AFTER = timedelta(seconds=60)
# However many Slack accounts ask, one number gets codes for at most this many of them an hour.
MAX_OTHERS_PER_NUMBER = 2
PER_NUMBER_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class VerificationSettings:
    sender: str  # Messaging/OneWay `from`, as for every text
    code_lifetime: timedelta = timedelta(minutes=10)


@dataclass
class PhoneVerifier:
    db: Database
    telephony: Telephony | None
    clock: Clock
    settings: VerificationSettings

    def start(self, user_id: str, number: PhoneNumber) -> str:
        """Text a fresh code to the number; the answer for the user."""
        now = self.clock.now()
        with self.db.transaction() as tx:
            pending = tx.verifications.pending(user_id)
            opted_out = tx.opt_outs.is_opted_out(number.e164)
            others = tx.verifications.others_asking(number.e164, user_id, now - PER_NUMBER_WINDOW)
        if pending is not None:
            self._refuse_if_locked(pending.locked_until, now)
            if pending.sent_at and now - pending.sent_at < RESEND_AFTER:
                wait = int((RESEND_AFTER - (now - pending.sent_at)).total_seconds()) + 1
                raise Rejected(
                    f"A code was texted to {pending.phone_number} moments ago; wait for it, "
                    f"or ask for another in {wait} seconds."
                )
        if others >= MAX_OTHERS_PER_NUMBER:
            raise Rejected(
                f"Codes were texted to {number.e164} for other people in the last hour; no more "
                "go to it for now. If it is your number, try again later."
            )
        if opted_out:
            raise Rejected(
                f"{number.e164} has opted out (it texted STOP), so no code can be texted to it "
                "until it texts START."
            )
        if self.telephony is None:
            raise Rejected("This bridge can't text codes, so numbers can't be verified here.")
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires_at = now + self.settings.code_lifetime
        with self.db.transaction() as tx:
            tx.verifications.start(
                user_id, number.e164, _hash(user_id, number.e164, code), now, expires_at
            )
            tx.audit.record(user_id, "phone.code_sent", user_id, number.e164)
        text = (
            f"Your code for the Slack bridge is {code}. Type /phone verify {code} in Slack. "
            "If you did not ask for it, ignore this text."
        )
        try:
            self.telephony.send_message([number.uri], self.settings.sender, text, None)
        except TelephonyError as error:
            with self.db.transaction() as tx:  # that code may never arrive: void it
                tx.verifications.withdraw_code(user_id)
            raise Rejected(f"No code could be texted to {number.e164}: {explain(error)}") from None
        minutes = int(self.settings.code_lifetime.total_seconds() // 60)
        within = f"within {minutes} minutes" if minutes >= 2 else "straight away"
        return (
            f"A code is on its way to {number.e164} by text. Type `/phone verify <code>` "
            f"{within}. Until then {number.e164} is not used as yours."
        )

    def confirm(self, user_id: str, code: str) -> str:
        """Check a typed code; on success the number becomes the user's verified number."""
        now = self.clock.now()
        with self.db.transaction() as tx:
            pending = tx.verifications.pending(user_id)
        if pending is None:
            raise Rejected("No number of yours is waiting for a code: `/phone <number>` texts one.")
        self._refuse_if_locked(pending.locked_until, now)
        number = pending.phone_number
        if pending.code_hash is None:
            raise Rejected(
                f"There is no valid code for {number}: `/phone {number}` texts a new one."
            )
        if now >= pending.expires_at:
            raise Rejected(f"That code has expired: `/phone {number}` texts a new one.")
        if not hmac.compare_digest(
            pending.code_hash, _hash(user_id, number, code, pending.code_hash)
        ):
            with self.db.transaction() as tx:
                tries = tx.verifications.wrong_try(user_id, MAX_WRONG_CODES, now + COOLING_OFF)
                tx.audit.record(user_id, "phone.wrong_code", user_id, number)
            left = MAX_WRONG_CODES - tries
            if left <= 0:
                raise Rejected(
                    f"Wrong code, and that was the last try: registering a number is locked "
                    f"until {_when(now + COOLING_OFF)}."
                )
            plural = "try" if left == 1 else "tries"
            raise Rejected(f"Wrong code for {number}; {left} {plural} left.")
        with self.db.transaction() as tx:
            tx.directory.set_number(user_id, number, DirectorySource.VERIFIED, at=now)
            tx.verifications.finish(user_id)
            tx.audit.record(user_id, "phone.verify", user_id, number)
        return f"Verified: your number is now {number}."

    @staticmethod
    def _refuse_if_locked(locked_until: datetime | None, now: datetime) -> None:
        if locked_until is not None and now < locked_until:
            raise Rejected(
                f"Too many wrong codes: registering a number is locked until {_when(locked_until)}."
            )


def _hash(user_id: str, number: str, code: str, stored: str | None = None) -> str:
    """`salt$hmac`: a new salt, or the one in `stored` when checking a code against it."""
    salt = stored.split("$", 1)[0] if stored else secrets.token_hex(16)
    digest = hmac.new(
        bytes.fromhex(salt), f"{user_id}|{number}|{code}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{salt}${digest}"


def _when(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")
