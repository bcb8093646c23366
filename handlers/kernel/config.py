"""Limits and timings of the citizen conversation, set from settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

# The version of the consent text in the catalogue; bump it whenever ``consent.ask`` changes meaning,
# so citizens are asked again (Luật Bảo vệ dữ liệu cá nhân 2025: consent is per notice).
CONSENT_TEXT_VERSION = "2026-01"

ACCEPTED_MIME_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/webp",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
ACCEPTED_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".heic", ".webp", ".pdf", ".doc", ".docx"})


@dataclass(frozen=True)
class IntakeConfig:
    content_min: int = 20
    content_max: int = 4000
    address_min: int = 5
    address_max: int = 300
    max_attachments: int = 5
    max_attachment_bytes: int = 20 * 1024 * 1024  # Telegram bots can download files up to 20 MB
    draft_ttl: timedelta = timedelta(days=7)
    resume_after: timedelta = timedelta(hours=1)
    accepted_mime_types: frozenset[str] = field(default=ACCEPTED_MIME_TYPES)
    accepted_extensions: frozenset[str] = field(default=ACCEPTED_EXTENSIONS)
