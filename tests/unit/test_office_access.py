"""Who may do what: every staff command and button refuses every role that may not use it, and citizens,
with one answer that does not tell whether the case exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.dispatch.commands import HELP, TABLE
from handlers.dispatch.office_router import CASE_BUTTONS, STAFF_BUTTONS
from models.case import Case
from models.staff import Role, StaffInvite, StaffMember
from tests.fakes import Inspectable
from tests.office import OFFICE_GROUP, Member, World

REFUSED = "Tài khoản này không có quyền dùng chức năng này."
ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)
NO_SUCH_CODE = "PT-26-09999"
NO_SUCH_ID = 99999
# Each role played by one account; "citizen" holds no role at all.
PEOPLE: dict[str, tuple[str, tuple[Role | tuple[Role, str], ...]]] = {
    "admin": ("8001", (Role.ADMIN,)),
    "clerk": ("8002", (Role.CLERK,)),
    "leader": ("8003", (Role.LEADER,)),
    "unit": ("8004", ((Role.UNIT, "KT"),)),
    "citizen": ("8005", ()),
}
ROLE_OF = {"admin": Role.ADMIN, "clerk": Role.CLERK, "leader": Role.LEADER, "unit": Role.UNIT}
A, C, L, U = "admin", "clerk", "leader", "unit"
EVERYONE = {A, C, L, U}
# Who may use each staff command, written out here so that a wrong entry in the command table fails.
WHO_MAY: dict[str, set[str]] = {
    "trogiup": EVERYONE,
    "huy": EVERYONE,
    "hangdoi": {C, L},
    "hoso": {C, L, U},
    "thuly": {C, L},
    "phancong": {C, L},
    "chuyen": {C, L},
    "tuchoi": {C, L},
    "bosung": {C, L},
    "trung": {C, L},
    "doiloai": {C, L},
    "ghichu": {C, L, U},
    "timkiem": {C, L},
    "nhaphoso": {C, L},
    "duyet": {C, L},
    "tralai": {C, L},
    "tinhhan": {C, L, U},
    "giahan": {C, L},
    "phuctap": {C, L},
    "khan": {C, L},
    "nhiemvu": EVERYONE,
    "lichtiepdan": EVERYONE,
    "doithoai": EVERYONE,
    "doithoai_xuat": {C, L},
    "thongbao": {C, L},
    "viec": {U},
    "tiendo": {U},
    "ketqua": {U},
    "moi": {A},
    "nhansu": {A},
    "ketnoi": {A},
    "lichnghi": {A},
}
SUB_ACTIONS: dict[tuple[str, str], set[str]] = {
    ("nhiemvu", "see_all"): {A, C, L},  # the whole commune's tasks; a unit officer sees their unit's
    ("nhiemvu", "close"): {A, C},  # besides the lead unit's officers; a leader only reads
    ("lichtiepdan", "change"): {A, C, L},
    ("doithoai", "change"): {C, L},
}
PRIVATE_ONLY = {"nhaphoso", "moi", "nhansu", "thongbao"}  # a citizen's identity or a secret: never in a group
SHARED = {"trogiup", "huy", "lichtiepdan", "doithoai"}  # a citizen typing these gets the citizen version
SPEC = {spec.name: spec for spec in TABLE if spec.for_staff}


def test_the_command_table_gives_each_staff_command_to_the_roles_written_here() -> None:
    assert {name: {role.value for role in spec.roles} for name, spec in SPEC.items()} == WHO_MAY


def test_the_command_table_gives_each_sub_action_to_the_roles_written_here() -> None:
    declared = {
        (name, action): {role.value for role in roles}
        for name, spec in SPEC.items()
        for action, roles in spec.sub_actions.items()
    }
    assert declared == SUB_ACTIONS


def test_the_command_table_keeps_identity_and_secrets_out_of_groups_and_shares_only_what_citizens_have() -> (
    None
):
    assert {name for name, spec in SPEC.items() if spec.private_only} == PRIVATE_ONLY
    assert {name for name, spec in SPEC.items() if spec.shared} == SHARED


def refused_cases() -> list[tuple[str, str]]:
    return [
        (person, name)
        for person in PEOPLE
        for name, allowed in WHO_MAY.items()
        if name not in SHARED and person not in allowed  # "citizen" is in no set
    ]


def refused_buttons() -> list[tuple[str, str]]:
    actions = {action: spec[0].name for action, spec in CASE_BUTTONS.items()}
    actions.update(dict.fromkeys(STAFF_BUTTONS, "nhansu"))
    actions["ent"] = "nhaphoso"
    return [
        (person, action)
        for person in PEOPLE
        for action, name in actions.items()
        if person not in WHO_MAY[name]
    ]


@pytest.fixture
async def people(world: World) -> dict[str, Member]:
    made = {}
    for key, (account, roles) in PEOPLE.items():
        made[key] = (
            await world.staff(account, f"Người {key.capitalize()} Thử", *roles)
            if roles
            else world.person(account)
        )
    clerk = await world.staff("8100", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    return made


@pytest.fixture
async def code(world: World, people: dict[str, Member]) -> str:
    return await world.citizen("5001").file_petition(content=ROAD)


def case_id(world: World, code: str) -> int:
    assert isinstance(world.uow_factory, Inspectable)
    return next(c.id for c in world.uow_factory.store.all(Case) if c.code == code)


@pytest.mark.parametrize(("person", "name"), refused_cases())
async def test_a_command_is_refused_alike_for_a_real_case_and_a_missing_one(
    world: World, people: dict[str, Member], code: str, person: str, name: str
) -> None:
    member = people[person]
    assert await member.say(f"/{name} {code} lý do thử") == REFUSED
    assert await member.say(f"/{name} {NO_SUCH_CODE} lý do thử") == REFUSED
    assert await member.say(f"/{name}") == REFUSED


@pytest.mark.parametrize(("person", "name"), [c for c in refused_cases() if c[0] != "citizen"])
async def test_a_command_is_refused_in_the_office_group_too(
    world: World, people: dict[str, Member], code: str, person: str, name: str
) -> None:
    assert await people[person].say(f"/{name} {code} x", group=OFFICE_GROUP) == REFUSED


@pytest.mark.parametrize(("person", "action"), refused_buttons())
async def test_a_button_is_refused_alike_for_a_real_case_and_a_missing_one(
    world: World, people: dict[str, Member], code: str, person: str, action: str
) -> None:
    member = people[person]
    real = case_id(world, code)
    assert await member.press_token(f"s:{action}:{real}:1", group=OFFICE_GROUP) in (REFUSED, "")
    assert await member.press_token(f"s:{action}:{real}:1") == REFUSED
    assert await member.press_token(f"s:{action}:{NO_SUCH_ID}:1") == REFUSED


async def test_a_citizen_pressing_a_card_button_in_a_group_gets_nothing_done(
    world: World, people: dict[str, Member], code: str
) -> None:
    assert await people["citizen"].press("Thụ lý", group=OFFICE_GROUP) == REFUSED
    assert "Thụ lý" in [c.label for c in world.card(OFFICE_GROUP, code).choices]


async def test_a_unit_officer_cannot_tell_another_units_case_from_a_missing_one(
    world: World, people: dict[str, Member], code: str
) -> None:
    other = await world.staff("8200", "Hà Thị Xã", (Role.UNIT, "VHXH"))
    clerk = people["clerk"]
    await clerk.say(f"/phancong {code} KT")
    seen = await other.say(f"/hoso {code}")
    missing = await other.say(f"/hoso {NO_SUCH_CODE}")
    assert seen.replace(code, "X") == missing.replace(NO_SUCH_CODE, "X") == "Không tìm thấy hồ sơ X."
    assert await other.press_token(f"s:view:{case_id(world, code)}") == await other.press_token(
        f"s:view:{NO_SUCH_ID}"
    )
    assert (await people["unit"].say(f"/hoso {code}")).startswith(f"Hồ sơ {code} · Phản ánh")


async def test_a_removed_member_is_refused_from_their_next_action(
    world: World, people: dict[str, Member], code: str
) -> None:
    clerk = people["clerk"]
    assert (await clerk.say("/hangdoi")).startswith("Hồ sơ đang mở: 1")
    admin = people["admin"]
    await admin.say("/nhansu")
    await admin.press("Xóa Người Clerk Thử")
    assert await admin.press("Xóa") == "Đã xóa Người Clerk Thử khỏi danh sách cán bộ."
    assert await clerk.say("/hangdoi") == REFUSED


async def test_an_admin_cannot_remove_themselves(world: World, people: dict[str, Member]) -> None:
    assert isinstance(world.uow_factory, Inspectable)
    me = next(m for m in world.uow_factory.store.all(StaffMember) if m.account_id == people["admin"].account)
    assert await people["admin"].press_token(f"s:rmok:{me.id}") == (
        "Không thể tự xóa mình; đề nghị một quản trị viên khác thực hiện."
    )
    assert me.active


async def test_in_an_unlinked_group_staff_are_told_how_to_link_it_and_strangers_get_no_answer(
    world: World, people: dict[str, Member]
) -> None:
    assert await people["clerk"].say("/hangdoi", group="-100999") == (
        "Nhóm này chưa được kết nối với UBND xã. Quản trị viên gõ /ketnoi trong nhóm để kết nối."
    )
    assert await people["citizen"].say("/hangdoi", group="-100999") == ""


async def test_invitations_work_once_and_expire(world: World, people: dict[str, Member]) -> None:
    admin = people["admin"]
    made = await admin.say("/moi unit KT")
    assert made.startswith("Mã mời cán bộ KT (dùng một lần, hết hạn sau 72 giờ).")
    link = made.splitlines()[-1]
    assert re.fullmatch(r"/thamgia [A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", link)
    newcomer = world.person("8300")
    assert (
        await newcomer.say(link)
        == "Chào mừng đến với Nghe Dân. Xin cho biết họ và tên để đồng nghiệp nhận ra."
    )
    assert (
        await newcomer.say("Đỗ Văn Mới")
        == "Đã thêm Đỗ Văn Mới với vai trò cán bộ KT. Gõ /trogiup để xem các lệnh."
    )
    assert (await newcomer.say("/viec")).startswith("Phòng Kinh tế hiện không có hồ sơ")
    stranger = world.person("8301")
    invalid = (
        "Mã mời không hợp lệ, đã được dùng hoặc đã hết hạn. Đề nghị quản trị viên tạo mã mời mới (/moi)."
    )
    assert await stranger.say(link) == invalid
    late = (await admin.say("/moi clerk")).splitlines()[-1]
    world.clock.advance(timedelta(hours=72, seconds=1))
    assert await stranger.say(late) == invalid
    assert await stranger.say("/hangdoi") == REFUSED


async def test_an_invitation_code_is_typed_in_any_case_with_or_without_dashes(
    world: World, people: dict[str, Member]
) -> None:
    code = (await people["admin"].say("/moi clerk")).splitlines()[-1].removeprefix("/thamgia ")
    typed = code.replace("-", " ").lower()
    newcomer = world.person("8302")
    assert await newcomer.say(f"thamgia {typed}") == (
        "Chào mừng đến với Nghe Dân. Xin cho biết họ và tên để đồng nghiệp nhận ra."
    )
    assert await world.person("8303").say("/thamgia") == (
        "Mã mời không hợp lệ, đã được dùng hoặc đã hết hạn. Đề nghị quản trị viên tạo mã mời mới (/moi)."
    )


async def test_the_word_thamgia_in_a_sentence_is_not_taken_for_an_invitation(world: World) -> None:
    reply = await world.person("8304").say("thamgia hoi nghi doi thoai thang sau")
    assert "Mã mời" not in reply


async def test_an_invitation_link_is_never_made_in_a_group(world: World, people: dict[str, Member]) -> None:
    reply = await people["admin"].say("/moi clerk", group=OFFICE_GROUP)
    assert reply.startswith("Thao tác này chỉ làm trong tin nhắn riêng")
    assert isinstance(world.uow_factory, Inspectable)
    assert world.uow_factory.store.all(StaffInvite) == []


async def test_staff_help_lists_the_commands_and_how_to_file_as_a_citizen(
    world: World, people: dict[str, Member]
) -> None:
    reply = await people["clerk"].say("/trogiup")
    assert reply.startswith("Lệnh dành cho cán bộ")
    assert reply.endswith("Để gửi ý kiến như một người dân, gõ /guidon.")
    citizen_help = await people["citizen"].say("/trogiup")
    assert "Ông/Bà có thể dùng các lệnh sau" in citizen_help


def listed(help_text: str) -> set[str]:
    """The commands a /trogiup answer lists, one a line."""
    return {line.split()[0].lstrip("/") for line in help_text.splitlines() if line.startswith("/")}


@pytest.mark.parametrize("person", ["admin", "clerk", "leader", "unit"])
async def test_staff_help_lists_exactly_the_commands_of_ones_role(
    world: World, people: dict[str, Member], person: str
) -> None:
    mine = {name for name, allowed in WHO_MAY.items() if person in allowed} - {"trogiup"}
    assert listed(await people[person].say("/trogiup")) == mine


async def test_staff_help_in_a_group_leaves_out_what_may_only_be_done_privately(
    world: World, people: dict[str, Member]
) -> None:
    in_group = listed(await people["clerk"].say("/trogiup", group=OFFICE_GROUP))
    assert (
        in_group == {name for name, allowed in WHO_MAY.items() if C in allowed} - {"trogiup"} - PRIVATE_ONLY
    )


async def test_staff_help_explains_one_command_in_detail_with_or_without_accents(
    world: World, people: dict[str, Member]
) -> None:
    queue = await people["clerk"].say("/trogiup hangdoi")
    assert queue.startswith("/hangdoi [bộ lọc …]")
    assert "quahan" in queue
    assert await people["clerk"].say("/trogiup /HÀNGĐỢI") == queue
    assert await people["clerk"].say("/help queue") == queue
    assert (await people["unit"].say("/trogiup ketqua")).startswith("/ketqua MÃ_HỒ_SƠ")


async def test_staff_help_for_an_unknown_or_forbidden_command_says_so(
    world: World, people: dict[str, Member]
) -> None:
    assert await people["clerk"].say("/trogiup xyz") == (
        "Không có lệnh «xyz». Gõ /trogiup để xem danh sách lệnh."
    )
    assert (await people["unit"].say("/trogiup moi")).startswith(
        "Lệnh /moi không thuộc quyền của vai trò hiện tại"
    )


async def test_every_staff_command_has_its_own_help() -> None:
    assert [name for name, spec in SPEC.items() if spec.about is None] == [HELP.name]


async def test_staff_are_citizens_too_outside_staff_business(world: World, people: dict[str, Member]) -> None:
    reply = await people["clerk"].say("/guidon")
    assert "đồng ý" in reply.lower()


async def test_a_forged_button_with_odd_digits_is_refused_without_an_error(
    world: World, people: dict[str, Member]
) -> None:
    for token in ("s:acc:²", "s:rm:١٢", "s:asg:1:²"):
        reply = await people["clerk"].press_token(token)
        assert "sự cố" not in reply.lower()
