from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, ConfigFileMissing, load_settings


def test_defaults_are_the_embedded_sqlite_database_without_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NGHEDAN_DATABASE_URL", "NGHEDAN_CONFIG", "NGHEDAN_TELEGRAM__TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database == DEFAULT_DATABASE_URL
    assert settings.migrates_itself
    assert settings.telegram.token is None


def test_environment_overrides_the_toml_file_and_nests_with_double_underscore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "nghedan.toml"
    config.write_text(
        'database_url = "postgresql+asyncpg://u:p@db/nghedan"\n[intake]\ndraft_ttl_days = 3\nresume_after_minutes = 5\n'
        '[telegram]\ntoken = "123:from-file"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NGHEDAN_CONFIG", str(config))
    monkeypatch.setenv("NGHEDAN_INTAKE__DRAFT_TTL_DAYS", "2")
    settings = load_settings()
    assert settings.intake.draft_ttl_days == 2
    assert settings.intake.resume_after_minutes == 5
    assert not settings.migrates_itself  # a server database is migrated on purpose, never by surprise
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123:from-file"
    assert "from-file" not in repr(settings)
    assert "u:p@" not in repr(settings)


def test_a_missing_config_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NGHEDAN_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigFileMissing):
        load_settings()


def _clear_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "NGHEDAN_CONFIG",
        "NGHEDAN_HTTP__LISTEN_HOST",
        "NGHEDAN_HTTP__LISTEN_PORT",
        "NGHEDAN_TELEGRAM__LISTEN_HOST",
        "NGHEDAN_TELEGRAM__LISTEN_PORT",
        "NGHEDAN_ZALO_OA__APP_ID",
        "NGHEDAN_ZALO_OA__APP_SECRET",
        "NGHEDAN_ZALO_OA__SECRET_KEY",
        "NGHEDAN_ZALO_OA__OA_ID",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_shared_http_server_listens_where_http_says_and_the_telegram_names_still_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _clear_channels(monkeypatch)
    assert load_settings().listen_address() == ("127.0.0.1", 8080)
    monkeypatch.setenv("NGHEDAN_TELEGRAM__LISTEN_HOST", "0.0.0.0")  # noqa: S104 - a setting's value
    monkeypatch.setenv("NGHEDAN_TELEGRAM__LISTEN_PORT", "8443")
    assert load_settings().listen_address() == ("0.0.0.0", 8443)  # noqa: S104
    monkeypatch.setenv("NGHEDAN_HTTP__LISTEN_PORT", "9000")
    assert load_settings().listen_address() == ("0.0.0.0", 9000)  # noqa: S104


def test_a_zalo_official_account_is_served_only_with_all_four_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _clear_channels(monkeypatch)
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_ID", "3608465248940903967")
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OA_ID", "388613280878808645")
    monkeypatch.setenv("NGHEDAN_ZALO_OA__APP_SECRET", "app-secret")
    assert not load_settings().zalo_oa.configured
    monkeypatch.setenv("NGHEDAN_ZALO_OA__SECRET_KEY", "oa-secret-key")
    settings = load_settings()
    assert settings.zalo_oa.configured
    assert "oa-secret-key" not in repr(settings)
    assert "app-secret" not in repr(settings)
