"""The console channel: a terminal chat for demos and tests, one message per line when not a terminal."""

from __future__ import annotations

import asyncio
import mimetypes
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from bot.bootstrap import App
from bot.render import TextStyle, as_text
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import ChatEvent, Payload, SharedFile, SharedLocation, Surface, Text
from handlers.kernel.replies import Reply
from handlers.kernel.text import fold
from handlers.staff.admin import grant
from models.enums import AttachmentKind
from models.errors import InvalidValue
from models.staff import Role, StaffGroup
from models.values import GeoPoint

CHANNEL = "console"
OFFICE_GROUP = "demo-office"  # the demo's office group chat
QUIT_WORDS = frozenset({"/thoat", "/quit", "/exit"})


CONSOLE_SURFACE = Surface(location=True, documents=True)  # /vitri and /tep stand in for sharing
CONSOLE_STYLE = TextStyle(
    choice_line=Msg.CONSOLE_CHOICE_LINE,
    location=Msg.CONSOLE_REQUEST_LOCATION,
    file=Msg.CONSOLE_ATTACH_HINT,
)


def render(catalogue: Catalogue, reply: Reply) -> str:
    """A reply as plain text: the message, then numbered choices and hints for special inputs."""
    return as_text(catalogue, replace(reply, edit_of=None), CONSOLE_STYLE)


class ConsoleSender:
    """Prints messages to the terminal; always succeeds, never rate-limited. A message for another chat than
    the one being typed in (a card in the office group, a notice to a citizen) is headed by who gets it."""

    limits = None

    def __init__(self, out: TextIO, catalogue: Catalogue, stage: Stage | None = None) -> None:
        self._out = out
        self._catalogue = catalogue
        self._stage = stage

    def is_group(self, chat_id: str) -> bool:
        return chat_id == OFFICE_GROUP

    async def send(self, message: Outgoing) -> SendResult:
        reply = message.reply
        lines = []
        if self._stage is not None and (message.chat_id != self._stage.chat_id or reply.edit_of):
            who = self._stage.label(message.chat_id)
            key = Msg.CONSOLE_TO_EDITED if reply.edit_of else Msg.CONSOLE_TO
            lines.append(self._catalogue.text("vi", key, who=who))
        lines.append(render(self._catalogue, reply))
        lines += [
            self._catalogue.text("vi", Msg.CONSOLE_FILE, name=str(item.get("file_name") or item.get("kind")))
            for item in reply.attachments
        ]
        self._out.write("\n".join(lines) + "\n\n")
        self._out.flush()
        return SendResult(Outcome.SENT, external_id=str(message.id))


def parse_console_input(line: str) -> Payload:
    """Console stand-ins for what phones can share: ``/vitri LAT LON`` and ``/tep PATH``."""
    stripped = line.strip()
    word, _, rest = stripped.partition(" ")
    command = fold(word)
    if command == "/vitri":
        parts = rest.replace(",", " ").split()
        if len(parts) != 2:
            raise InvalidValue("location")
        point = GeoPoint(float(parts[0]), float(parts[1]))
        return SharedLocation(point.latitude, point.longitude)
    if command == "/tep":
        path = Path(rest.strip()).expanduser()
        if not path.is_file():
            raise FileNotFoundError(rest.strip())
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kind = AttachmentKind.PHOTO if mime in ("image/jpeg", "image/png") else AttachmentKind.DOCUMENT
        return SharedFile(
            kind=kind,
            file_id=f"console:{path.resolve()}",
            mime_type=mime,
            size=path.stat().st_size,
            file_name=path.name,
        )
    return Text(line.rstrip("\n"))


@dataclass
class Stage:
    """Who the person at the keyboard is playing (``/as``) and where they are writing (``/nhom``, ``/rieng``),
    so one person can play a whole case: citizen, clerk, unit officer, leader."""

    citizen_chat: str
    role: str = "citizen"  # citizen, clerk, leader or unit:<CODE>
    in_group: bool = False

    @property
    def account(self) -> str:
        if self.role == "citizen":
            return self.citizen_chat
        return f"demo-{self.role.replace(':', '-').lower()}"

    @property
    def chat_id(self) -> str:
        return OFFICE_GROUP if self.in_group else self.account

    @property
    def is_staff(self) -> bool:
        return self.role != "citizen"

    def label(self, chat_id: str) -> str:
        if chat_id == OFFICE_GROUP:
            return "Nhóm Văn phòng HĐND và UBND"
        if chat_id == self.citizen_chat:
            return "Người dân"
        return DEMO_NAMES.get(chat_id.removeprefix("demo-").replace("-", ":", 1), chat_id)


DEMO_NAMES = {"clerk": "Cán bộ Văn phòng (chạy thử)", "leader": "Lãnh đạo UBND (chạy thử)"}


async def prepare_demo_office(app: App, stage: Stage) -> None:
    """The demo's office: a clerk (also admin), a leader, and the office group, made once."""
    async with app.uow_factory() as uow:
        communes = await uow.communes.list_all()
        if not communes:
            return
        commune = communes[0]
        for role, roles in (
            ("clerk", [(Role.ADMIN, None), (Role.CLERK, None)]),
            ("leader", [(Role.LEADER, None)]),
        ):
            account = f"demo-{role}"
            if not await uow.staff.memberships(CHANNEL, account):
                await grant(
                    uow,
                    commune,
                    channel=CHANNEL,
                    account_id=account,
                    chat_id=account,
                    name=DEMO_STAFF_NAMES[role],
                    roles=roles,
                    now=app.clock.now(),
                )
        if await uow.staff.group(CHANNEL, OFFICE_GROUP) is None:
            clerk = (await uow.staff.memberships(CHANNEL, "demo-clerk"))[0]
            await uow.staff.add_group(
                StaffGroup(
                    commune_id=commune.id,
                    channel=CHANNEL,
                    chat_id=OFFICE_GROUP,
                    linked_by=clerk.id,
                    linked_at=app.clock.now(),
                    title="Nhóm Văn phòng",
                )
            )
        await uow.commit()


DEMO_STAFF_NAMES = {"clerk": "Nguyễn Thị Văn Phòng", "leader": "Trần Văn Lãnh Đạo"}


async def _play_as(app: App, stage: Stage, argument: str) -> str:
    """``/as clerk``, ``/as leader``, ``/as unit KT``, ``/as citizen``: returns what to print."""
    words = fold(argument).split()
    catalogue = app.catalogue
    if not words or words[0] not in ("clerk", "leader", "unit", "citizen"):
        return catalogue.text("vi", Msg.CONSOLE_AS_USAGE)
    if words[0] == "unit":
        code = words[1].upper() if len(words) > 1 else ""
        async with app.uow_factory() as uow:
            commune = (await uow.communes.list_all())[0]
            unit = next((u for u in await uow.communes.units(commune.id) if u.code == code), None)
            if unit is None:
                codes = ", ".join(u.code for u in await uow.communes.units(commune.id))
                return catalogue.text("vi", Msg.CONSOLE_AS_UNKNOWN_UNIT, code=code or "?", codes=codes)
            account = f"demo-unit-{code.lower()}"
            name = f"Cán bộ {unit.name} (chạy thử)"
            DEMO_NAMES[f"unit:{code.lower()}"] = name
            await grant(
                uow,
                commune,
                channel=CHANNEL,
                account_id=account,
                chat_id=account,
                name=name,
                roles=[(Role.UNIT, unit)],
                now=app.clock.now(),
            )
            await uow.commit()
        stage.role, stage.in_group = f"unit:{code.lower()}", False
    else:
        stage.role = words[0]
        stage.in_group = words[0] in ("clerk", "leader")
    return _where(catalogue, stage)


def _where(catalogue: Catalogue, stage: Stage) -> str:
    who = "Người dân" if stage.role == "citizen" else stage.label(stage.account)
    key = Msg.CONSOLE_AS_GROUP if stage.in_group else Msg.CONSOLE_AS_PRIVATE
    return catalogue.text("vi", key, who=who)


async def run_console(
    app: App, *, stdin: TextIO, out: TextIO, interactive: bool, chat_id: str = "demo"
) -> None:
    """Chat until end of input (or ``/thoat``): as a citizen, or as staff after ``/as``."""
    catalogue = app.catalogue
    stage = Stage(citizen_chat=chat_id)
    sender = ConsoleSender(out, catalogue, stage)
    app.delivery.add_sender(CHANNEL, sender)
    await prepare_demo_office(app, stage)
    async with app.uow_factory() as uow:
        communes = await uow.communes.list_all()
    if interactive and communes:
        out.write(catalogue.text("vi", Msg.CONSOLE_INTRO, commune=communes[0].name) + "\n\n")
    while True:
        line = await asyncio.to_thread(_read_line, stdin, interactive)
        if line is None or fold(line.strip()) in QUIT_WORDS:
            break
        if not interactive:
            out.write(f"> {line.rstrip()}\n")
        word, _, rest = line.strip().partition(" ")
        if fold(word) == "/as" and communes:
            out.write(await _play_as(app, stage, rest) + "\n\n")
            continue
        if fold(word) in ("/nhom", "/rieng") and stage.is_staff:
            stage.in_group = fold(word) == "/nhom"
            out.write(_where(catalogue, stage) + "\n\n")
            continue
        try:
            payload = parse_console_input(line)
        except (InvalidValue, ValueError):
            out.write(catalogue.text("vi", Msg.CONSOLE_BAD_LOCATION) + "\n\n")
            continue
        except FileNotFoundError as missing:
            out.write(catalogue.text("vi", Msg.CONSOLE_BAD_FILE, path=str(missing)) + "\n\n")
            continue
        event = ChatEvent(
            channel=CHANNEL,
            chat_id=stage.chat_id,
            sender_id=stage.account,
            payload=payload,
            at=app.clock.now(),
            event_key=f"console:{uuid.uuid4().hex}",
            group=stage.in_group,
            replying=stage.in_group,  # in the console, what is typed in the group answers the bot
            surface=CONSOLE_SURFACE,
        )
        result = await app.conversation.handle(event)
        if result.claimed:
            await app.delivery.send_claimed(CHANNEL, stage.chat_id, result.outbox_ids, result.replies)
        elif result.committed:
            await app.delivery.deliver_chat(CHANNEL, stage.chat_id)
        else:
            for reply in result.replies:
                out.write(render(catalogue, reply) + "\n\n")
        await app.arrivals.drain_once()  # a new case's card, as the worker would post it
        while await app.delivery.drain_once():  # cards and notices to the other chats
            pass
        out.flush()
    if interactive:
        out.write(catalogue.text("vi", Msg.CONSOLE_BYE) + "\n")


def _read_line(stdin: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return input("> ")
        except EOFError:
            return None
    line = stdin.readline()
    return line if line else None


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
