"""Shared fixtures: clock, catalogue, and backends (in-memory fake, SQLite file, PostgreSQL schema)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.communes_file import DEMO_COMMUNE, read_commune_file
from handlers.cases.arrivals import OfficeArrivals
from handlers.cases.classify import Classifier
from handlers.cases.communes import CommuneSpec, import_commune
from handlers.cases.services import Office
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from handlers.kernel.language import LanguageDetector
from handlers.kernel.ports import UnitOfWorkFactory
from models.commune import Commune
from models.staff import Role
from store.database import session_factory
from store.uow import SqlUnitOfWorkFactory
from tests.chat import Chat
from tests.db import (
    InspectableSqlUnitOfWorkFactory,
    migrated_sqlite_template,
    postgres_database,
    sqlite_database,
)
from tests.fakes import FakeUnitOfWorkFactory, ManualClock
from tests.office import OFFICE_GROUP, Member, World

BACKENDS = ("fake", "sqlite")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("NGHEDAN_TEST_BACKEND", "fake"),
        help="where the unit tests keep their data: the in-memory fake (default) or a fresh SQLite file "
        "through the real repositories (also NGHEDAN_TEST_BACKEND)",
    )


@dataclass
class Backend:
    name: str
    uow_factory: UnitOfWorkFactory


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="session")
def demo_spec() -> CommuneSpec:
    return read_commune_file(DEMO_COMMUNE)


@pytest.fixture(scope="session")
def language_detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.default()


@pytest.fixture
def office(classifier: Classifier) -> Office:
    return Office(classifier=classifier)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def intake_config() -> IntakeConfig:
    return IntakeConfig()


@pytest.fixture
def fake_backend() -> Backend:
    return Backend("fake", FakeUnitOfWorkFactory())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test's database is a copy of it."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
async def sqlite_backend(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Backend]:
    async with sqlite_database(tmp_path, template=sqlite_template) as (engine, url):
        factory = InspectableSqlUnitOfWorkFactory(session_factory(engine), url=url)
        try:
            yield Backend("sqlite", factory)
        finally:
            factory.store.close()


@pytest.fixture
async def postgres_backend() -> AsyncIterator[Backend]:
    async with postgres_database() as (engine, _schema):
        yield Backend("postgres", SqlUnitOfWorkFactory(session_factory(engine)))


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Backend:
    """Unit tests run on the in-memory fake, or with ``--backend=sqlite`` on a fresh SQLite file through the
    real repositories; ``tests/integration`` overrides this with both real databases."""
    name = request.config.getoption("--backend")
    return request.getfixturevalue(f"{name}_backend")  # type: ignore[no-any-return]


@pytest.fixture
async def commune(backend: Backend, demo_spec: CommuneSpec, clock: ManualClock) -> Commune:
    async with backend.uow_factory() as uow:
        summary = await import_commune(uow, demo_spec, now=clock.now())
        await uow.commit()
    async with backend.uow_factory() as uow:
        loaded = await uow.communes.get(summary.commune_id)
        await uow.commit()  # ended by a rollback, SQL's session would expire it
    assert loaded is not None
    return loaded


@pytest.fixture
def engine(
    backend: Backend,
    catalogue: Catalogue,
    clock: ManualClock,
    intake_config: IntakeConfig,
    language_detector: LanguageDetector,
    office: Office,
) -> ConversationEngine:
    return ConversationEngine(
        uow_factory=backend.uow_factory,
        clock=clock,
        catalogue=catalogue,
        config=intake_config,
        detector=language_detector,
        office=office,
    )


@pytest.fixture
def new_chat(engine: ConversationEngine, clock: ManualClock, commune: Commune) -> Callable[..., Chat]:
    def make(chat_id: str = "1001", language_code: str | None = None) -> Chat:
        return Chat(engine, clock, chat_id=chat_id, language_code=language_code)

    return make


@pytest.fixture
def chat(new_chat: Callable[..., Chat]) -> Chat:
    return new_chat()


@pytest.fixture
def world(
    engine: ConversationEngine,
    clock: ManualClock,
    backend: Backend,
    commune: Commune,
    catalogue: Catalogue,
    office: Office,
) -> World:
    """Citizens, staff and staff groups talking to one engine (see ``tests.office``)."""
    arrivals = OfficeArrivals(
        uow_factory=backend.uow_factory, clock=clock, catalogue=catalogue, office=office
    )
    return World(engine, clock, backend.uow_factory, commune, arrivals, catalogue, office)


@pytest.fixture
async def clerk(world: World) -> Member:
    """An admin who is also a clerk, with the office group linked."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    return clerk
