"""``nghedan zalo-oa token set`` and ``nghedan zalo-oa connect``: giving the application the Official
Account's OAuth tokens, which it then keeps (encrypted) and refreshes by itself."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from bot.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from handlers.kernel.catalogue.keys import Msg

if TYPE_CHECKING:
    from bot.cli import Cli


async def cmd_token_set(cli: Cli, args: argparse.Namespace) -> int:
    """Store a token pair an admin obtained elsewhere (the API Explorer of developers.zalo.me)."""
    from bot.zalo_oa.oauth import TokenGrant
    from bot.zalo_oa.runtime import token_store

    if not cli.settings.zalo_oa.configured:
        cli.say(Msg.CLI_ZALO_OA_NOT_CONFIGURED, err=True)
        return EXIT_USAGE
    access, refresh = args.access_token.strip(), args.refresh_token.strip()
    if not access or not refresh or args.expires_in <= 0:
        cli.say(Msg.CLI_ZALO_OA_BAD_TOKENS, err=True)
        return EXIT_USAGE
    app = await cli.open_app()
    if app is None:
        return EXIT_FAILURE
    try:
        await token_store(app).store(TokenGrant(access, refresh, args.expires_in))
    finally:
        await app.aclose()
    cli.say(Msg.CLI_ZALO_OA_TOKENS_STORED, hours=hours(args.expires_in))
    return EXIT_OK


async def cmd_connect(cli: Cli, args: argparse.Namespace) -> int:
    """Print the admin's consent link (PKCE), read back the redirected address (or its code), exchange the
    code for tokens and store them."""
    from bot.zalo_oa.oauth import OAuthClient, OAuthRefused, OAuthUnavailable, authorization_url, pkce_pair
    from bot.zalo_oa.runtime import token_store

    settings = cli.settings.zalo_oa
    if not settings.configured or settings.app_secret is None or not settings.app_id:
        cli.say(Msg.CLI_ZALO_OA_NOT_CONFIGURED, err=True)
        return EXIT_USAGE
    if not settings.redirect_uri:
        cli.say(Msg.CLI_ZALO_OA_NO_REDIRECT, err=True)
        return EXIT_USAGE
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(12)
    link = authorization_url(settings.oauth_base, settings.app_id, settings.redirect_uri, challenge, state)
    cli.say(Msg.CLI_ZALO_OA_OPEN_LINK, link=link)
    answer = sys.stdin.readline().strip()
    code = _code_from(answer, state, settings.oa_id or "")
    if code is None:
        cli.say(Msg.CLI_ZALO_OA_BAD_ANSWER, err=True)
        return EXIT_USAGE
    # The database first: a code can be spent once, so it is not exchanged unless the tokens can be kept.
    app = await cli.open_app()
    if app is None:
        return EXIT_FAILURE
    try:
        oauth = OAuthClient(settings.oauth_base, settings.app_id, settings.app_secret.get_secret_value())
        try:
            grant = await oauth.exchange_code(code, verifier)
        except OAuthRefused as refused:
            cli.say(Msg.CLI_ZALO_OA_REFUSED, err=True, reason=str(refused))
            return EXIT_FAILURE
        except OAuthUnavailable as unavailable:
            cli.say(Msg.CLI_ZALO_OA_UNREACHABLE, err=True, reason=str(unavailable))
            return EXIT_FAILURE
        await token_store(app).store(grant)
    finally:
        await app.aclose()
    cli.say(Msg.CLI_ZALO_OA_CONNECTED, hours=hours(grant.expires_in))
    return EXIT_OK


def hours(seconds: int) -> str:
    """``90000`` → ``25``, ``1800`` → ``0,5``: the lifetime as a commune clerk reads it."""
    value = round(seconds / 3600, 1)
    return f"{value:g}".replace(".", ",")


def _code_from(answer: str, state: str, oa_id: str) -> str | None:
    """The code in the pasted callback address — which must carry our ``state`` and, when Zalo names the OA,
    our OA (an admin of several OAs may have chosen another on the consent page) — or a code pasted alone."""
    if "://" in answer or "?" in answer or "=" in answer:
        query = parse_qs(urlsplit(answer).query)
        codes, states, accounts = query.get("code", []), query.get("state", []), query.get("oa_id", [])
        if len(codes) != 1 or states != [state] or (accounts and accounts != [oa_id]):
            return None
        return codes[0].strip() or None
    token = answer.strip()
    return token if token and " " not in token and len(token) <= 2000 else None


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    zalo_oa = commands.add_parser("zalo-oa", help="Zalo Official Account: kết nối, khóa truy cập")
    actions = zalo_oa.add_subparsers(dest="zalo_oa_command", required=True)
    connect = actions.add_parser("connect", help="in liên kết cấp quyền cho quản trị viên OA, rồi lưu khóa")
    connect.set_defaults(handler=cmd_connect)
    token = actions.add_parser("token", help="khóa truy cập của OA").add_subparsers(
        dest="token_command", required=True
    )
    setting = token.add_parser("set", help="lưu cặp khóa lấy từ API Explorer")
    setting.add_argument("--access-token", required=True)
    setting.add_argument("--refresh-token", required=True)
    setting.add_argument("--expires-in", type=int, default=90_000, help="giây (mặc định 90000 = 25 giờ)")
    setting.set_defaults(handler=cmd_token_set)
