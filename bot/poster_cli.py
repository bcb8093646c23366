"""``nghedan qr``: an A4 notice for the commune board for each configured channel — title, QR code, the steps
for a first-time user, office hours and hotline from the commune file (``bot/poster.py`` draws it)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.poster import PosterText
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.labels import commune_in_sentence

if TYPE_CHECKING:
    from bot.cli import Cli
    from models.commune import Commune

CHANNELS = ("zalo_oa", "zalo_bot", "telegram")
STEPS: dict[str, tuple[Msg, ...]] = {
    "zalo_oa": (
        Msg.POSTER_ZALO_SCAN,
        Msg.POSTER_ZALO_OA_FOLLOW,
        Msg.POSTER_ZALO_OA_WRITE,
        Msg.POSTER_RECEIPT,
    ),
    "zalo_bot": (
        Msg.POSTER_ZALO_SCAN,
        Msg.POSTER_ZALO_BOT_OPEN,
        Msg.POSTER_ZALO_BOT_WRITE,
        Msg.POSTER_RECEIPT,
    ),
    "telegram": (
        Msg.POSTER_TELEGRAM_SCAN,
        Msg.POSTER_TELEGRAM_START,
        Msg.POSTER_TELEGRAM_ANSWER,
        Msg.POSTER_RECEIPT,
    ),
}


class NoLink(Exception):
    """The channel's link cannot be made (no bot name, no id): ``key`` says what to give."""

    def __init__(self, key: Msg, **params: object) -> None:
        super().__init__(key.value)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class ChannelLink:
    channel: str
    link: str
    label: str  # how the poster names the channel


def configured(cli: Cli, args: argparse.Namespace) -> list[str]:
    """The channels to draw: the one asked for, or every one configured (or named on the command line)."""
    if args.channel:
        return [args.channel]
    settings = cli.settings
    wanted = {
        "zalo_oa": bool(settings.zalo_oa.oa_id),
        "zalo_bot": settings.zalo_bot.token is not None or bool(args.zalo_bot_id),
        "telegram": settings.telegram.token is not None or bool(args.bot_username),
    }
    return [channel for channel in CHANNELS if wanted[channel]]


async def link_for(cli: Cli, args: argparse.Namespace, channel: str, commune: Commune | None) -> ChannelLink:
    """The address the QR code opens on ``channel``."""
    catalogue = cli.catalogue
    where = (
        commune_in_sentence(commune) if commune is not None else catalogue.text("vi", Msg.POSTER_COMMUNE_ANY)
    )
    if channel == "zalo_oa":
        oa_id = cli.settings.zalo_oa.oa_id
        if not oa_id:
            raise NoLink(Msg.CLI_QR_NO_OA)
        label = catalogue.text("vi", Msg.POSTER_CHANNEL_ZALO_OA, commune=where)
        return ChannelLink(channel, f"https://zalo.me/{oa_id}", label)
    if channel == "zalo_bot":
        bot_id = args.zalo_bot_id or _bot_id_of(cli)
        if not bot_id:
            raise NoLink(Msg.CLI_QR_NO_ZALO_BOT)
        label = catalogue.text("vi", Msg.POSTER_CHANNEL_ZALO_BOT, commune=where)
        return ChannelLink(channel, f"https://bot.zaloplatforms.com/bots/{bot_id}", label)
    from bot.telegram.links import deep_link, start_payload

    payload = args.payload or start_payload(commune.code if commune is not None else None, file_now=args.file)
    username = args.bot_username or await _telegram_username(cli)
    link = deep_link(username, payload)
    return ChannelLink(
        channel, link, catalogue.text("vi", Msg.POSTER_CHANNEL_TELEGRAM, bot=username.lstrip("@"))
    )


def _bot_id_of(cli: Cli) -> str | None:
    """The bot's id is the part of its token before the colon (``{bot_id}:{secret}``)."""
    token = cli.settings.zalo_bot.token
    if token is None:
        return None
    head = token.get_secret_value().partition(":")[0]
    return head if head.isdigit() else None


async def _telegram_username(cli: Cli) -> str:
    from aiogram.exceptions import TelegramAPIError

    from bot.telegram.runtime import make_bot

    if cli.settings.telegram.token is None:
        raise NoLink(Msg.CLI_QR_NO_TELEGRAM)
    bot = make_bot(cli.settings.telegram)
    try:
        me = await bot.get_me()
    except (TelegramAPIError, OSError) as exc:
        raise NoLink(Msg.CLI_QR_NO_USERNAME, error=type(exc).__name__) from None
    finally:
        await bot.session.close()
    if not me.username:
        raise NoLink(Msg.CLI_QR_NO_TELEGRAM)
    return me.username


def poster_text(cli: Cli, link: ChannelLink, commune: Commune | None) -> PosterText:
    t = cli.catalogue.text
    name = commune_in_sentence(commune) if commune is not None else ""
    title = t("vi", Msg.POSTER_TITLE, commune=name) if name else t("vi", Msg.POSTER_TITLE_ANY)
    channel_name = t("vi", Msg.CHANNEL_ZALO if link.channel != "telegram" else Msg.CHANNEL_TELEGRAM)
    contacts: list[str] = []
    if commune is not None:
        if commune.office_hours:
            contacts.append(t("vi", Msg.POSTER_HOURS, hours=commune.office_hours))
        if commune.hotline:
            contacts.append(t("vi", Msg.POSTER_HOTLINE, hotline=commune.hotline))
        if commune.office_address:
            contacts.append(commune.office_address)
    steps = tuple(
        t("vi", key, commune=name or t("vi", Msg.POSTER_COMMUNE_ANY)) for key in STEPS[link.channel]
    )
    return PosterText(
        title=title,
        subtitle=t("vi", Msg.POSTER_SUBTITLE, channel=channel_name),
        channel=link.label,
        link=link.link,
        steps_heading=t("vi", Msg.POSTER_STEPS),
        steps=steps,
        contacts=tuple(contacts),
        footer=t("vi", Msg.POSTER_FOOTER),
    )


def out_path(out: Path, channel: str, *, several: bool) -> Path:
    """``--out`` as given for one poster; ``poster-zalo-oa.png`` and so on for several."""
    if not several:
        return out
    return out.with_name(f"{out.stem}-{channel.replace('_', '-')}{out.suffix or '.png'}")


async def _commune(cli: Cli, code: str | None) -> tuple[Commune | None, int]:
    """The commune named by ``--commune`` or the only one (None when there are several and none is named)."""
    app = await cli.open_app()
    if app is None:
        return None, EXIT_FAILURE
    try:
        async with app.uow_factory() as uow:
            if code is not None:
                commune = await uow.communes.by_code(code.upper())
                if commune is None:
                    cli.say(Msg.CLI_UNKNOWN_COMMUNE, err=True, code=code)
                    return None, EXIT_USAGE
                return commune, EXIT_OK
            communes = await uow.communes.list_all()
            return (communes[0] if len(communes) == 1 else None), EXIT_OK
    finally:
        await app.aclose()


async def cmd_qr(cli: Cli, args: argparse.Namespace) -> int:
    from bot.poster import PosterDoesNotFit, find_bold_font, find_font, write_a4_poster  # Pillow: on use
    from bot.telegram.links import BadPayload

    channels = configured(cli, args)
    if not channels:
        cli.say(Msg.CLI_QR_NO_CHANNEL, err=True)
        return EXIT_USAGE
    commune, status = await _commune(cli, args.commune)
    if status != EXIT_OK:
        return status
    font = find_font(Path(args.font) if args.font else None)
    if font is None:
        cli.say(Msg.CLI_QR_NO_FONT, err=True)
        return EXIT_FAILURE
    out = Path(args.out)
    for channel in channels:
        try:
            link = await link_for(cli, args, channel, commune)
        except NoLink as missing:
            cli.say(missing.key, err=True, **missing.params)
            return EXIT_USAGE
        except BadPayload as bad:
            cli.say(Msg.CLI_QR_BAD_PAYLOAD, err=True, payload=str(bad))
            return EXIT_USAGE
        path = out_path(out, channel, several=len(channels) > 1)
        try:
            write_a4_poster(poster_text(cli, link, commune), path, font, find_bold_font(font))
        except PosterDoesNotFit:
            cli.say(Msg.CLI_QR_TOO_LONG, err=True)
            return EXIT_FAILURE
        cli.say(Msg.CLI_QR_WRITTEN, path=path, link=link.link)
    return EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    qr = commands.add_parser("qr", help="in áp phích A4 có mã QR cho từng kênh (Zalo OA, Zalo Bot, Telegram)")
    qr.add_argument("--out", required=True, help="tệp PNG sẽ ghi (nhiều kênh: thêm tên kênh vào tên tệp)")
    qr.add_argument("--channel", choices=CHANNELS, help="chỉ một kênh (mặc định: mọi kênh đã cấu hình)")
    qr.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất trong cơ sở dữ liệu)")
    qr.add_argument("--file", action="store_true", help="Telegram: liên kết mở thẳng bước gửi đơn")
    qr.add_argument("--payload", help="Telegram: tham số start tự chọn (A–Z a–z 0–9 _ -, tối đa 64)")
    qr.add_argument("--bot-username", help="Telegram: tên bot, nếu không muốn hỏi Telegram")
    qr.add_argument("--zalo-bot-id", help="Zalo Bot: mã bot (mặc định: phần đầu của token)")
    qr.add_argument("--font", help="tệp phông .ttf có dấu tiếng Việt")
    qr.set_defaults(handler=cmd_qr)
