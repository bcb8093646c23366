"""The console channel: a terminal chat for demos and tests, one message per line when not a terminal."""

from __future__ import annotations

import asyncio
import mimetypes
import sys
import uuid
from pathlib import Path
from typing import TextIO

from bot.bootstrap import App
from handlers.catalogue import Catalogue
from handlers.catalogue.keys import Msg
from handlers.delivery import Outcome, Outgoing, SendResult
from handlers.events import ChatEvent, Payload, SharedFile, SharedLocation, Text
from handlers.replies import InputRequest, Reply
from handlers.text import fold
from models.enums import AttachmentKind
from models.errors import InvalidValue
from models.values import GeoPoint

CHANNEL = "console"
QUIT_WORDS = frozenset({"/thoat", "/quit", "/exit"})


def render(catalogue: Catalogue, reply: Reply) -> str:
    """A reply as plain text: the message, then numbered choices and hints for special inputs."""
    language = reply.language
    lines = [reply.text]
    lines += [
        catalogue.text(language, Msg.CONSOLE_CHOICE_LINE, number=number, label=choice.label)
        for number, choice in enumerate(reply.choices, start=1)
    ]
    if reply.request is InputRequest.CONTACT:
        lines.append(catalogue.text(language, Msg.CONSOLE_REQUEST_CONTACT))
    elif reply.request is InputRequest.LOCATION:
        lines.append(catalogue.text(language, Msg.CONSOLE_REQUEST_LOCATION))
    elif reply.request is InputRequest.FILE:
        lines.append(catalogue.text(language, Msg.CONSOLE_ATTACH_HINT))
    return "\n".join(lines)


class ConsoleSender:
    """Prints messages to the terminal; always succeeds, never rate-limited."""

    limits = None

    def __init__(self, out: TextIO, catalogue: Catalogue) -> None:
        self._out = out
        self._catalogue = catalogue

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, message: Outgoing) -> SendResult:
        self._out.write(render(self._catalogue, message.reply) + "\n\n")
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


async def run_console(
    app: App, *, stdin: TextIO, out: TextIO, interactive: bool, chat_id: str = "demo"
) -> None:
    """Chat as a citizen until end of input (or ``/thoat``)."""
    catalogue = app.catalogue
    app.delivery.add_sender(CHANNEL, ConsoleSender(out, catalogue))
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
            chat_id=chat_id,
            sender_id=chat_id,
            payload=payload,
            at=app.clock.now(),
            event_key=f"console:{uuid.uuid4().hex}",
        )
        result = await app.conversation.handle(event)
        if result.claimed:
            await app.delivery.send_claimed(CHANNEL, chat_id, result.outbox_ids, result.replies)
        elif result.committed:
            await app.delivery.deliver_chat(CHANNEL, chat_id)
        else:
            for reply in result.replies:
                out.write(render(catalogue, reply) + "\n\n")
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
