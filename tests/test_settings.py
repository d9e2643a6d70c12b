"""Settings from the environment and .env: defaults, parsing, one clear line per mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings, load_settings_or_exit
from tests.support.process import ROOT, run_cli

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"
SETTING_NAMES = (
    "BOT_TOKEN",
    "DATABASE_PATH",
    "TELEGRAM_API_URL",
    "ADMIN_IDS",
    "TIMEZONE",
    "DEFAULT_LOCALE",
    "FORM_PATH",
    "LOG_LEVEL",
    "EVENTS_PAGE_SIZE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting from the machine running the tests, and a cwd without .env."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert "Traceback" not in message
    return message


# --- defaults and parsing ------------------------------------------------------------------


def test_defaults_with_only_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.telegram_api_url is None
    assert settings.admin_ids == frozenset()
    assert settings.timezone == "Europe/Moscow"
    assert settings.zone.key == "Europe/Moscow"
    assert settings.default_locale == "ru"
    assert settings.form_path is None
    assert settings.log_level == "INFO"


def test_token_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_token_is_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", f"  {TOKEN}\t")
    settings = load_settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123", {123}),
        ("1,2,3", {1, 2, 3}),
        (" 111, 222  333 ", {111, 222, 333}),
        ("[10, 20]", {10, 20}),
        ("", set()),
    ],
)
def test_admin_ids_parsing(monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[int]) -> None:
    monkeypatch.setenv("ADMIN_IDS", raw)
    assert load_settings().admin_ids == frozenset(expected)


def test_telegram_api_url_is_kept_without_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    assert load_settings().telegram_api_url == "http://127.0.0.1:8081"


def test_other_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db" / "bot.sqlite3"))
    monkeypatch.setenv("TIMEZONE", "Asia/Vladivostok")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.database_path == tmp_path / "db" / "bot.sqlite3"
    assert settings.zone.key == "Asia/Vladivostok"
    assert settings.default_locale == "en"
    assert settings.log_level == "DEBUG"


# --- one clear line naming the setting -------------------------------------------------------


def test_bad_bot_token_names_the_setting_and_hides_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = error_of(monkeypatch, BOT_TOKEN="12345:short-and-wrong")
    assert message.startswith("BOT_TOKEN:")
    assert "@BotFather" in message
    assert "short-and-wrong" not in message


def test_bad_timezone_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, BOT_TOKEN=TOKEN, TIMEZONE="Europe/Atlantis")
    assert message.startswith("TIMEZONE:")
    assert "Europe/Atlantis" in message


def test_bad_admin_ids_names_the_setting_and_the_bad_part(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, ADMIN_IDS="123, @coordinator")
    assert message.startswith("ADMIN_IDS:")
    assert "'@coordinator'" in message


def test_missing_form_path_file_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = error_of(monkeypatch, FORM_PATH=str(tmp_path / "nowhere.yaml"))
    assert message.startswith("FORM_PATH:")
    assert "nowhere.yaml" in message
    assert "does not exist" in message


def test_invalid_form_file_is_a_form_path_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    form = tmp_path / "form.yaml"
    form.write_text("questions:\n  - {id: Name, type: text, prompt: Имя}\n", "utf-8")
    message = error_of(monkeypatch, FORM_PATH=str(form))
    assert message.startswith("FORM_PATH:")
    assert "question #1: field id" in message


def test_bad_telegram_api_url_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, TELEGRAM_API_URL="localhost:8081")
    assert message.startswith("TELEGRAM_API_URL:")


def test_several_mistakes_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, TIMEZONE="Nowhere", LOG_LEVEL="loud")
    assert "TIMEZONE:" in message
    assert "LOG_LEVEL:" in message


def test_empty_bot_token_in_env_file_counts_as_not_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression: "BOT_TOKEN=" (a .env template) was reported as a malformed token and
    # even stopped the CLI tools, which do not need a token.
    (tmp_path / ".env").write_text("BOT_TOKEN=\n", "utf-8")
    assert load_settings().bot_token is None
    load_settings_or_exit(need_token=False)
    with pytest.raises(SystemExit) as caught:
        load_settings_or_exit(need_token=True)
    assert caught.value.code == 2
    assert "BOT_TOKEN: is not set" in capsys.readouterr().err


def test_empty_form_path_means_the_shipped_form(monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: FORM_PATH= was read as the path "." and refused as a missing file.
    monkeypatch.setenv("FORM_PATH", "")
    assert load_settings().form_path is None


@pytest.mark.parametrize("value", ["", "."])
def test_empty_database_path_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    # Regression: DATABASE_PATH= became the current directory and failed later in sqlite.
    message = error_of(monkeypatch, DATABASE_PATH=value)
    assert message.startswith("DATABASE_PATH:")


def test_directory_as_database_path_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = error_of(monkeypatch, DATABASE_PATH=str(tmp_path))
    assert message.startswith("DATABASE_PATH:")
    assert "directory" in message


def test_load_settings_or_exit_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIMEZONE", "Moscow")
    with pytest.raises(SystemExit) as caught:
        load_settings_or_exit(need_token=False)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert err.startswith("Configuration error: TIMEZONE:")


# --- .env --------------------------------------------------------------------------------


def test_env_file_in_cwd_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\nADMIN_IDS=42, 43\nTIMEZONE=Asia/Yekaterinburg\n"
        "TELEGRAM_API_URL=http://127.0.0.1:9000\nSOMETHING_ELSE=ignored\n",
        "utf-8",
    )
    settings = load_settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert settings.admin_ids == frozenset({42, 43})
    assert settings.timezone == "Asia/Yekaterinburg"
    assert settings.telegram_api_url == "http://127.0.0.1:9000"


def test_environment_wins_over_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Asia/Omsk\n", "utf-8")
    monkeypatch.setenv("TIMEZONE", "Europe/Kaliningrad")
    assert load_settings().timezone == "Europe/Kaliningrad"


# --- python -m bot ------------------------------------------------------------------------


@pytest.mark.slow
def test_python_m_bot_without_token_exits_2_naming_bot_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES} | {
        "PYTHONPATH": str(ROOT)
    }
    done = run_cli(tmp_path, env=env)
    assert done.returncode == 2
    assert "BOT_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists(), "no database is created before the settings pass"
