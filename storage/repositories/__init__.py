"""One repository per part of the schema; all run inside a storage.Database transaction."""

from storage.repositories.audit import AuditRepository
from storage.repositories.calls import CallRepository
from storage.repositories.conferences import ConferenceRepository
from storage.repositories.console_view import ConsoleViewRepository
from storage.repositories.contacts import ContactRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.directory import DirectoryRepository
from storage.repositories.events import HandledEventRepository
from storage.repositories.history import HistoryRepository
from storage.repositories.home_tabs import HomeTabRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.notes import NoteRepository
from storage.repositories.opt_outs import OptOutRepository
from storage.repositories.outcome_lines import OutcomeLineRepository
from storage.repositories.ownership import OwnershipRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.routes import RouteRepository
from storage.repositories.scheduled import ScheduledTextRepository
from storage.repositories.verifications import VerificationRepository
from storage.repositories.work import WorkRepository

__all__ = [
    "AuditRepository",
    "CallRepository",
    "ConferenceRepository",
    "ConsoleViewRepository",
    "ContactRepository",
    "ConversationRepository",
    "DirectoryRepository",
    "HandledEventRepository",
    "HistoryRepository",
    "HomeTabRepository",
    "MessageRepository",
    "NoteRepository",
    "OptOutRepository",
    "OutcomeLineRepository",
    "OwnershipRepository",
    "RetentionRepository",
    "RouteRepository",
    "ScheduledTextRepository",
    "VerificationRepository",
    "WorkRepository",
]
