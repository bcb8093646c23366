"""Driving the conversation engine like a citizen: type, press buttons, share things."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from handlers.dispatch.engine import ConversationEngine, TurnResult
from handlers.kernel.events import (
    EVERYTHING,
    ChatEvent,
    Payload,
    Pick,
    SharedContact,
    SharedFile,
    SharedLocation,
    Surface,
    Text,
    Unsupported,
)
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import fold
from models.enums import AttachmentKind
from tests.fakes import ManualClock

_keys = itertools.count(1)


@dataclass
class Chat:
    engine: ConversationEngine
    clock: ManualClock
    chat_id: str = "1001"
    channel: str = "console"
    transcript: list[tuple[str, list[Reply]]] = field(default_factory=list)
    results: list[TurnResult] = field(default_factory=list)
    language_code: str | None = None
    surface: Surface = EVERYTHING  # a channel with buttons and sharing (Telegram); Zalo's Bot has none

    async def _send(self, payload: Payload, shown: str, *, event_key: str | None = None) -> list[Reply]:
        event = ChatEvent(
            channel=self.channel,
            chat_id=self.chat_id,
            sender_id=self.chat_id,
            payload=payload,
            at=self.clock.now(),
            event_key=event_key or f"test:{self.chat_id}:{next(_keys)}",
            language_code=self.language_code,
            surface=self.surface,
        )
        result = await self.engine.handle(event)
        self.results.append(result)
        self.transcript.append((shown, list(result.replies)))
        return list(result.replies)

    async def send(self, text: str, *, event_key: str | None = None) -> list[Reply]:
        return await self._send(Text(text), text, event_key=event_key)

    async def press(self, label: str) -> list[Reply]:
        """Press the button whose label starts with ``label`` (case and diacritics ignored)."""
        question = self.last_question
        wanted = fold(label)
        matches = [c for c in question.choices if fold(c.label).startswith(wanted)]
        assert len(matches) == 1, f"no single button {label!r} in {[c.label for c in question.choices]}"
        return await self._send(Pick(matches[0].token, question.ask_seq), f"[{matches[0].label}]")

    async def press_stale(self, reply: Reply, choice: Choice) -> list[Reply]:
        return await self._send(Pick(choice.token, reply.ask_seq), f"[old {choice.label}]")

    async def share_location(self, latitude: float, longitude: float) -> list[Reply]:
        return await self._send(SharedLocation(latitude, longitude), "[vị trí]")

    async def share_contact(self, phone: str) -> list[Reply]:
        return await self._send(SharedContact(phone=phone), "[danh bạ]")

    async def send_file(
        self,
        name: str = "anh.jpg",
        *,
        kind: AttachmentKind = AttachmentKind.PHOTO,
        mime: str = "image/jpeg",
        size: int = 200_000,
        caption: str = "",
    ) -> list[Reply]:
        payload = SharedFile(kind, f"file-{name}", mime, size, name, caption)
        return await self._send(payload, f"[tệp {name}]")

    async def send_unsupported(self, what: str) -> list[Reply]:
        return await self._send(Unsupported(what), f"[{what}]")

    @property
    def last_replies(self) -> list[Reply]:
        return self.transcript[-1][1]

    @property
    def last_text(self) -> str:
        return "\n".join(reply.text for reply in self.last_replies)

    @property
    def last_question(self) -> Reply:
        for _, replies in reversed(self.transcript):
            for reply in reversed(replies):
                if reply.ask_seq is not None:
                    return reply
        raise AssertionError("no question asked yet")

    def printable(self) -> str:
        lines = []
        for said, replies in self.transcript:
            lines.append(f"> {said}")
            for reply in replies:
                lines.append(reply.text)
                lines += [f"  [{c.label}]" for c in reply.choices]
        return "\n".join(lines)

    async def subscribe(self, *topics: str, villages: tuple[str, ...] = ()) -> str:
        """/dangky with these topics (label beginnings) and villages (none: the whole commune); the answer."""
        await self.send("/dangky")
        for topic in topics:
            await self.press(f"☐ {topic}")
        await self.press("Tiếp tục")
        for village in villages:
            await self.press(f"☐ {village}")
        return "\n".join(reply.text for reply in await self.press("Đồng ý"))

    async def file_petition(
        self,
        *,
        kind: str = "Phản ánh",
        field: str = "Giao thông",
        content: str = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét.",
        consent: bool = True,
        name: str = "Nguyễn Văn An",
        phone: str = "0912 345 678",
        address: str = "Xóm Đồng Bầu, xã Phú Thịnh",
    ) -> str:
        """File a whole petition through the buttons; returns the receipt code."""
        await self.send("/guidon")
        if self.last_question.choices and fold(self.last_question.choices[0].label) == "dong y":
            await self.press("Đồng ý" if consent else "Không đồng ý")
        await self.press(kind)
        await self.press(field)
        await self.send(content)
        await self.press("Bỏ qua")
        await self.press("Bỏ qua")
        if not consent:
            pass  # anonymous: no identity questions
        elif any(c.token == "use" for c in self.last_question.choices):
            await self.press("Dùng thông tin này")
        else:
            await self.send(name)
            await self.send(phone)
            await self.send(address)
        replies = await self.press("Gửi")
        text = "\n".join(r.text for r in replies)
        for word in text.split():
            if word.count("-") == 2 and word[:2].isalpha():
                return word.strip(".,()«»")
        raise AssertionError(f"no receipt in {text!r}")
