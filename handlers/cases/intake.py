"""What happens in the office when a case arrives (from a chat or entered by a clerk): it becomes searchable,
gets a suggested unit and possibly a suggested kind, is checked against recent cases for a hot spot, and its
card goes to the office group."""

from __future__ import annotations

from handlers.cases.cards import Arrival, leader_chats, office_chats, post_triage_card, refresh_cards
from handlers.cases.classify.routing import suggest_unit
from handlers.cases.desk import Desk
from handlers.cases.notices import notify_chats
from handlers.cases.similar import detect_hot_spot, find_duplicates, window_days
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.text import fold_words
from models.case import Case

KIND_SUGGESTION_CONFIDENCE = 0.6
UNSURE_FIELD = "khac"


async def searchable_text(desk: Desk, case: Case) -> str:
    village = await desk.village_name(case.village_id) or ""
    return fold_words(
        " ".join(part for part in (case.code, case.content, case.location_text or "", village) if part)
    )


async def case_received(desk: Desk, case: Case, *, attachments: int = 0) -> None:
    """The office's part of a new case. Its findings are set on the case together, after the searches, so
    that the case is written once (a change made before a query is flushed by it, then written again)."""
    search_text = await searchable_text(desk, case)
    prediction = desk.office.classifier.predict(case.content)
    field = prediction.field if case.field_slug == UNSURE_FIELD else case.field_slug
    rules = await desk.uow.communes.routing_rules(case.commune_id)
    found = await find_duplicates(desk, case, search_text)
    spot, new_spot = await detect_hot_spot(desk, case, search_text)
    case.search_text = search_text
    if prediction.kind is not case.kind and prediction.kind_confidence >= KIND_SUGGESTION_CONFIDENCE:
        case.suggested_kind = prediction.kind
    case.suggested_unit_id = suggest_unit(rules, field, case.content)
    case.likely_duplicates = [[candidate.case_id, int(candidate.same_citizen)] for candidate in found]
    case.office_pending = False  # taken in
    arrival = Arrival(attachments, tuple((c.code, c.same_citizen) for c in found), spot)
    await post_triage_card(desk, case, arrival)
    if spot is None or not new_spot:
        return
    others = [
        other for other in await desk.uow.cases.by_ids(case.commune_id, spot.case_ids) if other.id != case.id
    ]
    await refresh_cards(desk, others)
    text = desk.t(
        Msg.OFFICE_HOT_SPOT_ALERT,
        count=len(spot.case_ids),
        village=await desk.village_name(spot.village_id) or "",
        field=await desk.field_label(spot.field_slug),
        days=window_days(desk.office.config.hot_spot_window),
        codes=", ".join([*(other.code for other in others), case.code]),
    )
    chats = [*await office_chats(desk), *await leader_chats(desk)]
    await notify_chats(desk, chats, text, label=f"hotspot:{spot.id}", case=case)
