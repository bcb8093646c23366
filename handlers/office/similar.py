"""Likely duplicates and hot spots (điểm nóng), found by comparing a case with recent ones.

Two petitions are "about the same matter" when their meaningful words overlap enough (Jaccard similarity of
folded syllables and syllable pairs, so "duong" and "đường" are the same and "đất đai" counts as one idea).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from handlers.classify import features
from handlers.office.desk import Desk
from models.case import Case, HotSpot
from models.enums import CaseStatus

SAME_CITIZEN_SIMILARITY = 0.15  # the same person writing again about a similar thing
SIMILAR_CONTENT = 0.3  # two people, same field and village
NEAR_IDENTICAL = 0.5  # two people, same field, the village not known for both
SAME_MATTER = 0.2  # counted towards a hot spot (same village and field already required)


def similarity(a: str, b: str) -> float:
    words_a, words_b = set(features(a)), set(features(b))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


@dataclass(frozen=True)
class Candidate:
    case: Case
    same_citizen: bool


async def possible_duplicates(desk: Desk, case: Case, *, limit: int = 3) -> list[Candidate]:
    """Earlier cases (within the window) the case may repeat: the same citizen again, or the same field and
    village with similar content. Merged cases are left out: their original is what counts."""
    window = desk.office.config.duplicate_window
    earlier = [
        other
        for other in await desk.uow.cases.received_since(case.commune_id, case.received_at - window)
        if other.id != case.id
        and (other.received_at, other.id) < (case.received_at, case.id)
        and other.status is not CaseStatus.TRUNG
    ]
    found: list[tuple[float, Candidate]] = []
    for other in earlier:
        score = similarity(case.content, other.content)
        same_citizen = case.citizen_id is not None and other.citizen_id == case.citizen_id
        if same_citizen and (score >= SAME_CITIZEN_SIMILARITY or other.field_slug == case.field_slug):
            found.append((score + 1.0, Candidate(other, True)))
        elif other.field_slug == case.field_slug and score >= _threshold(case, other):
            found.append((score, Candidate(other, False)))
    found.sort(key=lambda item: (-item[0], -item[1].case.id))
    return [candidate for _, candidate in found[:limit]]


def _threshold(case: Case, other: Case) -> float:
    """Similar content in the same village, or nearly the same text when the village is not known."""
    if case.village_id is not None and other.village_id is not None:
        return SIMILAR_CONTENT if case.village_id == other.village_id else 2.0  # never across villages
    return NEAR_IDENTICAL


def _petitioner(case: Case) -> str:
    """Who raised a case, for counting distinct people (anonymous cases count one each)."""
    return f"citizen:{case.citizen_id}" if case.citizen_id is not None else f"case:{case.id}"


async def detect_hot_spot(desk: Desk, case: Case) -> HotSpot | None:
    """A new hot spot when, with this case, enough different people raised the same matter in the same
    village within the window; None otherwise, or when that hot spot was already flagged in the window."""
    config = desk.office.config
    if case.village_id is None:
        return None
    since = case.received_at - config.hot_spot_window
    related = [
        other
        for other in await desk.uow.cases.received_since(case.commune_id, since)
        if other.village_id == case.village_id
        and other.field_slug == case.field_slug
        and (other.id == case.id or similarity(case.content, other.content) >= SAME_MATTER)
    ]
    people = {_petitioner(other) for other in related}
    if len(people) < config.hot_spot_threshold:
        return None
    for known in await desk.uow.cases.hot_spots_since(case.commune_id, since):
        if known.village_id == case.village_id and known.field_slug == case.field_slug:
            if case.id not in known.case_ids:
                known.case_ids = [*known.case_ids, case.id]
            return None
    spot = HotSpot(
        commune_id=case.commune_id,
        village_id=case.village_id,
        field_slug=case.field_slug,
        case_ids=[other.id for other in related],
        detected_at=desk.now,
    )
    await desk.uow.cases.add_hot_spot(spot)
    return spot


async def hot_spot_of(desk: Desk, case: Case) -> HotSpot | None:
    """The hot spot a case belongs to, if it was flagged within the window of its receipt."""
    since = case.received_at - desk.office.config.hot_spot_window
    for spot in await desk.uow.cases.hot_spots_since(case.commune_id, since):
        if case.id in spot.case_ids:
            return spot
    return None


def window_days(window: timedelta) -> int:
    return max(1, round(window.total_seconds() / 86400))


def codes(cases: Sequence[Case]) -> str:
    return ", ".join(case.code for case in cases)
