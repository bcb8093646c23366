"""Whatever a citizen sends, in whatever order, the engine answers and never fails."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.communes_file import DEMO_COMMUNE, read_commune_file
from handlers.cases.communes import import_commune
from handlers.cases.draft import Draft
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from handlers.kernel.events import Payload, Pick, SharedContact, SharedFile, SharedLocation, Text, Unsupported
from models.enums import AttachmentKind
from models.values import AttachmentInfo
from tests.chat import Chat
from tests.fakes import FakeUnitOfWorkFactory, ManualClock

CATALOGUE = Catalogue.load()
SPEC = read_commune_file(DEMO_COMMUNE)

words = st.sampled_from(
    [
        "1",
        "2",
        "13",
        "dong y",
        "Không",
        "bo qua",
        "gửi",
        "sửa",
        "/huy",
        "/trogiup",
        "/tracuu",
        "/tracuu PT-26-00001",
        "/start",
        "/guidon",
        "/cuatoi",
        "/rutdongy",
        "xong",
        "tra cuu pt-26-1",
        "Nguyễn Văn An",
        "0912345678",
        "",
        " ",
    ]
)
payloads: st.SearchStrategy[Payload] = st.one_of(
    words.map(Text),
    st.text(max_size=5000).map(Text),
    st.builds(
        Pick, st.sampled_from(["agree", "k:to_cao", "f:khac", "skip", "send", "x" * 64]), st.integers(0, 40)
    ),
    st.builds(SharedContact, st.text(max_size=20)),
    st.builds(SharedLocation, st.floats(-90, 90), st.floats(-180, 180)),
    st.builds(
        SharedFile,
        st.sampled_from(list(AttachmentKind)),
        st.text(min_size=1, max_size=50),
        st.sampled_from(["image/jpeg", "application/pdf", "application/x-msdownload", ""]),
        st.integers(0, 50 * 1024 * 1024),
        st.text(max_size=40),
        st.text(max_size=100),
    ),
    st.sampled_from(["sticker", "voice", "video", "edited", "poll"]).map(Unsupported),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(payloads, st.integers(0, 200)), min_size=1, max_size=25))
async def test_every_event_gets_a_reply_and_nothing_fails(events: list[tuple[Payload, int]]) -> None:
    clock = ManualClock()
    uow_factory = FakeUnitOfWorkFactory()
    async with uow_factory() as uow:
        await import_commune(uow, SPEC, now=clock.now())
        await uow.commit()
    engine = ConversationEngine(
        uow_factory=uow_factory, clock=clock, catalogue=CATALOGUE, config=IntakeConfig()
    )
    chat = Chat(engine, clock)
    for payload, minutes in events:
        clock.advance(timedelta(minutes=minutes))
        replies = await chat._send(payload, "?")
        result = chat.results[-1]
        assert result.committed, chat.printable()
        assert replies, chat.printable()
        assert all(reply.text.strip() for reply in replies)
        assert len(result.outbox_ids) == len(replies)


ATTACHMENTS = st.lists(
    st.builds(AttachmentInfo, st.sampled_from(["photo", "document"]), st.text(min_size=1, max_size=20)),
    max_size=3,
)


@given(
    draft=st.builds(
        Draft,
        kind=st.none() | st.sampled_from(["kien_nghi", "to_cao"]),
        content=st.none() | st.text(max_size=200),
        latitude=st.none() | st.floats(allow_nan=False),
        village_id=st.none() | st.integers(),
        attachments=ATTACHMENTS,
        supplement_files=ATTACHMENTS,
        subscribe_topics=st.lists(st.text(max_size=10), max_size=3),
        subscribe_villages=st.lists(st.integers(), max_size=3),
    )
)
def test_a_draft_is_stored_as_plain_json_and_reads_back_the_same(draft: Draft) -> None:
    stored = draft.to_json()
    assert stored == asdict(draft)
    assert json.loads(json.dumps(stored)) == stored
    assert Draft.from_json(stored) == draft
    before = list(draft.subscribe_villages)
    stored["subscribe_villages"].append(-1)  # the stored lists are copies
    assert draft.subscribe_villages == before


def test_a_draft_stored_before_conferences_were_renamed_reads_back_under_the_new_names() -> None:
    stored = {
        "kind": None,
        "dialogue_id": 7,
        "dialogue_intent": "ask",
        "dialogue_question": "Đường khi nào làm?",
    }
    draft = Draft.from_json(stored)
    assert (draft.conference_id, draft.conference_intent, draft.conference_question) == (
        7,
        "ask",
        "Đường khi nào làm?",
    )
