"""One entry point for every front end: parsed commands and button presses go to the right
service, and whatever goes wrong comes back as a sentence for the person who asked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core import cards
from bot.core.commands import (
    USAGE,
    Command,
    ExportHistory,
    ForgetContact,
    ForgetNumber,
    Help,
    ListContacts,
    ListMine,
    ListRoutes,
    ListScheduled,
    PlaceCall,
    RemoveRoute,
    ScheduleSms,
    SendGroupSms,
    SendSms,
    SetContact,
    SetPhone,
    SetRoute,
    ShowContact,
    ShowHistory,
    ShowPhone,
    StartConference,
    TakeConversation,
    Target,
    VerifyPhone,
)
from bot.core.domain import ChatError, TelephonyError
from bot.services.calls import Calls
from bot.services.conferences import Conferences
from bot.services.contacts import Contacts
from bot.services.errors import Rejected
from bot.services.group_texts import GroupTexts
from bot.services.history import History
from bot.services.messaging import Messaging
from bot.services.ownership import Ownership
from bot.services.parties import Directory
from bot.services.retention import Retention
from bot.services.routes import Routes
from bot.services.scheduled import ScheduledTexts
from bot.services.telephony_errors import explain

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Something went wrong in the bridge; the details are in its log."
CHAT_REASONS = {
    "not_in_channel": "The bridge is not in this channel: `/invite @web21c`, then try again.",
    "channel_not_found": "The bridge can't see this channel: invite it (`/invite @web21c`).",
    "is_archived": "This channel is archived, so the bridge can't post here.",
}


@dataclass(frozen=True)
class Invocation:
    """Who asked, and where."""

    user_id: str
    channel_id: str


@dataclass
class Dispatcher:
    directory: Directory
    routes: Routes
    messaging: Messaging
    calls: Calls
    conferences: Conferences
    contacts: Contacts
    history: History
    retention: Retention | None = None  # `/sms forget`
    ownership: Ownership | None = None  # Take it / Release / Call, `/sms mine|take|release`
    group_texts: GroupTexts | None = None  # `/sms <party> <party> ... <text>`
    scheduled: ScheduledTexts | None = None  # `/sms at|in ...`, `/sms scheduled`

    def run(self, who: Invocation, command: Command) -> str | None:
        """Carry out a parsed command; the answer for the user (ephemeral), if any."""
        return answer(lambda: self._run(who, command))

    def press(self, who: Invocation, action_id: str, value: str) -> str | None:
        """A card button: hang up, drop a participant, end a conference."""
        actions: dict[str, Callable[[str, str], str | None]] = {
            cards.HANG_UP: self.calls.hang_up,
            cards.DROP_PARTICIPANT: self.conferences.drop,
            cards.END_CONFERENCE: self.conferences.end,
        }
        if self.ownership is not None:
            actions[cards.TAKE_CONVERSATION] = self.ownership.take
            actions[cards.RELEASE_CONVERSATION] = self.ownership.release
            actions[cards.CALL_CONVERSATION] = self.ownership.call
        if self.scheduled is not None:
            actions[cards.CANCEL_SCHEDULED] = self.scheduled.cancel
        action = actions.get(action_id)
        if action is None:
            return f"The bridge does not know the button {action_id!r}."
        return answer(lambda: action(who.user_id, value))

    def invite(self, who: Invocation, conference_id: str, target: Target) -> str | None:
        return answer(lambda: self.conferences.invite(who.user_id, conference_id, target))

    def _run(self, who: Invocation, command: Command) -> str | None:
        match command:
            case Help(name):
                return USAGE[name]
            case SendSms(to, text):
                return self.messaging.send(who.user_id, who.channel_id, to, text)
            case SendGroupSms(to, text):
                if self.group_texts is None:
                    return "This bridge cannot send group texts (no group text service is wired)."
                return self.group_texts.send(who.user_id, who.channel_id, to, text)
            case ScheduleSms():
                return self._scheduled().schedule(who.user_id, who.channel_id, command)
            case ListScheduled():
                return self._scheduled().describe(who.user_id, who.channel_id)
            case ListMine():
                return self._ownership().mine(who.user_id)
            case TakeConversation(number, release):
                return self._ownership().take_number(who.user_id, who.channel_id, number, release)
            case SetRoute(keyword, channel):
                return self.routes.set(who.user_id, keyword, channel, who.channel_id)
            case RemoveRoute(keyword):
                return self.routes.remove(who.user_id, keyword)
            case ListRoutes():
                return self.routes.describe()
            case ForgetNumber(number):
                if self.retention is None:
                    return "This bridge cannot forget numbers (no retention service is wired)."
                return self.retention.forget(who.user_id, number)
            case PlaceCall(parties):
                return self.calls.place(who.user_id, who.channel_id, parties)
            case StartConference(parties):
                return self.conferences.start(who.user_id, who.channel_id, parties)
            case ShowPhone(user):
                return self.directory.show(who.user_id, user)
            case SetPhone(user, number):
                return self.directory.register(who.user_id, user, number)
            case VerifyPhone(code):
                return self.directory.verify(who.user_id, code)
            case ShowHistory(party):
                return self.history.show(who.user_id, party)
            case ExportHistory(number):
                return self.history.export(who.user_id, number)
            case ListContacts():
                return self.contacts.describe()
            case ShowContact(number):
                return self.contacts.show(number)
            case SetContact(number, name):
                return self.contacts.set(who.user_id, number, name)
            case ForgetContact(number):
                return self.contacts.forget(who.user_id, number)
        raise AssertionError(f"unhandled command {command!r}")

    def _scheduled(self) -> ScheduledTexts:
        if self.scheduled is None:
            raise Rejected("This bridge cannot schedule texts (no scheduling service is wired).")
        return self.scheduled

    def _ownership(self) -> Ownership:
        if self.ownership is None:
            raise Rejected("This bridge does not track who has which conversation.")
        return self.ownership


def answer(work: Callable[[], str | None]) -> str | None:
    """Run work; turn every failure into words for the user (and the unexpected into a log)."""
    try:
        return work()
    except Rejected as refusal:
        return str(refusal)
    except TelephonyError as error:
        return explain(error)
    except ChatError as error:
        log.warning("chat front end failed: %s", error.reason)
        return CHAT_REASONS.get(
            error.reason, f"Slack refused part of that ({error.reason}); try again in a minute."
        )
    except Exception:
        log.exception("unexpected error while handling a request")
        return SOMETHING_WENT_WRONG
