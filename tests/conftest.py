"""Shared fixtures: clock, catalogue, and backends (in-memory fake, SQLite file, PostgreSQL schema)."""

from __future__ import annotations

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
from tests.db import postgres_database, sqlite_database
from tests.fakes import FakeUnitOfWorkFactory, ManualClock
from tests.office import OFFICE_GROUP, Member, World


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


@pytest.fixture
async def sqlite_backend(tmp_path: Path) -> AsyncIterator[Backend]:
    async with sqlite_database(tmp_path) as (engine, _url):
        yield Backend("sqlite", SqlUnitOfWorkFactory(session_factory(engine)))


@pytest.fixture
async def postgres_backend() -> AsyncIterator[Backend]:
    async with postgres_database() as (engine, _schema):
        yield Backend("postgres", SqlUnitOfWorkFactory(session_factory(engine)))


@pytest.fixture
def backend(fake_backend: Backend) -> Backend:
    """Unit tests run on the in-memory fake; ``tests/integration`` overrides this with real databases."""
    return fake_backend


@pytest.fixture
async def commune(backend: Backend, demo_spec: CommuneSpec, clock: ManualClock) -> Commune:
    async with backend.uow_factory() as uow:
        summary = await import_commune(uow, demo_spec, now=clock.now())
        await uow.commit()
    async with backend.uow_factory() as uow:
        loaded = await uow.communes.get(summary.commune_id)
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
