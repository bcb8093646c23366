"""The repositories' contract, run alike on the in-memory fake, on SQLite and on PostgreSQL: what a unit of
work stores and what it loses, versions and unique keys. A fake that drifts from SQL fails here first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import inspect as reflect
from sqlalchemy.orm.exc import DetachedInstanceError

from handlers.kernel.ports import ConcurrentUpdate, DuplicateKey
from models.base import Base
from models.commune import Commune
from models.staff import Role, StaffMember, StaffRole
from models.unhandled import UnhandledMessage
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import ManualClock, table_of


@pytest.fixture(params=["fake", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The same behaviour on the fake and on both databases."""
    return request.getfixturevalue(f"{request.param}_backend")  # type: ignore[no-any-return]


def unhandled(clock: ManualClock, event_key: str, text: str = "xin chào") -> UnhandledMessage:
    return UnhandledMessage(
        channel="console", chat_id="42", sender_id="42", event_key=event_key, text=text, at=clock.now()
    )


async def staff_member(backend: Backend, commune: Commune, clock: ManualClock) -> StaffMember:
    async with backend.uow_factory() as uow:
        member = StaffMember(
            commune_id=commune.id,
            channel="console",
            account_id="9001",
            chat_id="9001",
            name="Trần Thị Văn",
            created_at=clock.now(),
        )
        await uow.staff.add(member)
        await uow.commit()
    return member


# -- unique keys ----------------------------------------------------------------------------------------


async def test_a_duplicate_unique_key_ends_the_unit_of_work_with_duplicate_key_and_stores_nothing(
    backend: Backend, commune: Commune, clock: ManualClock
) -> None:
    async with backend.uow_factory() as uow:
        await uow.unhandled.add(unhandled(clock, "e-1", "first"))
        await uow.commit()

    async def add_it_again() -> None:
        async with backend.uow_factory() as uow:
            await uow.unhandled.add(unhandled(clock, "e-1", "second"))
            await uow.commit()

    with pytest.raises(DuplicateKey) as raised:
        await add_it_again()
    assert isinstance(raised.value, ConcurrentUpdate)  # callers that retry on a race retry this too
    async with backend.uow_factory() as uow:
        await uow.unhandled.add(unhandled(clock, "e-2"))  # the store is usable afterwards
        await uow.commit()


async def test_nulls_never_collide_in_a_unique_key(
    backend: Backend, commune: Commune, clock: ManualClock
) -> None:
    member = await staff_member(backend, commune, clock)
    async with backend.uow_factory() as uow:  # (staff, role, unit) is unique; a NULL unit is never equal
        await uow.staff.add_role(StaffRole(staff_id=member.id, commune_id=commune.id, role=Role.CLERK))
        await uow.staff.add_role(StaffRole(staff_id=member.id, commune_id=commune.id, role=Role.CLERK))
        await uow.commit()
    async with backend.uow_factory() as uow:
        assert len(await uow.staff.roles([member.id])) == 2


async def test_the_fake_knows_every_unique_key_the_migrations_create(sqlite_template: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{sqlite_template}")
    try:
        with engine.connect() as connection:
            schema = reflect(connection)
            for mapper in Base.registry.mappers:
                table = mapper.local_table
                created = {tuple(u["column_names"]) for u in schema.get_unique_constraints(table.name)}
                created |= {tuple(i["column_names"]) for i in schema.get_indexes(table.name) if i["unique"]}
                created.add(tuple(schema.get_pk_constraint(table.name)["constrained_columns"]))
                names = {prop.key: column.name for prop in mapper.column_attrs for column in prop.columns}
                known = {tuple(names[key] for key in keys) for keys in table_of(mapper.class_).unique_keys}
                assert {tuple(sorted(k)) for k in known} == {tuple(sorted(c)) for c in created}, table.name
    finally:
        engine.dispose()


# -- what is stored, what is lost -----------------------------------------------------------------------


async def test_a_change_to_a_loaded_row_is_stored_at_commit_without_a_repository_call(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    code = await new_chat().file_petition()
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        case.petitioner_name = "Lê Thị Bình"  # no save(): the session writes what changed on its rows
        await uow.commit()
    async with backend.uow_factory() as uow:
        reloaded = await uow.cases.by_code(commune.id, code)
        assert reloaded is not None
        assert reloaded.petitioner_name == "Lê Thị Bình"


async def test_a_change_without_commit_or_after_the_unit_of_work_is_lost(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    code = await new_chat().file_petition()
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        case.petitioner_name = "not committed"
    case.petitioner_name = "after the unit of work"  # detached: nothing takes it in
    async with backend.uow_factory() as uow:
        await uow.commit()
        reloaded = await uow.cases.by_code(commune.id, code)
        assert reloaded is not None
        assert reloaded.petitioner_name == "Nguyễn Văn An"


async def test_what_a_unit_of_work_handed_out_cannot_be_read_once_it_ended_without_commit(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    """As a session's rollback expires what it loaded. (On the fake this is the one private SQLAlchemy call,
    ``tests.fakes._expire``: this test fails loudly if SQLAlchemy changes it.)"""
    code = await new_chat().file_petition()
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
    with pytest.raises(DetachedInstanceError):
        _ = case.petitioner_name


async def test_an_unsaved_change_to_a_conversation_is_lost_and_a_saved_one_kept(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    await chat.send("/start")
    async with backend.uow_factory() as uow:
        conversation = await uow.conversations.get("console", chat.chat_id)
        assert conversation is not None
        step, asked = conversation.step, conversation.ask_seq
        conversation.ask_seq += 100  # conversations are read detached: only save() stores them
        await uow.commit()
    async with backend.uow_factory() as uow:
        conversation = await uow.conversations.get("console", chat.chat_id)
        assert conversation is not None
        assert (conversation.step, conversation.ask_seq) == (step, asked)
        conversation.ask_seq += 1
        await uow.conversations.save(conversation)
        await uow.commit()
    async with backend.uow_factory() as uow:
        conversation = await uow.conversations.get("console", chat.chat_id)
        assert conversation is not None
        assert conversation.ask_seq == asked + 1


async def test_an_in_place_change_of_a_json_value_is_lost_and_an_assigned_one_kept(
    backend: Backend, commune: Commune
) -> None:
    async with backend.uow_factory() as uow:
        loaded = await uow.communes.get(commune.id)
        assert loaded is not None
        before = dict(loaded.settings)
        loaded.settings["in_place"] = True  # JSON columns do not see changes inside the value
        await uow.commit()
    async with backend.uow_factory() as uow:
        loaded = await uow.communes.get(commune.id)
        assert loaded is not None
        assert loaded.settings == before
        loaded.settings = {**loaded.settings, "assigned": True}
        await uow.commit()
    async with backend.uow_factory() as uow:
        loaded = await uow.communes.get(commune.id)
        assert loaded is not None
        assert loaded.settings == {**before, "assigned": True}


async def test_a_unit_of_work_hands_out_one_object_per_row_and_another_gets_its_own_copy(
    backend: Backend, commune: Commune, clock: ManualClock
) -> None:
    added = unhandled(clock, "e-1")
    async with backend.uow_factory() as uow:
        await uow.unhandled.add(added)
        first = await uow.communes.get(commune.id)
        assert first is not None
        assert first is await uow.communes.get(commune.id)
        await uow.commit()
    async with backend.uow_factory() as uow:
        second = await uow.communes.get(commune.id)
        assert second is not None
        assert second is not first
        first.name = "changed on a detached copy"
        assert second.name == commune.name


async def test_a_row_added_then_changed_in_the_unit_of_work_is_stored_as_changed(
    backend: Backend, commune: Commune, clock: ManualClock
) -> None:
    member = await staff_member(backend, commune, clock)
    async with backend.uow_factory() as uow:
        role = StaffRole(staff_id=member.id, commune_id=commune.id, role=Role.CLERK)
        await uow.staff.add_role(role)
        role.role = Role.ADMIN  # the added object is the session's: changed before commit, stored so
        await uow.commit()
    async with backend.uow_factory() as uow:
        assert [r.role for r in await uow.staff.roles([member.id])] == [Role.ADMIN]


# -- versions -------------------------------------------------------------------------------------------


async def test_every_write_of_a_versioned_row_bumps_its_version(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    code = await new_chat().file_petition()
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        version = case.version
        case.petitioner_name = "Lê Thị Bình"
        await uow.commit()
        assert case.version == version + 1
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        assert case.version == version + 1
        await uow.commit()  # nothing changed: nothing written
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        assert case.version == version + 1


async def test_a_stale_conversation_is_refused_with_concurrent_update(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    await chat.send("/start")
    async with backend.uow_factory() as uow:
        stale = await uow.conversations.get("console", chat.chat_id)
    async with backend.uow_factory() as uow:
        fresh = await uow.conversations.get("console", chat.chat_id)
        assert fresh is not None
        await uow.conversations.save(fresh)
        await uow.commit()
    assert stale is not None

    async def save_the_stale_one() -> None:
        async with backend.uow_factory() as uow:
            await uow.conversations.save(stale)
            await uow.commit()

    with pytest.raises(ConcurrentUpdate):
        await save_the_stale_one()


async def test_a_row_changed_by_another_unit_of_work_meanwhile_is_refused_with_concurrent_update(
    backend: Backend, commune: Commune, new_chat: Callable[..., Chat]
) -> None:
    if backend.name == "sqlite":
        pytest.skip("SQLite's writers never overlap (BEGIN IMMEDIATE): a second one waits for the first")
    code = await new_chat().file_petition()

    async def change_it_late() -> None:
        async with backend.uow_factory() as late:
            case = await late.cases.by_code(commune.id, code)
            assert case is not None
            async with backend.uow_factory() as early:  # meanwhile, another worker changes it first
                same = await early.cases.by_code(commune.id, code)
                assert same is not None
                same.petitioner_name = "first"
                await early.commit()
            case.petitioner_name = "second"
            await late.commit()

    with pytest.raises(ConcurrentUpdate):
        await change_it_late()
    async with backend.uow_factory() as uow:
        case = await uow.cases.by_code(commune.id, code)
        assert case is not None
        assert case.petitioner_name == "first"


async def test_a_rolled_back_unit_of_work_leaves_no_trace(
    backend: Backend, commune: Commune, clock: ManualClock
) -> None:
    async with backend.uow_factory() as uow:
        await uow.unhandled.add(unhandled(clock, "e-1"))
        number = await uow.cases.next_sequence(commune.id, 2026)
        await uow.rollback()
    clock.advance(timedelta(seconds=1))
    async with backend.uow_factory() as uow:
        await uow.unhandled.add(unhandled(clock, "e-1"))  # no duplicate: the first never was
        assert await uow.cases.next_sequence(commune.id, 2026) == number  # and no gap
        await uow.commit()
