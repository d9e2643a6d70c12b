"""Settings from the environment and an optional ``.env`` file.

Nothing here runs at import time: :func:`load_settings` is called by ``main()``.
"""

from __future__ import annotations

import re
import sys
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")


# The optional settings are checked by their type: a value that is not given (None, or empty:
# Settings._empty_is_unset) never reaches these checks.


def _token_format(value: SecretStr) -> SecretStr:
    if not TOKEN_RE.match(value.get_secret_value().strip()):
        raise ValueError("expected the token from @BotFather, like 123456789:AAE...")
    return SecretStr(value.get_secret_value().strip())


def _base_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("expected a base URL like http://127.0.0.1:8081")
    return value.rstrip("/")


def _usable_form(value: Path) -> Path:
    if not value.is_file():
        raise ValueError(f"file {value} does not exist")
    from bot.registration.form import (  # the questionnaire must be usable too
        FormError,
        load_form,
    )

    try:
        load_form(value)
    except (FormError, OSError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None
    return value


BotToken = Annotated[SecretStr, AfterValidator(_token_format)]
BaseUrl = Annotated[str, AfterValidator(_base_url)]
FormFile = Annotated[Path, AfterValidator(_usable_form)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: BotToken | None = None  # required to run the bot, not for the CLI tools
    database_path: Path = Path("data/bot.sqlite3")
    # How long a write waits for another process's lock (a backup, an admin's sqlite3 shell)
    # before the bot treats the database as unavailable for that moment.
    db_busy_timeout_ms: int = Field(default=10_000, ge=50, le=600_000)
    telegram_api_url: BaseUrl | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Moscow"
    default_locale: Literal["ru", "en"] = "ru"
    form_path: FormFile | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    events_page_size: int = Field(default=5, ge=1, le=10)
    broadcast_rate: float = Field(default=25, gt=0, le=1000)
    # Flood control (handlers/throttle.py, bot/telegram.py): updates per second one person may
    # send (sustained, and at once), replies per second to one chat (Telegram's limit), and
    # updates handled at the same time.
    flood_rate: float = Field(default=2.0, gt=0, le=10_000)
    flood_burst: int = Field(default=10, ge=1, le=100_000)
    reply_rate: float = Field(default=1.0, gt=0, le=10_000)
    reply_burst: int = Field(default=6, ge=1, le=100_000)
    updates_concurrency: int = Field(default=100, ge=1, le=10_000)
    reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    feedback_delay: Annotated[timedelta, NoDecode] = timedelta(hours=2)
    quiet_hours: Annotated[tuple[time, time] | None, NoDecode] = None
    # An unfinished questionnaire (FSM state and draft) untouched this long is deleted.
    draft_ttl_days: int = Field(default=30, ge=1, le=3650)
    # How long a coordinator's invitation link works (it can also be revoked before).
    invite_ttl_days: int = Field(default=7, ge=1, le=365)
    # Reports to the federal centre (bot/reports/): where the files coordinators send are
    # kept (a folder per event), how many days after an event its report is due (then one
    # reminder), and the programme's name on certificates (empty: the text of locales/).
    reports_dir: Path = Path("data/reports")
    report_due_days: int = Field(default=5, ge=1, le=365)
    programme_name: str = Field(default="", max_length=200)

    # --- Operations (issue 11, bot/ops/): webhook mode, backups, retention, metrics, logs ---
    # Webhook mode is on when WEBHOOK_URL is set (https; http only for a loopback host, which
    # is how the tests reach it); polling otherwise. WEBHOOK_SECRET is required with it.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=0, le=65535)
    # A daily online backup into BACKUP_DIR at BACKUP_TIME (TIMEZONE), the newest BACKUP_KEEP kept.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=3650)
    backup_time: Annotated[time, NoDecode] = time(3, 30)
    # Personal data of people inactive this many days is erased (None: kept until they ask).
    retention_days: int | None = Field(default=None, ge=30, le=36500)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"

    @field_validator(
        "webhook_url",
        "webhook_secret",
        "backup_dir",
        "retention_days",
        "metrics_port",
        mode="before",
    )
    @classmethod
    def _ops_empty_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "off"):
            return None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.ops.webhook import check_webhook_url

        return check_webhook_url(value)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("webhook_url") is not None:
                raise ValueError(
                    "is not set; webhook mode (WEBHOOK_URL) needs a secret that Telegram sends "
                    "with every update"
                )
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("backup_time", mode="before")
    @classmethod
    def _backup_time(cls, value: object) -> object:
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
            try:
                return time(int(match.group(1)), int(match.group(2)))  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                raise ValueError("expected a time like 03:30") from None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    # Check-in (issue 10): the key of the personal QR links; when unset, one derived from the
    # bot token (bot/attendance/tokens.py). Set it to keep the QR codes valid across a token
    # change, or to let the command line print codes without the token.
    checkin_secret: SecretStr | None = None

    @field_validator("bot_token", "form_path", "telegram_api_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # "BOT_TOKEN=" in .env or docker-compose means "not set", not "a malformed value".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, int):
            return frozenset({value})
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("[") and text.endswith("]"):
                text = text[1:-1]  # the JSON list form, [1, 2]
            parts = [p for p in re.split(r"[,;\s]+", text) if p]
            for part in parts:
                if not part.isdigit():
                    raise ValueError(f"{part!r} is not a Telegram user id (digits only)")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            from bot.events.durations import parse_offset

            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not parts:
                return ()
            offsets = sorted({parse_offset(p) for p in parts}, reverse=True)
            return tuple(offsets)
        return value

    @field_validator("feedback_delay", mode="before")
    @classmethod
    def _delay(cls, value: object) -> object:
        if isinstance(value, str):
            from bot.events.durations import parse_offset

            return parse_offset(value)
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet(cls, value: object) -> object:
        if value in (None, "", "off"):
            return None
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
            if not match:
                raise ValueError("expected a range like 22:00-09:00")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                return (time(h1, m1), time(h2, m2))
            except ValueError:
                raise ValueError("expected a range like 22:00-09:00") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Moscow") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_path")
    @classmethod
    def _database_file(cls, value: Path) -> Path:
        if str(value) in ("", "."):
            raise ValueError("is empty; give a file path like data/bot.sqlite3")
        if value.is_dir():
            raise ValueError(f"{value} is a directory; give a file path like data/bot.sqlite3")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "is not set (put it in the environment or in .env)"
            lines.append(f"{name}: {msg}")
        raise SettingsError("; ".join(lines)) from None


def load_settings_or_exit(*, need_token: bool, **overrides: object) -> Settings:
    """Settings, or one clear line naming the bad setting and exit status 2."""
    try:
        settings = load_settings(**overrides)
        if need_token and settings.bot_token is None:
            raise SettingsError(
                "BOT_TOKEN: is not set (put the token from @BotFather in the environment or .env)"
            )
        return settings
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
