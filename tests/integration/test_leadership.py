from __future__ import annotations

from store.leader import Leadership
from tests.db import postgres_database


async def test_only_one_of_two_processes_leads_and_the_other_takes_over_when_it_goes() -> None:
    async with postgres_database(migrate=False) as (engine, schema):
        first, second = Leadership(engine, f"test-{schema}"), Leadership(engine, f"test-{schema}")
        assert await first.refresh()
        assert not await second.refresh()
        assert await first.refresh()  # still the leader
        await first.release()
        assert await second.refresh()
        assert not await first.refresh()
        await second.release()
