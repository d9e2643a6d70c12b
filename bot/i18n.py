"""Texts people read, from ``locales/{ru,en}/LC_MESSAGES/messages.po``.

Message ids are keys (``menu.events``); every key has a Russian and an English text.
The catalogs are compiled in memory with Babel when the bot starts, so a stale ``.mo``
file cannot exist.
"""

from __future__ import annotations

import functools
import gettext
import html
import io
from collections.abc import Mapping
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("ru", "en")
DOMAIN = "messages"


def catalog_files(locale: str) -> list[Any]:
    """Every ``*.po`` of a language: ``messages.po`` and one per feature (``coordinators.po``),
    so features own their texts; a key must not appear in two files."""
    folder = resources.files("locales").joinpath(f"{locale}/LC_MESSAGES")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


def read_catalog(locale: str) -> Any:
    """All texts of a language as one Babel catalog."""
    merged = None
    for source in catalog_files(locale):
        with source.open("rb") as fp:
            catalog = read_po(fp, locale=locale, domain=DOMAIN)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"{locale}: text {message.id!r} is defined twice ({source.name})")
            merged[message.id] = message
    if merged is None:
        raise FileNotFoundError(f"no texts for locale {locale!r}")
    return merged


@functools.cache
def load_translations() -> Mapping[str, gettext.GNUTranslations]:
    compiled = {}
    for locale in LOCALES:
        buffer = io.BytesIO()
        write_mo(buffer, read_catalog(locale))
        buffer.seek(0)
        compiled[locale] = gettext.GNUTranslations(buffer)
    return compiled


def pick_locale(telegram_code: str | None, default: str) -> str:
    """The bot's language for a Telegram ``language_code`` ("en-GB" -> "en")."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


class Html(str):
    """A piece of text that is already valid Telegram HTML (not escaped again)."""

    __slots__ = ()


def esc(value: object) -> Html:
    """Escape anything a person typed (or any data) for Telegram's HTML parse mode."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=False))


def _escaped(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float) else esc(v)) for k, v in values.items()}


class Translator:
    """The texts in one language: ``t("key", name=...)`` and ``t.plural("key", n)``.

    Values are escaped for HTML unless wrapped in :class:`Html`, so what a person typed
    can never break (or inject into) a message.
    """

    __slots__ = ("_gnu", "locale")

    def __init__(self, locale: str) -> None:
        if locale not in LOCALES:
            locale = LOCALES[0]
        self.locale = locale
        self._gnu = load_translations()[locale]

    def __call__(self, key: str, /, **values: Any) -> Html:
        text = self._gnu.gettext(key)
        return Html(text.format(**_escaped(values)) if values else text)

    def plural(self, key: str, n: int, /, **values: Any) -> Html:
        text = self._gnu.ngettext(key, key + "_plural", n)
        return Html(text.format(n=n, **_escaped(values)))

    def plain(self, key: str, /, **values: Any) -> str:
        """For texts Telegram does not parse (button labels): no escaping."""
        text = self._gnu.gettext(key)
        return text.format(**values) if values else text

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"


@functools.cache
def translator(locale: str) -> Translator:
    return Translator(locale)
