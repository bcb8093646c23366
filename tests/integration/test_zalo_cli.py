"""The Zalo side of the ``nghedan`` command line, run in-process on an SQLite file: storing the Official
Account's OAuth tokens (``zalo-oa token set``, ``zalo-oa connect``), staff on the Zalo channels, and ``run``
refusing to start without a channel or with a token the platform refuses.

``main()`` runs its own ``asyncio.run`` (and ``nghedan run`` installs signal handlers, which only the main
thread may do), so the tests are synchronous and the fake Zalo servers run on an event loop of their own in a
background thread (``serving``)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.bootstrap import bootstrap
from bot.cli import main
from bot.settings import load_settings
from bot.zalo_oa.runtime import token_store
from bot.zalo_oa.tokens import NoToken
from tests.platform_fake import FakePlatform
from tests.zalo_fake.bot_api import FakeZaloBot
from tests.zalo_fake.oa_api import FakeZaloOA
from tests.zalo_fake.oa_events import APP_ID, OA_ID

F = TypeVar("F", bound=FakePlatform)
T = TypeVar("T")

APP_SECRET = "app-secret-for-tests"  # the fake's defaults
SECRET_KEY = "oa-secret-key-for-tests"
REDIRECT_URI = "https://nghedan.phuthinh.gov.vn/zalo-oa/callback"
ACCESS = "oa-access-token-phu-thinh-0001"
REFRESH = "oa-refresh-token-phu-thinh-0001"
OA_STAFF = "2468013579246801357"  # an admin's id with the commune's Official Account
BOT_STAFF = "6ede9afa66b88fe6d6a9"  # a clerk's id with the Zalo Bot


# -- a fake Zalo server on its own loop, in a thread --------------------------------------------------------


@dataclass
class Served(Generic[F]):
    """A fake platform answering from a background thread's event loop."""

    fake: F
    loop: asyncio.AbstractEventLoop

    @property
    def base_url(self) -> str:
        return self.fake.base_url

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the fake's own loop (its state is only touched there) and return its result."""

        async def run() -> T:
            return work()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=10)


@contextlib.contextmanager
def serving(make: Callable[[], F]) -> Iterator[Served[F]]:
    """Start the fake ``make()`` builds on a new event loop in a background thread; stop it (and let its last
    tasks finish) at the end."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="zalo-fake", daemon=True)
    thread.start()

    async def start() -> F:
        fake = make()
        await fake.start()
        return fake

    async def stop(fake: F) -> None:
        await fake.stop()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        await asyncio.gather(*others, return_exceptions=True)

    try:
        fake = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
        try:
            yield Served(fake, loop)
        finally:
            asyncio.run_coroutine_threadsafe(stop(fake), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        assert not thread.is_alive()
        loop.close()


@pytest.fixture
def zalo_oa() -> Iterator[Served[FakeZaloOA]]:
    with serving(FakeZaloOA) as served:
        yield served


@pytest.fixture
def zalo_bot() -> Iterator[Served[FakeZaloBot]]:
    with serving(FakeZaloBot) as served:
        yield served


# -- environment and database -------------------------------------------------------------------------------


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``NGHEDAN_*`` variable of the machine running the tests leaks in (a token would start a channel)."""
    for name in list(os.environ):
        if name.startswith("NGHEDAN_"):
            monkeypatch.delenv(name)


@pytest.fixture
def commune(no_settings: None, imported: None, tmp_path: Path) -> Path:
    """The demo commune in a fresh SQLite file (``NGHEDAN_DATABASE_URL``); the file's path."""
    return tmp_path / "cli.sqlite3"


@pytest.fixture
def oa_settings(commune: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The four variables that configure the Official Account (the fake's app)."""
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_ID", APP_ID)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_SECRET", APP_SECRET)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OA_ID", OA_ID)


@pytest.fixture
def connectable(
    oa_settings: None, zalo_oa: Served[FakeZaloOA], monkeypatch: pytest.MonkeyPatch
) -> Served[FakeZaloOA]:
    """The Official Account set up for ``nghedan zalo-oa connect`` against the fake OAuth server, which
    accepts only the callback address declared for the app."""
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OAUTH_BASE", zalo_oa.base_url)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__API_BASE", zalo_oa.base_url)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__REDIRECT_URI", REDIRECT_URI)
    zalo_oa.call(lambda: setattr(zalo_oa.fake, "callback_url", REDIRECT_URI))
    return zalo_oa


def stored_rows(database: Path) -> list[tuple[str, str, str, str, str, int]]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT channel, account, access_token, refresh_token, access_expires_at, generation"
            " FROM channel_tokens"
        ).fetchall()


def read_access_token() -> str:
    """The access token as the running bot would get it: a TokenStore built from the same settings (the
    environment)."""

    async def read() -> str:
        app = await bootstrap(load_settings())
        try:
            return await token_store(app).access_token()
        finally:
            await app.aclose()

    return asyncio.run(read())


# -- the OA admin at the consent page -------------------------------------------------------------------------


def consent_link(printed: str) -> str:
    lines = [line.strip() for line in printed.splitlines() if "/v4/oa/permission?" in line]
    assert len(lines) == 1, printed
    return lines[0]


def consent_query(link: str) -> dict[str, str]:
    query = parse_qs(urlsplit(link).query)
    assert all(len(values) == 1 for values in query.values()), link
    return {name: values[0] for name, values in query.items()}


class AdminAtTheKeyboard:
    """Stands in for ``sys.stdin`` of ``nghedan zalo-oa connect``: when the command waits for an answer, it reads the
    consent link the command has printed and types what ``answer`` makes of it (an admin who opened the link,
    consented and copied the address the browser landed on)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], answer: Callable[[str], str]) -> None:
        self._capsys = capsys
        self._answer = answer
        self.printed = ""
        self.link = ""

    def readline(self) -> str:
        self.printed += self._capsys.readouterr().out
        self.link = consent_link(self.printed)
        return self._answer(self.link) + "\n"


def callback_after_consent(zalo_oa: Served[FakeZaloOA]) -> Callable[[str], str]:
    """The admin consents (``authorize`` at the fake) and pastes the callback address Zalo redirected to."""

    def answer(link: str) -> str:
        query = consent_query(link)
        code = zalo_oa.call(lambda: zalo_oa.fake.authorize(query["code_challenge"]))
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'oa_id': OA_ID, 'state': query['state']})}"

    return answer


def code_after_consent(zalo_oa: Served[FakeZaloOA]) -> Callable[[str], str]:
    """The admin consents and pastes only the ``code`` of the callback address."""

    def answer(link: str) -> str:
        return zalo_oa.call(lambda: zalo_oa.fake.authorize(consent_query(link)["code_challenge"]))

    return answer


def browser_redirect(link: str) -> str:
    """What a browser opening the consent link lands on: the ``Location`` of the consent page's redirect."""
    parts = urlsplit(link)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 302, body
    location = response.getheader("Location")
    assert location is not None
    return location


# -- 1. nghedan zalo-oa token set -----------------------------------------------------------------------------


def test_token_set_keeps_the_tokens_encrypted_and_the_bot_reads_them_back(
    oa_settings: None, commune: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = datetime.now(UTC)
    argv = ["zalo-oa", "token", "set", "--access-token", ACCESS, "--refresh-token", REFRESH]
    assert main([*argv, "--expires-in", "90000"]) == 0
    out = capsys.readouterr().out
    assert "Đã lưu khóa của Zalo Official Account (mã hóa trong cơ sở dữ liệu)" in out
    assert "còn hạn khoảng 25 giờ" in out

    [(channel, account, access, refresh, expires_at, generation)] = stored_rows(commune)
    assert (channel, account, generation) == ("zalo_oa", OA_ID, 1)
    for sealed in (access, refresh):
        assert ACCESS not in sealed
        assert REFRESH not in sealed
        assert "phu-thinh" not in sealed
    assert access != refresh
    expires = datetime.fromisoformat(expires_at)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert before + timedelta(seconds=90_000) - timedelta(minutes=1) <= expires
    assert expires <= datetime.now(UTC) + timedelta(seconds=90_000)

    assert read_access_token() == ACCESS
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_SECRET", "another-app-secret")
    with pytest.raises(NoToken):  # the key comes from the app secret: another secret cannot read them
        read_access_token()


def test_token_set_again_replaces_the_stored_pair(
    oa_settings: None, commune: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["zalo-oa", "token", "set", "--refresh-token", REFRESH]
    assert main([*argv, "--access-token", ACCESS]) == 0
    assert main([*argv, "--access-token", "oa-access-token-phu-thinh-0002"]) == 0
    capsys.readouterr()
    [row] = stored_rows(commune)
    assert row[-1] == 2  # the same row, one generation on
    assert read_access_token() == "oa-access-token-phu-thinh-0002"


def test_token_set_without_the_official_account_settings_says_what_to_configure(
    commune: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["zalo-oa", "token", "set", "--access-token", ACCESS, "--refresh-token", REFRESH]
    assert main([*argv, "--expires-in", "90000"]) == 2
    err = capsys.readouterr().err
    assert "Chưa cấu hình Zalo Official Account" in err
    for variable in ("NGHEDAN_ZALO_OA__APP_ID", "__APP_SECRET", "__SECRET_KEY", "__OA_ID"):
        assert variable in err
    assert stored_rows(commune) == []


@pytest.mark.parametrize(
    ("access", "refresh", "expires_in"),
    [("", REFRESH, "90000"), (ACCESS, "", "90000"), ("   ", REFRESH, "90000"), (ACCESS, REFRESH, "0")],
    ids=["empty access token", "empty refresh token", "blank access token", "no lifetime"],
)
def test_token_set_refuses_an_empty_token_or_a_lifetime_that_is_not_positive(
    oa_settings: None,
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    access: str,
    refresh: str,
    expires_in: str,
) -> None:
    argv = ["zalo-oa", "token", "set", "--access-token", access, "--refresh-token", refresh]
    assert main([*argv, "--expires-in", expires_in]) == 2
    assert "phải khác rỗng và thời hạn phải là số giây dương" in capsys.readouterr().err
    assert stored_rows(commune) == []


# -- 2. nghedan zalo-oa connect -------------------------------------------------------------------------------


def test_connect_without_the_official_account_or_its_callback_address_says_what_is_missing(
    commune: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("should-not-be-read\n"))
    assert main(["zalo-oa", "connect"]) == 2
    assert "Chưa cấu hình Zalo Official Account" in capsys.readouterr().err

    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_ID", APP_ID)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_SECRET", APP_SECRET)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OA_ID", OA_ID)
    assert main(["zalo-oa", "connect"]) == 2
    captured = capsys.readouterr()
    assert "Chưa có NGHEDAN_ZALO_OA__REDIRECT_URI" in captured.err
    assert "«Official Account Callback Url»" in captured.err
    assert "permission" not in captured.out  # no link printed
    assert stored_rows(commune) == []


def test_connect_prints_the_consent_link_and_stores_the_tokens_of_the_pasted_callback_address(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = AdminAtTheKeyboard(capsys, callback_after_consent(connectable))
    monkeypatch.setattr("sys.stdin", admin)
    assert main(["zalo-oa", "connect"]) == 0

    assert "Quản trị viên của Official Account mở liên kết sau" in admin.printed
    assert "Dán toàn bộ địa chỉ đó (hoặc chỉ mã code) vào đây" in admin.printed
    assert admin.link.startswith(f"{connectable.base_url}/v4/oa/permission?")
    query = consent_query(admin.link)
    assert set(query) == {"app_id", "redirect_uri", "code_challenge", "state"}
    assert query["app_id"] == APP_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256 digest, unpadded (S256)
    assert len(query["state"]) >= 16

    out = capsys.readouterr().out
    assert "Đã kết nối Zalo Official Account" in out
    assert "còn hạn khoảng 25 giờ" in out
    issued = connectable.call(lambda: connectable.fake.access_token)
    assert issued == "access-1"  # the code was exchanged (with the PKCE verifier the fake checked)
    [row] = stored_rows(commune)
    assert row[:2] == ("zalo_oa", OA_ID)
    assert issued not in row[2]
    assert read_access_token() == issued


def test_connect_takes_the_address_the_consent_page_redirects_the_browser_to(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", AdminAtTheKeyboard(capsys, browser_redirect))
    assert main(["zalo-oa", "connect"]) == 0
    assert "Đã kết nối Zalo Official Account" in capsys.readouterr().out
    assert read_access_token() == connectable.call(lambda: connectable.fake.access_token)


def test_connect_takes_the_code_pasted_alone(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", AdminAtTheKeyboard(capsys, code_after_consent(connectable)))
    assert main(["zalo-oa", "connect"]) == 0
    assert "Đã kết nối Zalo Official Account" in capsys.readouterr().out
    assert read_access_token() == "access-1"


def test_connect_refuses_a_callback_address_of_another_connection_attempt(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consented = callback_after_consent(connectable)

    def stale(link: str) -> str:
        return consented(link).replace("state=", "state=other")

    monkeypatch.setattr("sys.stdin", AdminAtTheKeyboard(capsys, stale))
    assert main(["zalo-oa", "connect"]) == 2
    err = capsys.readouterr().err
    assert "Không đọc được mã cấp quyền (hoặc địa chỉ không thuộc lần kết nối này)" in err
    assert "nghedan zalo-oa connect" in err
    assert connectable.call(lambda: connectable.fake.access_token) == "access-0"  # Zalo was not asked
    assert stored_rows(commune) == []


def test_connect_refuses_the_callback_address_of_another_official_account(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consented = callback_after_consent(connectable)

    def other_account(link: str) -> str:
        return consented(link).replace(f"oa_id={OA_ID}", "oa_id=1122334455667788990")

    monkeypatch.setattr("sys.stdin", AdminAtTheKeyboard(capsys, other_account))
    assert main(["zalo-oa", "connect"]) == 2
    assert stored_rows(commune) == []


def test_connect_reports_a_code_zalo_refuses(
    connectable: Served[FakeZaloOA],
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("code-that-zalo-never-issued\n"))
    assert main(["zalo-oa", "connect"]) == 1
    err = capsys.readouterr().err
    assert "Zalo không chấp nhận mã cấp quyền (Invalid authorization code)" in err
    assert "hãy chạy lại: nghedan zalo-oa connect" in err
    assert stored_rows(commune) == []


def test_connect_reports_an_unreachable_oauth_server(
    oa_settings: None,
    commune: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as closed:  # bound but not listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        monkeypatch.setenv("NGHEDAN_ZALO_OA__OAUTH_BASE", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("NGHEDAN_ZALO_OA__REDIRECT_URI", REDIRECT_URI)
        monkeypatch.setattr("sys.stdin", io.StringIO("code-from-the-callback\n"))
        assert main(["zalo-oa", "connect"]) == 1
    captured = capsys.readouterr()
    assert f"http://127.0.0.1:{port}/v4/oa/permission?" in captured.out
    assert "Không kết nối được máy chủ cấp quyền của Zalo" in captured.err
    assert "Hãy thử lại sau." in captured.err
    assert stored_rows(commune) == []


# -- 3. staff on the Zalo channels ----------------------------------------------------------------------------


def add_staff(option: str, account: str, role: str, name: str) -> int:
    return main(["staff", "add", option, account, "--role", role, "--name", name])


def test_staff_are_added_on_the_zalo_channel_they_use_and_listed_with_it(
    commune: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_staff("--zalo-oa-id", OA_STAFF, "admin", "Trần Thị Văn") == 0
    assert "Đã thêm Trần Thị Văn (admin) vào danh sách cán bộ của Xã Phú Thịnh." in capsys.readouterr().out
    assert add_staff("--zalo-bot-id", BOT_STAFF, "clerk", "Nguyễn Văn Bình") == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"• Trần Thị Văn — Zalo Official Account {OA_STAFF} — admin" in listing
    assert f"• Nguyễn Văn Bình — Zalo Bot {BOT_STAFF} — clerk" in listing


def test_staff_remove_by_zalo_oa_id_removes_the_official_account_member_only(
    commune: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_staff("--zalo-oa-id", OA_STAFF, "admin", "Trần Thị Văn") == 0
    assert add_staff("--zalo-bot-id", BOT_STAFF, "clerk", "Nguyễn Văn Bình") == 0
    capsys.readouterr()
    # the same id on another channel is another person
    assert main(["staff", "remove", "--zalo-bot-id", OA_STAFF]) == 2
    assert (
        f"Không có cán bộ nào dùng tài khoản Zalo Bot {OA_STAFF} ở Xã Phú Thịnh." in capsys.readouterr().err
    )
    assert main(["staff", "remove", "--zalo-oa-id", OA_STAFF]) == 0
    assert "Đã xóa Trần Thị Văn khỏi danh sách cán bộ" in capsys.readouterr().out
    assert main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Trần Thị Văn" not in listing
    assert f"• Nguyễn Văn Bình — Zalo Bot {BOT_STAFF} — clerk" in listing


# -- 4. nghedan run -------------------------------------------------------------------------------------------


def test_run_without_any_channel_names_the_three_groups_of_variables(
    commune: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Chưa cấu hình kênh nhắn tin nào" in err
    assert (
        "• Zalo Official Account: NGHEDAN_ZALO_OA__APP_ID, NGHEDAN_ZALO_OA__APP_SECRET, "
        "NGHEDAN_ZALO_OA__SECRET_KEY, NGHEDAN_ZALO_OA__OA_ID" in err
    )
    assert "• Zalo Bot: NGHEDAN_ZALO_BOT__TOKEN" in err
    assert "• Telegram: NGHEDAN_TELEGRAM__TOKEN" in err


def test_run_with_a_zalo_bot_token_the_platform_refuses_says_which_token_to_check(
    commune: Path,
    zalo_bot: Served[FakeZaloBot],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NGHEDAN_ZALO_BOT__TOKEN", "1459232241454765289:NotTheTokenOfThisBot")
    monkeypatch.setenv("NGHEDAN_ZALO_BOT__API_BASE", zalo_bot.base_url)
    monkeypatch.setenv("NGHEDAN_HTTP__LISTEN_HOST", "127.0.0.1")
    monkeypatch.setenv("NGHEDAN_HTTP__LISTEN_PORT", "0")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "Zalo Bot Platform không nhận token này (sai hoặc đã bị đặt lại)" in err
    assert "NGHEDAN_ZALO_BOT__TOKEN" in err
    assert zalo_bot.call(lambda: list(zalo_bot.fake.calls)) == []  # nothing got past the token check
