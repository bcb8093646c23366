"""The citizen's intake conversation, on the in-memory fakes with a manual clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from handlers.kernel.replies import InputRequest
from handlers.kernel.text import fold
from models.case import Case, CaseAttachment, CaseEvent
from models.citizen import Citizen, ConsentRecord
from models.commune import Village
from models.enums import AttachmentKind, CaseAction, CaseKind, CaseStatus, ConsentDecision, OutboxPriority
from models.outbox import OutboxMessage
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import FakeStore, ManualClock

CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét."


def store(backend: Backend) -> FakeStore:
    return backend.uow_factory.store  # type: ignore[attr-defined, no-any-return]


def labels(chat: Chat) -> list[str]:
    return [choice.label for choice in chat.last_question.choices]


async def test_the_first_message_greets_the_citizen_and_shows_the_menu(chat: Chat) -> None:
    replies = await chat.send("/start")
    assert "Kính chào Ông/Bà" in replies[0].text
    assert "xã Phú Thịnh" in replies[0].text
    assert labels(chat) == ["Gửi ý kiến, đơn thư", "Tra cứu hồ sơ", "Hồ sơ của tôi", "Hướng dẫn"]


async def test_consent_is_asked_before_anything_personal_with_nothing_preselected(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Gửi ý kiến")
    question = chat.last_question
    assert "Luật Bảo vệ dữ liệu cá nhân" in question.text
    for must_say in ("Dữ liệu thu thập", "Mục đích", "Đơn vị xử lý", "Quyền của Ông/Bà"):
        assert must_say in question.text
    assert [c.label for c in question.choices] == ["Đồng ý", "Không đồng ý"]


async def test_a_citizen_files_a_petition_and_gets_a_receipt_code(chat: Chat, backend: Backend) -> None:
    code = await chat.file_petition()
    assert code == "PT-26-00001"
    receipt = chat.last_text
    assert "Mã hồ sơ: PT-26-00001" in receipt
    assert "08:15 ngày 12/05/2026" in receipt
    assert "/tracuu PT-26-00001" in receipt

    db = store(backend)
    [case] = db.all(Case)
    assert (case.kind, case.field_slug, case.status) == (
        CaseKind.PHAN_ANH,
        "giao_thong_ha_tang",
        CaseStatus.RECEIVED,
    )
    assert case.content == CONTENT
    assert (case.petitioner_name, case.petitioner_phone) == ("Nguyễn Văn An", "0912345678")
    assert not case.is_anonymous
    [event] = db.all(CaseEvent)
    assert (event.action, event.from_status, event.to_status) == (
        CaseAction.SUBMITTED,
        None,
        CaseStatus.RECEIVED,
    )
    receipts = [m for m in db.all(OutboxMessage) if m.case_id == case.id]
    assert [m.payload["text"] for m in receipts] == [receipt]
    assert receipts[0].priority == OutboxPriority.REPLY
    [consent] = db.all(ConsentRecord)
    assert consent.decision is ConsentDecision.GRANTED


async def test_receipt_codes_follow_each_other_per_commune_and_year(new_chat: Callable[..., Chat]) -> None:
    first = await new_chat("1").file_petition()
    second = await new_chat("2").file_petition()
    assert (first, second) == ("PT-26-00001", "PT-26-00002")


async def test_typed_numbers_and_labels_without_diacritics_select_choices(
    chat: Chat, backend: Backend
) -> None:
    await chat.send("gui don")
    await chat.send("dong y")
    await chat.send("2")  # Kiến nghị
    await chat.send("moi truong")
    await chat.send("De nghi xa cho thu gom rac thai o dau xom Bai Che moi tuan hai lan vi rac ton dong")
    await chat.send("bo qua")
    await chat.send("Bo qua")
    await chat.send("Tran Thi Binh")
    await chat.send("+84 912 345 678")
    await chat.send("xom Bai Che")
    await chat.send("GUI")
    [case] = store(backend).all(Case)
    assert (case.kind, case.field_slug, case.petitioner_phone) == (
        CaseKind.KIEN_NGHI,
        "moi_truong",
        "0912345678",
    )


async def test_refusing_consent_still_allows_an_anonymous_phan_anh(chat: Chat, backend: Backend) -> None:
    await chat.send("/guidon")
    replies = await chat.press("Không đồng ý")
    assert "khiếu nại và tố cáo cần có họ tên" in replies[0].text
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    summary = await chat.press("Bỏ qua")
    assert "Người gửi: ẩn danh" in summary[-1].text
    await chat.press("Gửi")
    [case] = store(backend).all(Case)
    assert case.is_anonymous
    assert case.petitioner_name is None
    assert case.petitioner_phone is None
    [consent] = store(backend).all(ConsentRecord)
    assert consent.decision is ConsentDecision.REFUSED


async def test_without_consent_a_khieu_nai_is_explained_and_consent_can_be_given(chat: Chat) -> None:
    await chat.send("/guidon")
    await chat.press("Không đồng ý")
    await chat.press("Khiếu nại")
    assert "Điều 8 Luật Khiếu nại" in chat.last_question.text
    assert labels(chat) == ["Đồng ý, cung cấp thông tin", "Chọn loại khác"]
    await chat.press("Đồng ý, cung cấp thông tin")
    await chat.press("Đồng ý")  # the full consent notice, asked explicitly
    assert fold("lĩnh vực") in fold(chat.last_question.text)


async def test_an_anonymous_to_cao_can_be_sent_after_the_article_25_warning(
    chat: Chat, backend: Backend
) -> None:
    await chat.send("/guidon")
    await chat.press("Không đồng ý")
    await chat.press("Tố cáo")
    assert "Điều 25 Luật Tố cáo" in chat.last_question.text
    await chat.press("Vẫn gửi ẩn danh")
    await chat.press("Cán bộ")
    await chat.send("Cán bộ địa chính xã đòi 20 triệu đồng mới làm thủ tục tách thửa, tôi có ghi âm.")
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await chat.press("Gửi")
    [case] = store(backend).all(Case)
    assert (case.kind, case.is_anonymous) == (CaseKind.TO_CAO, True)


async def test_a_to_cao_with_identity_is_told_its_author_is_kept_secret(chat: Chat) -> None:
    await chat.send("/guidon")
    await chat.press("Đồng ý")
    replies = await chat.press("Tố cáo")
    assert "Điều 9 Luật Tố cáo" in replies[0].text


async def test_content_shorter_than_twenty_characters_is_refused_politely(chat: Chat) -> None:
    await chat.send("/guidon")
    await chat.press("Đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    replies = await chat.send("đường hỏng")
    assert "ít nhất 20 ký tự" in replies[0].text
    await chat.send(CONTENT)
    assert chat.last_question.request is InputRequest.LOCATION


async def test_content_longer_than_the_limit_can_become_two_petitions(chat: Chat, backend: Backend) -> None:
    paragraph = "Nước thải từ trại lợn chảy ra mương chung gây mùi hôi thối cho cả xóm. " * 30
    long_text = paragraph.strip() + "\n\n" + paragraph.strip() + "\n\n" + "Đề nghị xã kiểm tra xử lý."
    await chat.send("/guidon")
    await chat.press("Đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    await chat.send(long_text)
    assert "vượt quá 4.000 ký tự" in chat.last_question.text
    await chat.press("Tách thành hai đơn")
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await chat.send("Lê Văn Cường")
    await chat.send("0987654321")
    await chat.send("Xóm Soi Mít")
    await chat.press("Gửi")
    assert "Phần còn lại của nội dung" in chat.last_question.text
    await chat.press("Gửi tiếp phần còn lại")
    await chat.press("Gửi")
    first, second = sorted(store(backend).all(Case), key=lambda c: c.sequence)
    assert len(first.content) <= 4000
    assert first.content + "\n\n" + second.content == long_text
    assert second.petitioner_name == "Lê Văn Cường"


@pytest.mark.parametrize("typed", ["091234567", "0212345678", "abc", "+1 202 555 0100"])
async def test_an_invalid_phone_number_is_refused_with_an_example(chat: Chat, typed: str) -> None:
    await _reach_identity(chat)
    await chat.send("Nguyễn Văn An")
    replies = await chat.send(typed)
    assert "0912 345 678" in replies[0].text
    assert chat.last_question.request is InputRequest.CONTACT


async def test_a_shared_contact_gives_the_phone_number(chat: Chat) -> None:
    await _reach_identity(chat)
    await chat.send("Nguyễn Văn An")
    await chat.share_contact("84912345678")
    assert "địa chỉ" in chat.last_question.text


async def test_a_name_must_be_a_full_name_in_letters(chat: Chat) -> None:
    await _reach_identity(chat)
    for bad in ("Huy", "12345", "a"):
        replies = await chat.send(bad)
        assert "Họ và tên chưa hợp lệ" in replies[0].text
    assert chat.last_question.text.startswith("Xin cho biết họ và tên")


async def test_a_shared_location_is_followed_by_the_village(chat: Chat, backend: Backend) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.share_location(21.6012, 105.8401)
    assert "Xóm Đồng Bầu" in labels(chat)
    await chat.send("dong bau")  # the village word is optional
    await chat.press("Bỏ qua")
    await _finish_identity_and_send(chat)
    [case] = store(backend).all(Case)
    assert (case.latitude, case.longitude) == (21.6012, 105.8401)
    assert case.village_id is not None


async def test_a_village_named_in_the_typed_address_is_not_asked_again(chat: Chat, backend: Backend) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.send("gan cong truong, xom Cay Thi")
    assert chat.last_question.text.startswith("Ông/Bà có ảnh hoặc giấy tờ")
    await chat.press("Bỏ qua")
    await _finish_identity_and_send(chat)
    [case] = store(backend).all(Case)
    village = next(v for v in store(backend).all(Village) if v.id == case.village_id)
    assert village.name == "Xóm Cây Thị"
    assert case.location_text == "gan cong truong, xom Cay Thi"


async def test_attachments_are_checked_for_type_size_and_count(chat: Chat, backend: Backend) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    replies = await chat.send_file("virus.exe", kind=AttachmentKind.DOCUMENT, mime="application/x-msdownload")
    assert "không thuộc loại được nhận" in replies[0].text
    replies = await chat.send_file("to.jpg", size=25 * 1024 * 1024)
    assert "vượt quá giới hạn 20 MB" in replies[0].text
    for number in range(1, 5):
        await chat.send_file(f"anh{number}.jpg")
        assert f"Đã nhận tệp thứ {number}/5" in chat.last_text
    await chat.send_file("don.pdf", kind=AttachmentKind.DOCUMENT, mime="application/pdf")
    assert "Đã đủ 5 tệp" in chat.last_text
    await _finish_identity_and_send(chat)
    assert len(store(backend).all(CaseAttachment)) == 5


async def test_editing_from_the_summary_changes_only_that_part(chat: Chat, backend: Backend) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await chat.send("Nguyễn Văn An")
    await chat.send("0912345678")
    await chat.send("Xóm Đồng Bầu")
    await chat.press("Sửa")
    await chat.press("Lĩnh vực")
    summary = await chat.press("Môi trường")
    assert "Lĩnh vực: Môi trường" in summary[-1].text
    assert "Nguyễn Văn An" in summary[-1].text
    await chat.press("Gửi")
    [case] = store(backend).all(Case)
    assert case.field_slug == "moi_truong"


async def test_cancel_discards_the_draft_and_nothing_is_filed(chat: Chat, backend: Backend) -> None:
    await _reach_content(chat)
    replies = await chat.send("/huy")
    assert "Đã hủy đơn đang soạn" in replies[0].text
    assert store(backend).all(Case) == []
    replies = await chat.send("/huy")
    assert "không có đơn nào đang soạn" in replies[0].text


async def test_help_explains_the_current_step_then_asks_again(chat: Chat) -> None:
    await _reach_content(chat)
    [reply] = await chat.send("/trogiup")  # one message: help, this step's help, the question again
    help_at, step_at = reply.text.index("/tracuu"), reply.text.index("Bước hiện tại")
    assert help_at < step_at < reply.text.index("Xin Ông/Bà viết nội dung phản ánh")


@pytest.mark.parametrize(
    ("what", "said"), [("sticker", "nhãn dán"), ("voice", "tin nhắn thoại"), ("xyz", "loại")]
)
async def test_unexpected_input_gets_a_short_explanation_then_the_question(
    chat: Chat, what: str, said: str
) -> None:
    await chat.send("/start")
    await chat.send("/guidon")
    question = chat.last_question.text
    [reply] = await chat.send_unsupported(what)
    assert reply.text.index(said) < reply.text.index("bấm một nút")
    assert reply.text.endswith(question)


async def test_an_empty_message_is_answered_and_the_question_repeated(chat: Chat) -> None:
    await _reach_content(chat)
    [reply] = await chat.send("   ")
    assert reply.text.index("không có nội dung") < reply.text.index("Xin Ông/Bà viết nội dung")


async def test_a_button_from_an_old_question_is_not_applied(chat: Chat) -> None:
    await chat.send("/guidon")
    consent_question = chat.last_question
    await chat.press("Đồng ý")
    [reply] = await chat.press_stale(consent_question, consent_question.choices[1])
    assert reply.text.index("không còn hiệu lực") < reply.text.index("Ông/Bà muốn gửi loại ý kiến nào")


async def test_a_returning_citizen_is_offered_to_continue_and_nothing_typed_is_lost(
    chat: Chat, clock: ManualClock, backend: Backend
) -> None:
    await _reach_content(chat)
    clock.advance(timedelta(hours=5))
    replies = await chat.send(CONTENT)
    assert "đơn soạn dở" in replies[0].text
    assert labels(chat) == ["Tiếp tục đơn đang soạn", "Soạn đơn mới"]
    await chat.press("Tiếp tục")
    assert chat.last_question.request is InputRequest.LOCATION  # the held text was the content
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await _finish_identity_and_send(chat)
    [case] = store(backend).all(Case)
    assert case.content == CONTENT


async def test_drafts_expire_after_seven_days(chat: Chat, clock: ManualClock) -> None:
    await _reach_content(chat)
    clock.advance(timedelta(days=8))
    replies = await chat.send("xin chào")
    assert "đã quá 7 ngày nên hệ thống đã xóa" in replies[0].text
    assert labels(chat)[0] == "Gửi ý kiến, đơn thư"


async def test_tracking_shows_status_and_public_timeline_to_the_citizen_who_filed(chat: Chat) -> None:
    code = await chat.file_petition()
    replies = await chat.send(f"tra cuu {code.lower()}")
    text = replies[0].text
    assert f"Hồ sơ {code} — Phản ánh" in text
    assert "Tình trạng: Mới tiếp nhận" in text
    assert "đã tiếp nhận đơn" in text


async def test_someone_elses_code_answers_exactly_like_an_unknown_code(new_chat: Callable[..., Chat]) -> None:
    owner, other = new_chat("1"), new_chat("2")
    code = await owner.file_petition()
    await other.send("/start")
    someone_elses = (await other.send(f"/tracuu {code}"))[0].text
    unknown = (await other.send("/tracuu PT-26-00099"))[0].text
    assert someone_elses.replace(code, "CODE") == unknown.replace("PT-26-00099", "CODE")
    assert "Không tìm thấy" in unknown


async def test_tracking_without_a_code_asks_for_it_with_own_cases_as_choices(chat: Chat) -> None:
    code = await chat.file_petition()
    await chat.send("/tracuu")
    assert code in labels(chat)
    replies = await chat.press(code)
    assert f"Hồ sơ {code}" in replies[0].text
    await chat.send("/tracuu")
    replies = await chat.send("không nhớ mã")
    assert "không phải là mã hồ sơ" in replies[0].text


async def test_my_cases_lists_the_citizens_own_cases_newest_first(chat: Chat, clock: ManualClock) -> None:
    first = await chat.file_petition()
    clock.advance(timedelta(minutes=5))
    second = await chat.file_petition(kind="Kiến nghị")
    text = (await chat.send("/cuatoi"))[0].text
    assert text.index(second) < text.index(first)


async def test_a_failed_commit_says_the_petition_was_not_saved_and_shows_no_receipt(
    chat: Chat, backend: Backend
) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await chat.send("Nguyễn Văn An")
    await chat.send("0912345678")
    await chat.send("Xóm Đồng Bầu")
    store(backend).fail_next_commit = True
    replies = await chat.press("Gửi")
    assert "ĐƠN CHƯA ĐƯỢC GỬI" in replies[0].text
    assert "Mã hồ sơ" not in replies[0].text
    assert not chat.results[-1].committed
    assert store(backend).all(Case) == []
    replies = await chat.send("gửi")  # the draft is still there: sending again works
    assert "Mã hồ sơ: PT-26-00001" in replies[0].text  # and the failed attempt left no gap


async def test_saved_identity_is_offered_the_next_time(chat: Chat, backend: Backend) -> None:
    await chat.file_petition()
    replies = await chat.send("/guidon")
    assert "đã đồng ý cho xử lý dữ liệu cá nhân ngày 12/05/2026" in replies[0].text
    assert "Ông/Bà muốn gửi loại" in chat.last_question.text  # consent is not asked twice
    await chat.press("Kiến nghị")
    await chat.press("Khác")
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    assert "Nguyễn Văn An" in chat.last_question.text
    await chat.press("Dùng thông tin này")
    await chat.press("Gửi")
    assert [c.petitioner_name for c in store(backend).all(Case)] == ["Nguyễn Văn An", "Nguyễn Văn An"]


async def test_withdrawing_consent_forgets_the_saved_identity_but_keeps_cases(
    chat: Chat, backend: Backend
) -> None:
    await chat.file_petition()
    await chat.send("/rutdongy")
    replies = await chat.press("Rút lại sự đồng ý")
    assert "Đã ghi nhận Ông/Bà rút lại sự đồng ý" in replies[0].text
    [citizen] = store(backend).all(Citizen)
    assert citizen.full_name is None
    assert citizen.phone is None
    [case] = store(backend).all(Case)
    assert case.petitioner_name == "Nguyễn Văn An"
    decisions = [r.decision for r in store(backend).all(ConsentRecord)]
    assert decisions == [ConsentDecision.GRANTED, ConsentDecision.WITHDRAWN]
    await chat.send("/guidon")
    assert "Luật Bảo vệ dữ liệu cá nhân" in chat.last_question.text


async def test_a_problem_typed_at_the_menu_is_offered_as_a_petition_and_kept(
    chat: Chat, backend: Backend
) -> None:
    await chat.send("/start")
    await chat.send(CONTENT)
    assert labels(chat) == ["Gửi thành đơn", "Không"]
    await chat.press("Gửi thành đơn")
    await chat.press("Đồng ý")
    await chat.press("Phản ánh")
    replies = await chat.press("Giao thông")
    assert "Nội dung Ông/Bà đã gõ được dùng" in replies[0].text
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    await _finish_identity_and_send(chat)
    [case] = store(backend).all(Case)
    assert case.content == CONTENT


async def test_an_unknown_command_points_to_help(chat: Chat) -> None:
    await chat.send("/start")
    replies = await chat.send("/xinchao")
    assert "chưa hiểu lệnh «/xinchao»" in replies[0].text


async def test_commands_ignore_case_and_diacritics(chat: Chat) -> None:
    await chat.send("/start")
    assert "/tracuu" in (await chat.send("/TRỢGIÚP"))[0].text
    assert "/tracuu" in (await chat.send("tro giup"))[0].text


async def test_every_reply_of_a_turn_is_in_the_outbox_keyed_by_the_event(
    chat: Chat, backend: Backend
) -> None:
    await chat.send("/start")
    result = chat.results[-1]
    messages = [store(backend).rows[OutboxMessage][i] for i in result.outbox_ids]
    assert [m.payload["text"] for m in messages] == [r.text for r in result.replies]
    assert len({m.delivery_key for m in messages}) == len(messages)


# -- helpers -------------------------------------------------------------------------------------------


async def _reach_content(chat: Chat) -> None:
    await chat.send("/guidon")
    await chat.press("Đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Giao thông")


async def _reach_identity(chat: Chat) -> None:
    await _reach_content(chat)
    await chat.send(CONTENT)
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")


async def _finish_identity_and_send(chat: Chat) -> None:
    if any(c.token == "done" for c in chat.last_question.choices):
        await chat.press("Xong")
    await chat.send("Nguyễn Văn An")
    await chat.send("0912345678")
    await chat.send("Xóm Đồng Bầu")
    await chat.press("Gửi")
