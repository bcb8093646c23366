"""``nghedan run`` as a real process: killed in the middle of a conversation, restarted, the conversation
goes on; and the start-up messages when something is missing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.telegram_fake import updates as tg
from tests.telegram_fake.server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def environment(fake: FakeTelegram, folder: Path, *, token: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGHEDAN_")}
    env.update(
        {
            "NGHEDAN_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}",
            "NGHEDAN_TELEGRAM__API_BASE": fake.base_url,
            "NGHEDAN_TELEGRAM__LISTEN_PORT": "0",
            "NGHEDAN_DELIVERY__CHAT_PER_SECOND": "50",
            "NGHEDAN_DELIVERY__CHAT_BURST": "20",
            "NGHEDAN_LOG_LEVEL": "WARNING",
        }
    )
    if token:
        env["NGHEDAN_TELEGRAM__TOKEN"] = fake.token
    return env


async def nghedan(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def run_to_end(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await nghedan(*args, env=env)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_killed_bot_restarts_and_the_conversation_goes_on(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    env = environment(fake, tmp_path)
    try:
        status, _, err = await run_to_end("commune", "import", "examples/commune.phu-thinh.toml", env=env)
        assert status == 0, err
        bot = await nghedan("run", env=env)
        fake.push(tg.text(701, "/guidon"))
        await fake.wait_until(
            lambda: any("Đồng ý" in str(m.get("reply_markup")) for m in fake.messages_to(701)), within=30
        )
        consent = fake.messages_to(701)[-1]
        agree = consent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.push(tg.callback(701, agree, consent["message_id"]))
        await fake.wait_until(lambda: any("loại ý kiến nào" in t for t in fake.texts_to(701)), within=30)

        bot.send_signal(signal.SIGKILL)  # no chance to clean up
        await bot.wait()

        restarted = await nghedan("run", env=env)
        kinds = fake.messages_to(701)[-1]
        phan_anh = kinds["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.push(tg.callback(701, phan_anh, kinds["message_id"]))
        try:
            await fake.wait_until(lambda: any("lĩnh vực nào" in t for t in fake.texts_to(701)), within=30)
        except TimeoutError:
            restarted.kill()
            _, err = await restarted.communicate()
            raise AssertionError(
                err.decode()[-3000:] + str(fake.texts_to(701)) + str(fake.rejected)
            ) from None
        restarted.send_signal(signal.SIGTERM)  # a clean stop
        assert await asyncio.wait_for(restarted.wait(), timeout=30) == 0
        # Nothing was lost. Only a message on the wire at the instant of the kill can come twice.
        texts = fake.texts_to(701)
        assert texts.count(texts[-1]) == 1
        assert len(texts) - len(set(texts)) <= 1
    finally:
        await fake.stop()


async def test_run_without_a_token_or_a_commune_says_what_to_do(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    try:
        status, _, err = await run_to_end("run", env=environment(fake, tmp_path, token=False))
        assert status == 2
        assert "NGHEDAN_TELEGRAM__TOKEN" in err
        status, _, err = await run_to_end("run", env=environment(fake, tmp_path))
        assert status == 1
        assert "nghedan commune import examples/commune.phu-thinh.toml" in err
    finally:
        await fake.stop()


async def test_a_qr_poster_is_written_for_the_deep_link(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    env = environment(fake, tmp_path)
    try:
        assert (await run_to_end("commune", "import", "examples/commune.phu-thinh.toml", env=env))[0] == 0
        poster = tmp_path / "poster.png"
        status, out, err = await run_to_end("qr", "--out", str(poster), "--file", env=env)
        assert status == 0, err
        assert "https://t.me/nghedan_test_bot?start=PT_gui" in out
        assert poster.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        status, _, err = await run_to_end("qr", "--out", str(poster), "--payload", "có dấu", env=env)
        assert status == 2
        assert "không hợp lệ" in err
    finally:
        await fake.stop()
