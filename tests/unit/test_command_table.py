"""The command table: names typed any way find their command, a name or key given twice is refused at start,
menus come in their ranks, and a role list is what the declarations say."""

from __future__ import annotations

import pytest

from handlers.dispatch.commands import TABLE
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE, CitizenCommand, CommandSpec, CommandTable, Listing, Menu
from models.staff import Role

Spec = CommandSpec[str]


def small_table() -> CommandTable[str]:
    return CommandTable(
        [
            Spec(key="queue", names=("hangdoi", "queue"), roles=TRIAGE, summary=Msg.OFFICE_SUMMARY_QUEUE,
                 menus={Menu.GROUP: Listing(Msg.COMMANDS_HANGDOI, rank=20)}, run="queue"),
            Spec(key="export", names=("doithoai_xuat",), roles=TRIAGE, private_only=True,
                 summary=Msg.CONFERENCE_SUMMARY_EXPORT, run="export"),
            Spec(key="start", names=("start", "batdau"), citizen=CitizenCommand.START,
                 menus={Menu.PRIVATE: Listing(Msg.COMMANDS_START, rank=10)}),
            Spec(key="work", names=("viec",), roles=frozenset({Role.UNIT}), summary=Msg.OFFICE_SUMMARY_WORK,
                 menus={Menu.GROUP: Listing(Msg.COMMANDS_VIEC, rank=10)}, run="work"),
        ]
    )  # fmt: skip


def test_a_command_is_found_by_any_of_its_names_typed_with_accents_capitals_or_underscores() -> None:
    table = small_table()
    for typed in ("/hangdoi", "/HÀNG_ĐỢI", "/queue@NgheDanBot", "/HàngĐợi"):
        parsed = table.parse(f"{typed} moi KT")
        assert parsed is not None, typed
        assert (parsed.spec.key, parsed.argument) == ("queue", "moi KT")
    assert table.parse("/doithoaixuat PT-26-00001") is not None
    assert table.parse("/khong_co") is None
    assert table.parse("hangdoi") is None  # not a slash command


def test_two_commands_may_not_share_a_name_or_a_key() -> None:
    with pytest.raises(ValueError, match="taken"):
        CommandTable([Spec(key="a", names=("hoso",)), Spec(key="b", names=("ho_so",))])
    with pytest.raises(ValueError, match="keyed"):
        CommandTable([Spec(key="a", names=("x",)), Spec(key="a", names=("y",))])
    with pytest.raises(ValueError, match="not folded"):
        CommandTable([Spec(key="a", names=("HồSơ",))])


def test_a_sub_action_may_not_reach_a_role_the_command_does_not() -> None:
    with pytest.raises(ValueError, match="sub-action"):
        CommandTable([Spec(key="a", names=("a",), roles=TRIAGE, sub_actions={"change": frozenset(Role)})])


def test_menus_come_in_their_ranks_and_only_hold_their_own_scope() -> None:
    table = small_table()
    assert table.menu(Menu.GROUP) == [("viec", Msg.COMMANDS_VIEC), ("hangdoi", Msg.COMMANDS_HANGDOI)]
    assert table.menu(Menu.PRIVATE) == [("start", Msg.COMMANDS_START)]


def test_the_help_of_a_role_lists_its_commands_and_leaves_private_ones_out_of_groups() -> None:
    table = small_table()
    clerk = frozenset({Role.CLERK})
    assert [spec.key for spec in table.for_roles(clerk, in_group=False)] == ["queue", "export"]
    assert [spec.key for spec in table.for_roles(clerk, in_group=True)] == ["queue"]
    assert [spec.key for spec in table.for_roles(frozenset({Role.UNIT}), in_group=True)] == ["work"]


def test_the_applications_menus_are_those_telegram_has_always_shown() -> None:
    assert [name for name, _ in TABLE.menu(Menu.PRIVATE)] == [
        "start", "guidon", "tracuu", "cuatoi", "huy", "trogiup", "ngonngu", "rutdongy", "traloi", "dangky",
        "huydangky", "lichtiepdan", "doithoai",
    ]  # fmt: skip
    assert [name for name, _ in TABLE.menu(Menu.GROUP)] == [
        "hangdoi", "hoso", "phancong", "timkiem", "viec", "duyet", "ketnoi", "trogiup",
    ]  # fmt: skip


def test_every_citizen_command_is_reached_by_a_slash_name() -> None:
    reached = {spec.citizen for spec in TABLE if spec.citizen is not None}
    assert reached == set(CitizenCommand) - {CitizenCommand.UNKNOWN}
