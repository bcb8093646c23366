"""The petition being written, stored as JSON on the conversation row."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, fields
from typing import Any

from models.enums import CaseKind
from models.values import AttachmentInfo

# Fields renamed since drafts were first stored: a draft saved under the old name keeps its value.
RENAMED = {
    "dialogue_id": "conference_id",
    "dialogue_intent": "conference_intent",
    "dialogue_question": "conference_question",
}


@dataclass
class Draft:
    kind: str | None = None
    field: str | None = None
    content: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_text: str | None = None
    village_id: int | None = None
    location_done: bool = False
    attachments: list[AttachmentInfo] = dataclasses.field(default_factory=list)
    attachments_done: bool = False
    anonymous: bool = False
    anonymous_confirmed: bool = False  # an anonymous tố cáo the citizen chose to send anyway
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    editing: bool = False
    carry_over: str | None = None
    pending_text: str | None = None  # text awaiting a decision: too long, or offered as a petition
    held_text: str | None = None  # what a returning citizen typed before choosing to resume or restart
    return_step: str | None = None
    # Answering a request for more information (yêu cầu bổ sung) about one of the citizen's cases.
    supplement_case: int | None = None
    supplement_text: str | None = None
    supplement_files: list[AttachmentInfo] = dataclasses.field(default_factory=list)
    # Choosing what to subscribe to (/dangky): topics and village ids, saved only when confirmed.
    subscribe_topics: list[str] = dataclasses.field(default_factory=list)
    subscribe_villages: list[int] = dataclasses.field(default_factory=list)
    # Registering for a conference (hội nghị đối thoại, /doithoai) or sending it a question.
    conference_id: int | None = None
    conference_intent: str | None = None
    conference_question: str | None = None

    @property
    def case_kind(self) -> CaseKind | None:
        return CaseKind(self.kind) if self.kind else None

    @property
    def has_identity(self) -> bool:
        return bool(self.name and self.phone and self.address)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None or bool(self.location_text)

    @property
    def in_progress(self) -> bool:
        """Whether the citizen has started writing a petition (anything worth offering to resume)."""
        return bool(self.kind or self.field or self.content or self.attachments)

    def clear_supplement(self) -> None:
        self.supplement_case, self.supplement_text, self.supplement_files = None, None, []

    def clear_identity(self) -> None:
        self.name = self.phone = self.address = None

    def to_json(self) -> dict[str, Any]:
        """As ``dataclasses.asdict``, a few times faster (it is written on every turn): the fields are plain
        values, lists of them, or lists of attachments."""
        data = dict(self.__dict__)
        for name, value in data.items():
            if isinstance(value, list):
                data[name] = [asdict(item) if isinstance(item, AttachmentInfo) else item for item in value]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Draft:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        data = {RENAMED.get(k, k): v for k, v in data.items()}
        values = {k: v for k, v in data.items() if k in known}
        values["attachments"] = [AttachmentInfo(**a) for a in values.get("attachments", [])]
        values["supplement_files"] = [AttachmentInfo(**a) for a in values.get("supplement_files", [])]
        return cls(**values)
