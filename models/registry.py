"""Imports every mapped class so ``Base.metadata`` is complete (for Alembic and test schemas)."""

from models.base import Base
from models.case import Case, CaseAttachment, CaseEvent, CaseSequence
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, Field, Unit, Village
from models.conversation import Conversation
from models.outbox import OutboxMessage
from models.processed import ProcessedEvent

__all__ = [
    "Base",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseSequence",
    "Citizen",
    "Commune",
    "ConsentRecord",
    "Conversation",
    "Field",
    "OutboxMessage",
    "ProcessedEvent",
    "Unit",
    "Village",
]
