"""Likely duplicates and hot spots (điểm nóng), found by comparing a case with recent ones at receipt.

Two petitions are "about the same matter" when their meaningful words overlap enough (Jaccard similarity of
folded syllables and syllable pairs, so "duong" and "đường" are the same and "đất đai" counts as one idea).
The comparison reads each case's folded ``search_text`` and only the latest related cases (same field, or
same citizen), so it costs the same on a busy day as on a quiet one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from itertools import pairwise

from handlers.cases.classify import STOP_WORDS
from handlers.cases.desk import Desk
from handlers.kernel.ports import CaseDigest
from handlers.kernel.text import fold_words
from models.case import Case, HotSpot
from models.enums import CaseStatus

SAME_CITIZEN_SIMILARITY = 0.15  # the same person writing again about a similar thing
SIMILAR_CONTENT = 0.3  # two people, same field and village
NEAR_IDENTICAL = 0.5  # two people, same field, the village not known for both
SAME_MATTER = 0.2  # counted towards a hot spot (same village and field already required)


@lru_cache(maxsize=4096)
def words(folded: str) -> frozenset[str]:
    """The meaningful syllables and syllable pairs of an already folded text (codes and numbers left out);
    remembered, since a case is compared with every new case of its field for a month."""
    syllables = [word for word in folded.split() if len(word) > 1 and not any(ch.isdigit() for ch in word)]
    kept = [word for word in syllables if word not in STOP_WORDS]
    return frozenset(kept + [f"{a}_{b}" for a, b in pairwise(syllables)])


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' meaningful words (texts as typed; folded here)."""
    return jaccard(words(fold_words(a)), words(fold_words(b)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Candidate:
    case_id: int
    code: str
    same_citizen: bool


async def find_duplicates(desk: Desk, case: Case, search_text: str, *, limit: int = 3) -> list[Candidate]:
    """Earlier cases (within the window) the new case may repeat: the same citizen again, or the same field
    (and village, when known) with similar content. Merged cases are left out: their original is what
    counts. ``search_text`` is the case's folded text (set on the case once the office is done with it)."""
    window = desk.office.config.duplicate_window
    related = await desk.uow.cases.received_since(
        case.commune_id, case.received_at - window, field_slug=case.field_slug, citizen_id=case.citizen_id
    )
    mine = words(search_text)
    found: list[tuple[float, int, Candidate]] = []
    for other in related:
        if other.id == case.id or (other.received_at, other.id) > (case.received_at, case.id):
            continue
        if other.status is CaseStatus.DUPLICATE:
            continue
        score = jaccard(mine, words(other.search_text))
        same_citizen = case.citizen_id is not None and other.citizen_id == case.citizen_id
        if same_citizen and (score >= SAME_CITIZEN_SIMILARITY or other.field_slug == case.field_slug):
            found.append((score + 1.0, other.id, Candidate(other.id, other.code, True)))
        elif other.field_slug == case.field_slug and score >= _threshold(case.village_id, other.village_id):
            found.append((score, other.id, Candidate(other.id, other.code, False)))
    found.sort(key=lambda item: (-item[0], -item[1]))
    return [candidate for _, _, candidate in found[:limit]]


async def flagged_duplicates(desk: Desk, case: Case) -> list[tuple[str, bool]]:
    """The likely duplicates found when the case arrived (stored on it): their codes, and whether the same
    citizen sent them."""
    wanted = {case_id: bool(same) for case_id, same in case.likely_duplicates}
    cases = await desk.uow.cases.by_ids(case.commune_id, list(wanted))
    return [(other.code, wanted[other.id]) for other in cases if other.status is not CaseStatus.DUPLICATE]


def _threshold(village: int | None, other_village: int | None) -> float:
    """Similar content in the same village, or nearly the same text when the village is not known."""
    if village is not None and other_village is not None:
        return SIMILAR_CONTENT if village == other_village else 2.0  # never across villages
    return NEAR_IDENTICAL


def _petitioner(case: CaseDigest) -> str:
    """Who raised a case, for counting distinct people (anonymous cases count one each)."""
    return f"citizen:{case.citizen_id}" if case.citizen_id is not None else f"case:{case.id}"


async def detect_hot_spot(desk: Desk, case: Case, search_text: str) -> tuple[HotSpot | None, bool]:
    """The hot spot the new case belongs to — flagged now (True) when, with this case, enough different
    people raised the same matter in the same village within the window, or one flagged earlier in the
    window that it joins (False)."""
    config = desk.office.config
    if case.village_id is None:
        return None, False
    since = case.received_at - config.hot_spot_window
    mine = words(search_text)
    related = [
        other
        for other in await desk.uow.cases.received_since(
            case.commune_id, since, field_slug=case.field_slug, village_id=case.village_id, limit=500
        )
        if other.id == case.id or jaccard(mine, words(other.search_text)) >= SAME_MATTER
    ]
    people = {_petitioner(other) for other in related}
    if len(people) < config.hot_spot_threshold:
        return None, False
    for known in await desk.uow.cases.hot_spots_since(case.commune_id, since):
        if known.village_id == case.village_id and known.field_slug == case.field_slug:
            if case.id not in known.case_ids:
                known.case_ids = [*known.case_ids, case.id]
            return known, False
    spot = HotSpot(
        commune_id=case.commune_id,
        village_id=case.village_id,
        field_slug=case.field_slug,
        case_ids=[other.id for other in related],
        detected_at=desk.now,
    )
    await desk.uow.cases.add_hot_spot(spot)
    return spot, True


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
