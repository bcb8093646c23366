"""The drafts of the office's guided flows survive the prompt they are kept in: written to its JSON data and
read back unchanged, and a draft stored before they were typed (under the same keys) still reads."""

from __future__ import annotations

import json
from datetime import date, datetime

from handlers.broadcasts.announce import AnnounceDraft, AnnounceStep
from handlers.conferences.staff import ConferenceDraft, ConferenceStep, ResultsDraft
from handlers.filing.paper import EnterDraft, EnterStep
from models.base import LOCAL_TZ
from models.enums import CaseKind


def stored(data: dict[str, object]) -> dict[str, object]:
    """The data as the database gives it back: through JSON."""
    loaded: dict[str, object] = json.loads(json.dumps(data))
    return loaded


def test_a_paper_petition_draft_round_trips_through_the_prompt_data() -> None:
    draft = EnterDraft(
        step=EnterStep.SUMMARY,
        source="reception",
        received=date(2026, 5, 12),
        reception="2026-05-12:1",
        kind=CaseKind.KHIEU_NAI,
        field="dat-dai",
        content="Tranh chấp ranh giới đất với hộ bên cạnh.",
        village=3,
        name="Nguyễn Văn An",
        phone="0912345678",
        address="Xóm Đồng Bầu",
    )
    assert EnterDraft.from_json(stored(draft.to_json())) == draft
    assert EnterDraft.from_json(stored(EnterDraft().to_json())) == EnterDraft()


def test_a_paper_petition_draft_stored_in_todays_format_still_reads() -> None:
    data = {
        "step": "phone",
        "source": "paper",
        "date": "2026-05-12",
        "kind": "phan_anh",
        "field": "giao-thong",
        "content": "Đường bê tông bị sụt lún một đoạn dài.",
        "village": None,
        "anonymous": False,
        "name": "Trần Thị Bình",
    }
    draft = EnterDraft.from_json(data)
    assert draft.step is EnterStep.PHONE
    assert draft.received == date(2026, 5, 12)
    assert draft.kind is CaseKind.PHAN_ANH
    assert (draft.village, draft.anonymous, draft.name, draft.phone) == (None, False, "Trần Thị Bình", None)
    assert EnterDraft.from_json({}).step is EnterStep.SOURCE
    assert draft.to_json()["date"] == "2026-05-12"


def test_a_conference_draft_round_trips_through_the_prompt_data() -> None:
    draft = ConferenceDraft(
        step=ConferenceStep.SUMMARY,
        title="Đối thoại về giải phóng mặt bằng",
        field="dat-dai",
        start=datetime(2026, 12, 25, 19, 30, tzinfo=LOCAL_TZ),
        end=datetime(2026, 12, 25, 21, 0, tzinfo=LOCAL_TZ),
        urgent_note="Dự án phải khởi công",
        place="Hội trường UBND xã",
        link="",
        chair="Chủ tịch UBND xã",
        villages=[2, 5],
        case_ids=[41, 42],
        case_codes=["PT-26-00041", "PT-26-00042"],
    )
    assert ConferenceDraft.from_json(stored(draft.to_json())) == draft
    assert draft.plan().online_link == ""


def test_a_conference_draft_stored_in_todays_format_still_reads() -> None:
    data = {
        "step": "villages",
        "title": "Đối thoại về giải phóng mặt bằng",
        "field": "dat-dai",
        "start": "2026-12-25T19:30:00+07:00",
        "end": "2026-12-25T21:30:00+07:00",
        "place": "Hội trường",
        "link": "",
        "chair": "Chủ tịch UBND xã",
        "villages": [3],
    }
    draft = ConferenceDraft.from_json(data)
    assert draft.step is ConferenceStep.VILLAGES
    assert draft.start == datetime(2026, 12, 25, 19, 30, tzinfo=LOCAL_TZ)
    assert (draft.link, draft.villages, draft.case_ids, draft.urgent_note) == ("", [3], [], None)
    assert ConferenceDraft.from_json({"step": "title"}) == ConferenceDraft()


def test_conference_results_round_trip_and_read_as_stored_today() -> None:
    draft = ResultsDraft(
        id=7,
        text="Kết quả hội nghị: đã giải đáp 12 câu hỏi.",
        files=[{"kind": "document", "file_id": "F1", "file_name": "bien-ban.pdf"}],
    )
    assert ResultsDraft.from_json(stored(draft.to_json())) == draft
    assert ResultsDraft.from_json({"id": 7}) == ResultsDraft(id=7)
    assert ResultsDraft(id=7).to_json() == {"id": 7}


def test_an_announcement_draft_round_trips_and_its_step_follows_from_its_text() -> None:
    draft = AnnounceDraft(text="Lịch cắt điện ngày 12/5 tại xóm Đồng Bầu.", villages=[1, 4])
    read = AnnounceDraft.from_json(stored(draft.to_json()))
    assert (read.text, read.villages, read.step) == (draft.text, [1, 4], AnnounceStep.PREVIEW)
    assert AnnounceDraft().to_json() == {"villages": []}  # what /thongbao has always stored first
    assert AnnounceDraft.from_json({"villages": []}).step is AnnounceStep.TEXT
