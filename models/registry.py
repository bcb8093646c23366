"""Imports every mapped class so ``Base.metadata`` is complete (for Alembic and test schemas)."""

from models.base import Base
from models.broadcast import Broadcast
from models.calendar import CalendarOverride
from models.case import (
    Case,
    CaseAttachment,
    CaseCard,
    CaseEvent,
    CaseResult,
    CaseSequence,
    HotSpot,
    InfoRequest,
)
from models.channel import ChannelToken, ChatContact
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, PetitionField, RoutingRule, Unit, Village
from models.conference import Conference, ConferenceParticipant
from models.conversation import Conversation
from models.outbox import OutboxMessage
from models.plan import PlanTask
from models.processed import ProcessedEvent
from models.reception import ReceptionChange
from models.reminder import SentReminder
from models.staff import StaffGroup, StaffInvite, StaffMember, StaffPrompt, StaffRole
from models.subscription import Subscription
from models.unhandled import UnhandledMessage

__all__ = [
    "Base",
    "Broadcast",
    "CalendarOverride",
    "Case",
    "CaseAttachment",
    "CaseCard",
    "CaseEvent",
    "CaseResult",
    "CaseSequence",
    "ChannelToken",
    "ChatContact",
    "Citizen",
    "Commune",
    "Conference",
    "ConferenceParticipant",
    "ConsentRecord",
    "Conversation",
    "HotSpot",
    "InfoRequest",
    "OutboxMessage",
    "PetitionField",
    "PlanTask",
    "ProcessedEvent",
    "ReceptionChange",
    "RoutingRule",
    "SentReminder",
    "StaffGroup",
    "StaffInvite",
    "StaffMember",
    "StaffPrompt",
    "StaffRole",
    "Subscription",
    "UnhandledMessage",
    "Unit",
    "Village",
]
