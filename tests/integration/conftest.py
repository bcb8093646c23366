from __future__ import annotations

import pytest

from tests.conftest import Backend


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The same test on SQLite and on the PostgreSQL server."""
    return request.getfixturevalue(f"{request.param}_backend")  # type: ignore[no-any-return]
