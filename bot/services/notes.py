"""Internal notes: a thread reply that starts with `note:` or `private:` (any case) is for the
team only. It is never texted, it is marked as a note where it was typed, and it is kept with
the conversation so history exports show it (as a note). This guards against the commonest
accident of a shared inbox: a remark meant for colleagues reaching the customer.
"""

from __future__ import annotations

import logging

from bot.core.domain import ChatError
from bot.core.ports import ChatSurface
from storage import Database

log = logging.getLogger(__name__)

NOTE_PREFIXES = ("note:", "private:")
NOTE_REACTION = "memo"


def is_note(text: str) -> bool:
    """True for a reply meant for the team, not the customer."""
    return text.lstrip().lower().startswith(NOTE_PREFIXES)


def keep_note(db: Database, chat: ChatSurface, actor: str, conversation, ts: str, text: str):
    """Store the note and mark it; the mark failing never makes it a text."""
    with db.transaction() as tx:
        note = tx.notes.add(conversation.id, conversation.channel_id, ts, actor, text.strip())
        tx.audit.record(actor, "note.add", conversation.phone_number, str(note.id))
    try:
        chat.react(conversation.channel_id, ts, NOTE_REACTION)
    except ChatError as error:
        log.warning("note %s kept, but its :%s: mark failed: %s", note.id, NOTE_REACTION, error)
    return note
