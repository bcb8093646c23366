"""Settings from the environment (``NGHEDAN_*``, nested with ``__``) and an optional TOML file named by
``NGHEDAN_CONFIG``. Built once at start-up by ``load_settings``; nothing reads the environment at import."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from handlers.cases.services import OfficeConfig
from handlers.cases.sweep import ReminderConfig
from handlers.delivery.ratelimit import RateLimits
from handlers.kernel.config import IntakeConfig
from store.database import is_sqlite

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///nghedan.sqlite3"
DEFAULT_LISTEN_HOST = "127.0.0.1"
DEFAULT_LISTEN_PORT = 8080


class IntakeSettings(BaseModel):
    content_min: int = Field(default=20, ge=1)
    content_max: int = Field(default=4000, ge=100, le=4000)
    max_attachments: int = Field(default=5, ge=0, le=10)
    max_attachment_mb: int = Field(default=20, ge=1, le=20)
    draft_ttl_days: int = Field(default=7, ge=1)
    resume_after_minutes: int = Field(default=60, ge=1)

    def to_config(self) -> IntakeConfig:
        return IntakeConfig(
            content_min=self.content_min,
            content_max=self.content_max,
            max_attachments=self.max_attachments,
            max_attachment_bytes=self.max_attachment_mb * 1024 * 1024,
            draft_ttl=timedelta(days=self.draft_ttl_days),
            resume_after=timedelta(minutes=self.resume_after_minutes),
        )


class SendingRates(BaseModel):
    """How fast a channel may be sent to, as caps the sender keeps (messages a second for the whole bot and
    for bulk notices, per chat with a burst). A channel without groups counts a chat's per-minute cap from
    its per-second one."""

    global_per_second: float = Field(default=30.0, gt=0)
    bulk_per_second: float = Field(default=25.0, gt=0)
    chat_per_second: float = Field(default=1.0, gt=0)
    chat_burst: int = Field(default=3, ge=1)

    def limits(self) -> RateLimits:
        return RateLimits(
            global_per_second=self.global_per_second,
            bulk_per_second=min(self.bulk_per_second, self.global_per_second),
            chat_per_second=self.chat_per_second,
            chat_burst=self.chat_burst,
            group_per_minute=self._group_per_minute(),
        )

    def _group_per_minute(self) -> float:
        return self.chat_per_second * 60


class DeliverySettings(SendingRates):
    """Sending limits (Telegram: ~30 msg/s per bot, ~1/s per private chat, 20/min per group). With several
    workers, only the elected leader sends queued traffic, so these are whole-deployment figures."""

    group_per_minute: float = Field(default=20.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)

    def _group_per_minute(self) -> float:
        return self.group_per_minute


class OfficeSettings(BaseModel):
    """The office's working rules: invitation lifetime, what counts as a duplicate or a hot spot."""

    invite_hours: int = Field(default=72, ge=1, le=24 * 30)
    duplicate_window_days: int = Field(default=30, ge=1)
    hot_spot_window_days: int = Field(default=7, ge=1)
    hot_spot_threshold: int = Field(default=5, ge=2)
    result_min_chars: int = Field(default=40, ge=1)

    def to_config(self) -> OfficeConfig:
        return OfficeConfig(
            invite_ttl=timedelta(hours=self.invite_hours),
            duplicate_window=timedelta(days=self.duplicate_window_days),
            hot_spot_window=timedelta(days=self.hot_spot_window_days),
            hot_spot_threshold=self.hot_spot_threshold,
            result_min_chars=self.result_min_chars,
        )


class ReminderSettings(BaseModel):
    """When the scheduler reminds and escalates (working days, local time)."""

    sweep_minutes: int = Field(default=5, ge=1, le=120)
    before_working_days: list[int] = Field(default=[3, 1, 0])
    escalate_after_working_days: int = Field(default=2, ge=1)
    work_start: time = time(7, 30)
    work_end: time = time(17, 30)
    digest: bool = True

    def to_config(self) -> ReminderConfig:
        return ReminderConfig(
            before_working_days=tuple(
                sorted({max(0, days) for days in self.before_working_days}, reverse=True)
            ),
            escalate_after_working_days=self.escalate_after_working_days,
            work_start=self.work_start,
            work_end=self.work_end,
            digest=self.digest,
        )


class HttpSettings(BaseModel):
    """The one HTTP server of ``nghedan run``: every channel's webhook and ``GET /healthz``. Unset, the
    Telegram names (``NGHEDAN_TELEGRAM__LISTEN_HOST`` / ``__LISTEN_PORT``) are read, then the defaults."""

    listen_host: str | None = None
    listen_port: int | None = Field(default=None, ge=0, le=65535)
    # Where the public reaches this server (the webhooks' host), and the secret that signs download links
    # to files the bot made, for channels that cannot carry them (bot/files.py). Both, or no links.
    public_url: str | None = None
    link_secret: SecretStr | None = Field(default=None, min_length=16)


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    api_base: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen_host: str | None = None  # alias of NGHEDAN_HTTP__LISTEN_HOST, kept for existing deployments
    listen_port: int | None = Field(default=None, ge=0, le=65535)  # alias of NGHEDAN_HTTP__LISTEN_PORT
    webhook_path: str = "/telegram/webhook"


class ZaloBotSettings(SendingRates):
    """The Zalo Bot Platform (bot.zaloplatforms.com): a token from «Zalo Bot Manager». With a webhook URL,
    ``nghedan run --webhook`` registers it; without, ``nghedan run`` polls. Zalo documents no sending rate:
    the caps are cautious guesses (README), and 429 (quota exceeded) backs off."""

    token: SecretStr | None = None
    api_base: str = "https://bot-api.zaloplatforms.com"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, min_length=8, max_length=256)
    webhook_path: str = "/zalo/webhook"
    global_per_second: float = Field(default=10.0, gt=0)
    bulk_per_second: float = Field(default=5.0, gt=0)


class ZaloOASettings(SendingRates):
    """A Zalo Official Account (Open API v3) through an app at developers.zalo.me. The OA has no polling:
    its webhook is served whenever it is configured. ``secret_key`` is the «OA Secret Key» of the app's
    Webhook page (it signs events); ``app_secret`` the app's own secret (OAuth, and the key the stored tokens
    are encrypted with). Zalo allows 4,000 API calls a minute per app; the caps stay well below."""

    app_id: str | None = None
    app_secret: SecretStr | None = None
    secret_key: SecretStr | None = None
    oa_id: str | None = None
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    webhook_path: str = "/zalo-oa/webhook"
    redirect_uri: str | None = (
        None  # the app's «Official Account Callback Url», for ``nghedan zalo-oa connect``
    )
    info_image_url: str | None = None  # the picture on the "share your contact details" request
    # Customer-service messages are free for 48 hours after the citizen's last message and paid (with a
    # Zalo Cloud Account) up to 7 days; unset, nothing is sent after the free window: it waits.
    free_window_hours: int = Field(default=48, ge=1, le=168)
    paid_replies: bool = False
    global_per_second: float = Field(default=20.0, gt=0)
    bulk_per_second: float = Field(default=10.0, gt=0)
    chat_burst: int = Field(default=5, ge=1)

    @property
    def configured(self) -> bool:
        return bool(
            self.app_id and self.oa_id and self.app_secret is not None and self.secret_key is not None
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NGHEDAN_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    # None: migrate automatically on the embedded SQLite database, refuse to start elsewhere.
    auto_migrate: bool | None = None
    log_level: str = "WARNING"
    intake: IntakeSettings = IntakeSettings()
    delivery: DeliverySettings = DeliverySettings()
    office: OfficeSettings = OfficeSettings()
    reminders: ReminderSettings = ReminderSettings()
    http: HttpSettings = HttpSettings()
    telegram: TelegramSettings = TelegramSettings()
    zalo_bot: ZaloBotSettings = ZaloBotSettings()
    zalo_oa: ZaloOASettings = ZaloOASettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("NGHEDAN_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def database(self) -> str:
        return self.database_url.get_secret_value()

    def reply_windows(self) -> tuple[tuple[str, int], ...]:
        """The configured channels that may message a person only for a while after they wrote."""
        return (("zalo_oa", self.zalo_oa.free_window_hours),) if self.zalo_oa.configured else ()

    def listen_address(self) -> tuple[str, int]:
        """Where ``nghedan run`` listens: ``http``, else the Telegram aliases, else 127.0.0.1:8080."""
        host = self.http.listen_host or self.telegram.listen_host or DEFAULT_LISTEN_HOST
        port = self.http.listen_port
        if port is None:
            port = self.telegram.listen_port if self.telegram.listen_port is not None else DEFAULT_LISTEN_PORT
        return host, port

    @property
    def migrates_itself(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return is_sqlite(self.database)


class ConfigFileMissing(Exception):
    pass


def load_settings(**overrides: Any) -> Settings:
    """Read settings once, at start-up: environment over the TOML file over defaults."""
    config_file = os.environ.get("NGHEDAN_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise ConfigFileMissing(config_file)
    return Settings(**overrides)
