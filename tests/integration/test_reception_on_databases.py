"""Citizen-reception sessions on SQLite and on the PostgreSQL server: a petition entered as raised at a session
is stored with it and listed under that day's session, and not under another day's."""

from __future__ import annotations

from tests.office import Member
from tests.unit.test_reception import RAISED


async def enter_typed(clerk: Member, day: str) -> None:
    """/nhaphoso answered by typing, as a clerk may (buttons are read from the in-memory inbox only)."""
    for answer in ("/nhaphoso", "buổi tiếp công dân", day, "07:30–11:00", "Kiến nghị", "Giao thông", RAISED):
        await clerk.say(answer)
    await clerk.say("dong bau")
    await clerk.say("Không (ẩn danh)")
    assert (await clerk.say("Lưu hồ sơ")).startswith("Đã lưu hồ sơ PT-26-")


async def test_a_case_entered_at_a_session_is_listed_under_that_day_only(clerk: Member) -> None:
    await enter_typed(clerk, "07/05/2026")
    await enter_typed(clerk, "30/04/2026")
    first = await clerk.say("/lichtiepdan 07/05/2026")
    assert "Hồ sơ nhận tại buổi này (1):\n• PT-26-00001 ·" in first
    assert "PT-26-00002" not in first
    assert "Hồ sơ nhận tại buổi này (1):\n• PT-26-00002 ·" in await clerk.say("/lichtiepdan 30/04/2026")
