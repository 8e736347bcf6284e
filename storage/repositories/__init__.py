"""One repository per part of the schema; all run inside a storage.Database transaction."""

from storage.repositories.audit import AuditRepository
from storage.repositories.calls import CallRepository
from storage.repositories.conferences import ConferenceRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.directory import DirectoryRepository
from storage.repositories.events import HandledEventRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.opt_outs import OptOutRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.routes import RouteRepository
from storage.repositories.work import WorkRepository

__all__ = [
    "AuditRepository",
    "CallRepository",
    "ConferenceRepository",
    "ConversationRepository",
    "DirectoryRepository",
    "HandledEventRepository",
    "MessageRepository",
    "OptOutRepository",
    "RetentionRepository",
    "RouteRepository",
    "WorkRepository",
]
