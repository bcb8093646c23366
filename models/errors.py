"""Domain errors. Raised in the core, translated once at each edge into a polite reply."""

from __future__ import annotations

from models.enums import CaseStatus


class DomainError(Exception):
    """Base of every error the core raises on purpose."""


class IllegalTransition(DomainError):
    def __init__(self, from_status: CaseStatus, to_status: CaseStatus) -> None:
        super().__init__(f"illegal case transition {from_status} -> {to_status}")
        self.from_status = from_status
        self.to_status = to_status


class InvalidValue(DomainError):
    """A value object refused its input."""
