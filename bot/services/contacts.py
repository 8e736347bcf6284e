"""Contacts: names the team gives phone numbers (`/contact`), shared by everyone.

A name is a label, not an identity: anyone in the workspace may set, change or remove one
(each change is in the audit log), and a number that proves to be a Slack user (a verified
or admin-set number) is still shown as that user. Wherever a number is shown, its name is
shown beside it (bot.services.parties.Party.label), escaped like any text from outside;
naming a number also edits the headers of its existing conversation threads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.commands import MAX_CONTACT_NAME, NumberTarget
from bot.core.mrkdwn import escape
from bot.core.numbers import NumberRejected, PhoneNumber, parse_number
from bot.core.ports import ChatSurface, Clock
from bot.services.errors import Rejected
from bot.services.messaging import Messaging
from bot.services.parties import Directory
from storage import Database

log = logging.getLogger(__name__)


@dataclass
class Contacts:
    db: Database
    chat: ChatSurface
    directory: Directory
    clock: Clock
    messaging: Messaging  # edits the thread headers that show a number's name

    def set(self, actor: str, target: NumberTarget, name: str) -> str:
        number = self._number(target)
        name = name.strip()
        if not name or len(name) > MAX_CONTACT_NAME or not name.isprintable():
            raise Rejected(
                f"A contact name is 1 to {MAX_CONTACT_NAME} printable characters; that one "
                f"has {len(name)}."
            )
        with self.db.transaction() as tx:
            before = tx.contacts.set(number.e164, name, actor, self.clock.now())
            tx.audit.record(actor, "contact.set", number.e164, name)
        if before is not None and before.name == name:
            return f"{number.e164} is already called {escape(name)}."
        unedited = self._refresh_headers(number)
        was = f" (it was {escape(before.name)})" if before else ""
        answer = f"{number.e164} is now called {escape(name)} for everyone{was}."
        return answer + unedited

    def show(self, target: NumberTarget) -> str:
        number = self._number(target)
        with self.db.transaction() as tx:
            contact = tx.contacts.get(number.e164)
        if contact is None:
            return f"{number.e164} has no name. Give it one with `/contact {number.e164} <name>`."
        return (
            f"{number.e164} is {escape(contact.name)} (named by <@{contact.set_by}>, "
            f"{contact.updated_at:%Y-%m-%d %H:%M} UTC)."
        )

    def forget(self, actor: str, target: NumberTarget) -> str:
        number = self._number(target)
        with self.db.transaction() as tx:
            before = tx.contacts.forget(number.e164)
            if before is not None:
                tx.audit.record(actor, "contact.forget", number.e164, before.name)
        if before is None:
            return f"{number.e164} had no name; nothing to forget."
        unedited = self._refresh_headers(number)
        return f"{number.e164} is no longer called {escape(before.name)}." + unedited

    def describe(self) -> str:
        with self.db.transaction() as tx:
            contacts = tx.contacts.all()
        if not contacts:
            return "No numbers have names yet. Name one with `/contact <number> <name>`."
        lines = [f"• {escape(c.name)}: {c.phone_number}" for c in contacts]
        return "*Contacts*\n" + "\n".join(lines)

    def _number(self, target: NumberTarget) -> PhoneNumber:
        """Any number the bridge understands may be named, even one it would not text (a
        number from abroad that texted in still deserves a name)."""
        try:
            return parse_number(target.text, self.directory.policy.default_region)
        except NumberRejected as error:
            raise Rejected(str(error)) from None

    def _refresh_headers(self, number: PhoneNumber) -> str:
        """Edit the number's existing thread headers to show its name as it now is; a
        sentence for the answer if some could not be edited."""
        with self.db.transaction() as tx:
            threads = [c.id for c in tx.history.conversations_with(number.e164) if c.thread_ts]
        failed = sum(not self.messaging.show_header(c) for c in threads)
        if not failed:
            return ""
        return f" {failed} conversation header(s) could not be edited; new posts use the name."
