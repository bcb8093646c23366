"""``nghedan``: the command line of Nghe Dân."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, DatabaseUnreachable, SchemaNotReady, bootstrap
from bot.calendar_cli import add_parsers as add_calendar_parsers
from bot.communes_file import DEMO_COMMUNE, CommuneFileError, read_commune_file
from bot.console import run_console, stdin_is_terminal
from bot.deadline_cli import add_parsers as add_deadline_parsers
from bot.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.office_cli import add_parsers as add_office_parsers
from bot.poster_cli import add_parsers as add_poster_parsers
from bot.settings import ConfigFileMissing, Settings, load_settings
from bot.tasks_cli import add_parsers as add_tasks_parsers
from bot.zalo_oa.cli import add_parsers as add_zalo_oa_parsers
from handlers.cases.communes import import_commune
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.ports import UnitOfWork
from models.commune import Commune
from store.database import create_engine
from store.migrate import schema_state, upgrade

T = TypeVar("T")


class Cli:
    """Shared plumbing of the sub-commands: settings, messages, exit codes."""

    def __init__(self, settings: Settings, catalogue: Catalogue) -> None:
        self.settings = settings
        self.catalogue = catalogue

    def say(self, key: Msg, *, err: bool = False, **params: object) -> None:
        print(self.catalogue.text("vi", key, **params), file=sys.stderr if err else sys.stdout)

    def safe_url(self) -> str:
        return make_url(self.settings.database).render_as_string(hide_password=True)

    async def open_app(self) -> App | None:
        try:
            return await bootstrap(self.settings, catalogue=self.catalogue)
        except SchemaNotReady as exc:
            self.say(
                Msg.CLI_DB_BEHIND, err=True, current=exc.state.current or self._none(), head=exc.state.head
            )
        except DatabaseUnreachable as exc:
            self.say(Msg.CLI_DB_UNREACHABLE, err=True, url=self.safe_url(), error=str(exc))
        return None

    async def commune(self, uow: UnitOfWork, code: str | None) -> Commune | None:
        """The commune named by ``--commune``, or the only one; None (after saying why) otherwise."""
        if code is not None:
            commune = await uow.communes.by_code(code.upper())
            if commune is None:
                self.say(Msg.CLI_UNKNOWN_COMMUNE, err=True, code=code)
            return commune
        communes = await uow.communes.list_all()
        if len(communes) == 1:
            return communes[0]
        self.say(Msg.CLI_NO_COMMUNE, err=True)
        return None

    async def in_commune(
        self, code: str | None, work: Callable[[App, UnitOfWork, Commune], Awaitable[int]]
    ) -> int:
        """Open the app and one unit of work, find the commune (``--commune`` or the only one) and run
        ``work`` with them; its exit code, or 1 when the database cannot be used, 2 for an unknown commune."""
        app = await self.open_app()
        if app is None:
            return EXIT_FAILURE
        try:
            async with app.uow_factory() as uow:
                commune = await self.commune(uow, code)
                if commune is None:
                    return EXIT_USAGE
                return await work(app, uow, commune)
        finally:
            await app.aclose()

    def _none(self) -> str:
        return self.catalogue.text("vi", Msg.CLI_NONE)


async def _with_engine(cli: Cli, work: Callable[[AsyncEngine], Awaitable[T]]) -> T | None:
    """Run ``work`` on a fresh engine; report an unreachable database and return None."""
    engine = create_engine(cli.settings.database)
    try:
        return await work(engine)
    except (OSError, DBAPIError) as exc:
        cli.say(Msg.CLI_DB_UNREACHABLE, err=True, url=cli.safe_url(), error=str(exc).splitlines()[0])
        return None
    finally:
        await engine.dispose()


async def cmd_db_upgrade(cli: Cli, args: argparse.Namespace) -> int:
    revision = await _with_engine(cli, upgrade)
    if revision is None:
        return EXIT_FAILURE
    cli.say(Msg.CLI_DB_UPGRADED, revision=revision)
    return EXIT_OK


async def cmd_db_current(cli: Cli, args: argparse.Namespace) -> int:
    state = await _with_engine(cli, schema_state)
    if state is None:
        return EXIT_FAILURE
    cli.say(Msg.CLI_DB_CURRENT, current=state.current or cli._none(), head=state.head)
    return EXIT_OK if state.up_to_date else EXIT_FAILURE


async def _import_file(cli: Cli, app: App, path: Traversable) -> int:
    try:
        spec = read_commune_file(path)
    except FileNotFoundError:
        cli.say(Msg.CLI_COMMUNE_MISSING_FILE, err=True, path=path)
        return EXIT_USAGE
    except CommuneFileError as exc:
        cli.say(Msg.CLI_COMMUNE_INVALID, err=True, path=path, errors=str(exc))
        return EXIT_USAGE
    async with app.uow_factory() as uow:
        summary = await import_commune(uow, spec, now=app.clock.now())
        await uow.commit()
    cli.say(
        Msg.CLI_COMMUNE_IMPORTED,
        code=summary.code,
        name=summary.name,
        villages=summary.villages,
        fields=summary.fields,
        units=summary.units,
    )
    return EXIT_OK


async def cmd_commune_import(cli: Cli, args: argparse.Namespace) -> int:
    app = await cli.open_app()
    if app is None:
        return EXIT_FAILURE
    try:
        return await _import_file(cli, app, Path(args.path))
    finally:
        await app.aclose()


async def cmd_demo(cli: Cli, args: argparse.Namespace) -> int:
    app = await cli.open_app()
    if app is None:
        return EXIT_FAILURE
    try:
        async with app.uow_factory() as uow:
            has_commune = bool(await uow.communes.list_all())
        if not has_commune:
            if not DEMO_COMMUNE.is_file():
                cli.say(Msg.CLI_NO_COMMUNE, err=True)
                return EXIT_FAILURE
            status = await _import_file(cli, app, DEMO_COMMUNE)
            if status != EXIT_OK:
                return status
        interactive = stdin_is_terminal()
        await run_console(app, stdin=sys.stdin, out=sys.stdout, interactive=interactive, chat_id=args.chat)
        return EXIT_OK
    finally:
        await app.aclose()


async def cmd_run(cli: Cli, args: argparse.Namespace) -> int:
    from bot.channels import CHANNEL_NAMES, REFUSED, CredentialsRefused
    from bot.service import Service, build_channels, run_service

    app = await cli.open_app()
    if app is None:
        return EXIT_FAILURE
    try:
        channels = build_channels(app)
        if not channels:
            cli.say(Msg.CLI_NO_CHANNEL, err=True)
            return EXIT_USAGE
        async with app.uow_factory() as uow:
            if not await uow.communes.list_all():
                cli.say(Msg.CLI_NO_COMMUNE, err=True)
                return EXIT_FAILURE
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows
                loop.add_signal_handler(signal_number, stop.set)
        names = ", ".join(cli.catalogue.text("vi", CHANNEL_NAMES[channel.name]) for channel in channels)
        host = cli.settings.listen_address()[0]
        mode = "webhook" if args.webhook else "polling"

        def started(service: Service) -> None:
            cli.say(Msg.CLI_RUNNING, channels=names, mode=mode, address=f"{host}:{service.port}")

        try:
            await run_service(app, channels, webhook=args.webhook, stop=stop, started=started)
        except CredentialsRefused as refused:
            cli.say(REFUSED[refused.channel], err=True)
            return EXIT_FAILURE
        cli.say(Msg.CLI_STOPPED)
        return EXIT_OK
    finally:
        await app.aclose()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nghedan", description="Nghe Dân — kênh tiếp nhận ý kiến người dân")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="trò chuyện thử trên máy (SQLite, không cần token)")
    demo.add_argument("--chat", default="demo", help="mã cuộc trò chuyện, để đóng vai nhiều người dân")
    demo.set_defaults(handler=cmd_demo)

    db = commands.add_parser("db", help="cơ sở dữ liệu").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="nâng cấp lược đồ lên mới nhất").set_defaults(handler=cmd_db_upgrade)
    db.add_parser("current", help="xem phiên bản lược đồ").set_defaults(handler=cmd_db_current)

    commune = commands.add_parser("commune", help="xã, phường").add_subparsers(
        dest="commune_command", required=True
    )
    importer = commune.add_parser("import", help="nạp hoặc cập nhật một xã từ tệp TOML")
    importer.add_argument("path")
    importer.set_defaults(handler=cmd_commune_import)

    run = commands.add_parser(
        "run", help="chạy mọi kênh đã cấu hình: Zalo, Telegram (mặc định: long polling)"
    )
    run.add_argument("--webhook", action="store_true", help="nhận cập nhật qua webhook thay vì polling")
    run.set_defaults(handler=cmd_run)

    add_office_parsers(commands)
    add_deadline_parsers(commands)
    add_calendar_parsers(commands)
    add_tasks_parsers(commands)
    add_zalo_oa_parsers(commands)
    add_poster_parsers(commands)
    return parser


Handler = Callable[[Cli, argparse.Namespace], Coroutine[Any, Any, int]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    catalogue = Catalogue.load()
    try:
        settings = load_settings()
    except ConfigFileMissing as missing:
        print(catalogue.text("vi", Msg.CLI_COMMUNE_MISSING_FILE, path=str(missing)), file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return asyncio.run(handler(Cli(settings, catalogue), args))
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
