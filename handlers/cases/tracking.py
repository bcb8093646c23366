"""Citizens looking up their own cases. Someone else's code answers exactly like an unknown code."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.kernel.ports import UnitOfWork
from models.case import Case, CaseEvent
from models.errors import InvalidValue
from models.values import ReceiptCode


async def find_own_case(uow: UnitOfWork, commune_id: int, citizen_id: int | None, text: str) -> Case | None:
    """The citizen's case with the code found in ``text``, or None (unknown code, or not theirs)."""
    if citizen_id is None:
        return None
    code = ReceiptCode.find(text)
    if code is None:
        raise InvalidValue("no receipt code in text")
    case = await uow.cases.by_code(commune_id, str(code))
    if case is None or case.citizen_id != citizen_id:
        return None
    return case


async def own_cases(
    uow: UnitOfWork, commune_id: int, citizen_id: int | None, limit: int = 20
) -> Sequence[Case]:
    if citizen_id is None:
        return []
    return await uow.cases.for_citizen(commune_id, citizen_id, limit=limit)


async def public_timeline(uow: UnitOfWork, case: Case) -> list[CaseEvent]:
    """Timeline entries a citizen may see: no internal notes, no staff identities."""
    return [event for event in await uow.cases.events(case.commune_id, case.id) if event.public]
