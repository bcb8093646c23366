"""The composition root: builds every adapter once and hands them in. Production and tests both call it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.settings import Settings
from handlers.broadcasts.engine import BroadcastConfig, BroadcastRunner
from handlers.cases.arrivals import OfficeArrivals
from handlers.cases.classify import Classifier
from handlers.cases.services import Office
from handlers.delivery.reachability import could_not_tell
from handlers.delivery.worker import DeliveryConfig, OutboxDelivery, Sender
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from handlers.kernel.language import LanguageDetector
from handlers.kernel.ports import Clock
from scheduler.sweep import ReminderSweep
from store.database import create_engine, session_factory
from store.migrate import SchemaState, schema_state, upgrade
from store.repositories import ReferenceCache
from store.uow import SqlUnitOfWorkFactory


class SchemaNotReady(Exception):
    def __init__(self, state: SchemaState) -> None:
        super().__init__(f"database schema at {state.current}, head is {state.head}")
        self.state = state


class DatabaseUnreachable(Exception):
    pass


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory
    catalogue: Catalogue
    clock: Clock
    intake: IntakeConfig
    office: Office
    conversation: ConversationEngine
    delivery: OutboxDelivery
    arrivals: OfficeArrivals
    reminders: ReminderSweep
    broadcasts: BroadcastRunner

    async def aclose(self) -> None:
        await self.engine.dispose()


async def prepare_database(engine: AsyncEngine, *, migrate: bool) -> SchemaState:
    """Check the schema is at head, migrating first when allowed; raise when it is not usable."""
    try:
        state = await schema_state(engine)
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnreachable(str(exc).splitlines()[0]) from exc
    if state.up_to_date:
        return state
    if not migrate:
        raise SchemaNotReady(state)
    await upgrade(engine)
    return await schema_state(engine)


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalogue: Catalogue | None = None,
    senders: dict[str, Sender] | None = None,
    engine_options: dict[str, Any] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    classifier: Classifier | None = None,
) -> App:
    """Build the application. ``clock`` (wall time) and ``monotonic``/``sleep`` (rate limiting) are the only
    sources of time; tests replace them to run without waiting."""
    delivery_config = DeliveryConfig(poll_interval=settings.delivery.poll_seconds)
    # PostgreSQL: room for every concurrent delivery plus the turns, the broadcast runner and the leader's
    # lock, so that bulk sending does not open and close overflow connections for every message.
    pool = {"pool_size": delivery_config.concurrency + 4, "max_overflow": 10}
    engine = create_engine(settings.database, **{**pool, **(engine_options or {})})
    try:
        await prepare_database(engine, migrate=settings.migrates_itself)
    except Exception:
        await engine.dispose()
        raise
    clock = clock or SystemClock()
    catalogue = catalogue or Catalogue.load()
    uow_factory = SqlUnitOfWorkFactory(session_factory(engine), cache=ReferenceCache())
    intake = settings.intake.to_config()
    office = Office(classifier=classifier or Classifier.default(), config=settings.office.to_config())
    delivery = OutboxDelivery(
        uow_factory=uow_factory,
        clock=clock,
        senders=senders or {},
        config=delivery_config,
        monotonic=monotonic,
        sleep=sleep,
        on_waiting=partial(could_not_tell, catalogue=catalogue),
    )
    return App(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        catalogue=catalogue,
        clock=clock,
        intake=intake,
        office=office,
        conversation=ConversationEngine(
            uow_factory=uow_factory,
            clock=clock,
            catalogue=catalogue,
            config=intake,
            detector=LanguageDetector(),
            reply_lease=delivery_config.lease,
            office=office,
        ),
        delivery=delivery,
        arrivals=OfficeArrivals(
            uow_factory=uow_factory,
            clock=clock,
            catalogue=catalogue,
            office=office,
            poll_interval=settings.delivery.poll_seconds,
            on_mail=delivery.notify,
        ),
        reminders=ReminderSweep(
            uow_factory=uow_factory,
            catalogue=catalogue,
            office=office,
            config=replace(settings.reminders.to_config(), reply_windows=settings.reply_windows()),
        ),
        broadcasts=BroadcastRunner(
            uow_factory=uow_factory,
            clock=clock,
            catalogue=catalogue,
            config=BroadcastConfig(
                poll_interval=settings.delivery.poll_seconds, rate=settings.delivery.bulk_per_second
            ),
            on_mail=delivery.notify,
        ),
    )
