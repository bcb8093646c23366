"""Labels shared by the citizen conversation and the office: kinds, statuses, the commune in a sentence."""

from __future__ import annotations

from handlers.kernel.catalogue.keys import Msg
from models.commune import Commune
from models.enums import CaseKind, CaseStatus

KIND_LABELS: dict[CaseKind, Msg] = {
    CaseKind.PHAN_ANH: Msg.KIND_PHAN_ANH,
    CaseKind.KIEN_NGHI: Msg.KIND_KIEN_NGHI,
    CaseKind.KHIEU_NAI: Msg.KIND_KHIEU_NAI,
    CaseKind.TO_CAO: Msg.KIND_TO_CAO,
    CaseKind.HOI_DAP: Msg.KIND_HOI_DAP,
}
KIND_NOUNS: dict[CaseKind, Msg] = {
    CaseKind.PHAN_ANH: Msg.KIND_NOUN_PHAN_ANH,
    CaseKind.KIEN_NGHI: Msg.KIND_NOUN_KIEN_NGHI,
    CaseKind.KHIEU_NAI: Msg.KIND_NOUN_KHIEU_NAI,
    CaseKind.TO_CAO: Msg.KIND_NOUN_TO_CAO,
    CaseKind.HOI_DAP: Msg.KIND_NOUN_HOI_DAP,
}
STATUS_LABELS: dict[CaseStatus, Msg] = {status: Msg(f"status.{status.value}") for status in CaseStatus}


def commune_in_sentence(commune: Commune) -> str:
    """``Xã Phú Thịnh`` → ``xã Phú Thịnh``, for use inside a sentence."""
    name = commune.name
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[0].lower() + name[1:]
    return name


def source_label(channel: str) -> Msg | None:
    """The office's name for the channel a case or message came through (``source.<channel>``)."""
    try:
        return Msg(f"source.{channel}")
    except ValueError:
        return None
