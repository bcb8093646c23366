"""Fixtures shared by the office's unit tests."""

from __future__ import annotations

import pytest

from models.staff import Role
from tests.office import OFFICE_GROUP, Member, World


@pytest.fixture
async def clerk(world: World) -> Member:
    """An admin who is also a clerk, with the office group linked."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    return clerk
