"""``nghedan staff …`` and ``nghedan classify``: the office's command-line tools."""

from __future__ import annotations

import argparse
import json
import sys
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels import CHANNEL_NAMES
from bot.exits import EXIT_OK, EXIT_USAGE
from handlers.cases.classify import Classifier, Example, data_file, read_examples, training_examples
from handlers.cases.classify.evaluate import Accuracy, cross_validate, held_out
from handlers.cases.classify.routing import suggest_unit
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.names import valid_name
from handlers.staff.admin import StaffError, grant, remove, staff_list
from models.staff import Role

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.cli import Cli
    from handlers.kernel.ports import UnitOfWork
    from models.commune import Commune

# Labelled petitions the classifier never learns from, shipped with it: the shared sample, and our own.
SHARED_PETITIONS = data_file("shared_petitions.jsonl")
OWN_PETITIONS = data_file("own_petitions.jsonl")
TARGET_FIELD, TARGET_KIND = 0.85, 0.80


def channel_name(cli: Cli, channel: str) -> str:
    """How the command line names a channel ("Zalo Official Account"), or its code when it has no name."""
    key = CHANNEL_NAMES.get(channel)
    return cli.catalogue.text("vi", key) if key is not None else channel


def _account(args: argparse.Namespace) -> tuple[str, str]:
    if args.telegram_id is not None:
        return "telegram", str(args.telegram_id)
    if args.zalo_bot_id is not None:
        return "zalo_bot", args.zalo_bot_id.strip()
    if args.zalo_oa_id is not None:
        return "zalo_oa", args.zalo_oa_id.strip()
    return args.channel, str(args.account)


async def cmd_staff_add(cli: Cli, args: argparse.Namespace) -> int:
    name = valid_name(args.name)
    if name is None:
        cli.say(Msg.CLI_STAFF_BAD_NAME, err=True, name=args.name)
        return EXIT_USAGE

    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        units = {unit.code: unit for unit in await uow.communes.units(commune.id)}
        unit = units.get(args.unit.upper()) if args.unit else None
        if args.unit and unit is None:
            cli.say(
                Msg.CLI_STAFF_UNKNOWN_UNIT,
                err=True,
                unit=args.unit,
                commune=commune.name,
                codes=", ".join(units),
            )
            return EXIT_USAGE
        roles = [(Role(role), unit if Role(role) is Role.UNIT else None) for role in args.role]
        channel, account = _account(args)
        try:
            await grant(
                uow,
                commune,
                channel=channel,
                account_id=account,
                chat_id=account,
                name=name,
                roles=roles,
                now=app.clock.now(),
            )
        except StaffError as error:
            cli.say(error.key, err=True, **error.params)
            return EXIT_USAGE
        await uow.commit()
        cli.say(Msg.CLI_STAFF_ADDED, name=name, roles=", ".join(args.role), commune=commune.name)
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


async def cmd_staff_list(cli: Cli, args: argparse.Namespace) -> int:
    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        units = {u.id: u.code for u in await uow.communes.units(commune.id, include_inactive=True)}
        entries = await staff_list(uow, commune.id)
        if not entries:
            cli.say(Msg.CLI_STAFF_NONE, commune=commune.name, code=commune.code)
            return EXIT_OK
        cli.say(Msg.CLI_STAFF_HEADER, commune=commune.name)
        for entry in entries:
            roles = ", ".join(
                f"{role.role.value} {units.get(role.unit_id or 0, '')}".strip() for role in entry.roles
            )
            cli.say(
                Msg.CLI_STAFF_LINE,
                name=entry.member.name,
                channel=channel_name(cli, entry.member.channel),
                account=entry.member.account_id,
                roles=roles,
            )
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


async def cmd_staff_remove(cli: Cli, args: argparse.Namespace) -> int:
    channel, account = _account(args)

    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        member = next(
            (m for m in await uow.staff.memberships(channel, account) if m.commune_id == commune.id), None
        )
        if member is None:
            cli.say(
                Msg.CLI_STAFF_NOT_FOUND,
                err=True,
                channel=channel_name(cli, channel),
                account=account,
                commune=commune.name,
            )
            return EXIT_USAGE
        await remove(uow, member, app.clock.now())
        await uow.commit()
        cli.say(Msg.CLI_STAFF_REMOVED, name=member.name)
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


# -- classify ---------------------------------------------------------------------------------------------


async def cmd_classify(cli: Cli, args: argparse.Namespace) -> int:
    if args.evaluate:
        return evaluate(cli, args)
    classifier = Classifier.default()
    rules, codes = [], {}
    app = await cli.open_app()
    if app is not None:
        try:
            async with app.uow_factory() as uow:
                commune = await cli.commune(uow, args.commune)
                if commune is not None:
                    rules = list(await uow.communes.routing_rules(commune.id))
                    codes = {unit.id: unit.code for unit in await uow.communes.units(commune.id)}
        finally:
            await app.aclose()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            text = str(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError):
            print(json.dumps({"error": "expected a JSON object with a text"}), flush=True)
            continue
        prediction = classifier.predict(text)
        unit_id = suggest_unit(rules, prediction.field, text)
        row = {
            "kind": prediction.kind.value,
            "field": prediction.field,
            "unit": codes.get(unit_id) if unit_id is not None else None,
            "confidence": round(prediction.confidence, 3),
            "kind_confidence": round(prediction.kind_confidence, 3),
            "field_confidence": round(prediction.field_confidence, 3),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return EXIT_OK


def _read(path: Traversable) -> list[Example]:
    return read_examples(path.read_text(encoding="utf-8").splitlines())


def evaluate(cli: Cli, args: argparse.Namespace) -> int:
    """Accuracy on petitions the model never saw: cross-validated on the labelled sample file, and on the
    petitions written for this project but kept out of training."""
    base = training_examples()
    shared: Traversable = Path(args.data) if args.data else SHARED_PETITIONS
    own: Traversable = Path(args.own) if args.own else OWN_PETITIONS
    results: list[Accuracy] = []
    if shared.is_file():
        accuracy = cross_validate(base, _read(shared), folds=args.folds)
        results.append(accuracy)
        cli.say(
            Msg.CLI_CLASSIFY_CROSS,
            path=shared,
            folds=args.folds,
            count=accuracy.count,
            kind=_percent(accuracy.kind),
            field=_percent(accuracy.field),
        )
    if own.is_file():
        accuracy = held_out(base, _read(own))
        results.append(accuracy)
        cli.say(
            Msg.CLI_CLASSIFY_HELD_OUT,
            path=own,
            count=accuracy.count,
            kind=_percent(accuracy.kind),
            field=_percent(accuracy.field),
        )
    if not results:
        cli.say(Msg.CLI_COMMUNE_MISSING_FILE, err=True, path=shared)
        return EXIT_USAGE
    met = all(r.field >= TARGET_FIELD and r.kind >= TARGET_KIND for r in results)
    cli.say(
        Msg.CLI_CLASSIFY_TARGET_MET if met else Msg.CLI_CLASSIFY_TARGET_MISSED,
        field=_percent(TARGET_FIELD),
        kind=_percent(TARGET_KIND),
    )
    return EXIT_OK


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".", ",")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    staff = commands.add_parser("staff", help="cán bộ: thêm, xem, xóa").add_subparsers(
        dest="staff_command", required=True
    )
    add = staff.add_parser("add", help="thêm cán bộ (quản trị viên đầu tiên) hoặc thêm vai trò")
    _account_options(add)
    add.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    add.add_argument("--role", action="append", required=True, choices=[role.value for role in Role])
    add.add_argument("--unit", help="mã bộ phận, cho vai trò unit (ví dụ KT)")
    add.add_argument("--name", required=True, help="họ và tên")
    add.set_defaults(handler=cmd_staff_add)
    listing = staff.add_parser("list", help="danh sách cán bộ")
    listing.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    listing.set_defaults(handler=cmd_staff_list)
    removal = staff.add_parser("remove", help="xóa cán bộ (có hiệu lực từ thao tác tiếp theo)")
    _account_options(removal)
    removal.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    removal.set_defaults(handler=cmd_staff_remove)

    classify = commands.add_parser("classify", help="gợi ý loại, lĩnh vực, bộ phận cho đơn (JSON lines)")
    classify.add_argument("--commune", help="xã có bảng định tuyến dùng để gợi ý bộ phận")
    classify.add_argument("--evaluate", action="store_true", help="đo độ chính xác trên đơn chưa học")
    classify.add_argument("--data", help="tệp đơn có nhãn để kiểm tra chéo")
    classify.add_argument("--own", help="tệp đơn tự viết giữ riêng để kiểm tra")
    classify.add_argument("--folds", type=int, default=4)
    classify.set_defaults(handler=cmd_classify)


def _account_options(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--telegram-id", type=int, help="mã tài khoản Telegram của cán bộ")
    who.add_argument(
        "--zalo-bot-id", help="mã người dùng của cán bộ với Zalo Bot (bot ghi lại khi họ nhắn tin)"
    )
    who.add_argument("--zalo-oa-id", help="mã người dùng của cán bộ với Zalo Official Account của xã")
    who.add_argument("--account", help="mã tài khoản trên kênh khác (dùng cùng --channel)")
    parser.add_argument("--channel", default="telegram", help="kênh của --account (mặc định telegram)")
