"""Check a text for Telegram's HTML parse mode before it is queued for thousands of people.

Telegram refuses a message whose HTML it cannot parse ("can't parse entities"), so a bad
announcement text would fail once per recipient. :func:`telegram_html` finds the same faults
first: unknown tags, tags left open or closed in the wrong order, a ``<`` that starts no tag,
an empty text, a text longer than 4096 characters. A bare ``&`` is written as ``&amp;``
(Telegram shows it as it is anyway).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MAX_TEXT = 4096  # UTF-16 code units, as Telegram counts

#: tag -> the attributes it may (or, with True, must) carry
TAGS: dict[str, dict[str, bool]] = {
    "b": {},
    "strong": {},
    "i": {},
    "em": {},
    "u": {},
    "ins": {},
    "s": {},
    "strike": {},
    "del": {},
    "span": {"class": True},
    "tg-spoiler": {},
    "a": {"href": False},
    "tg-emoji": {"emoji-id": True},
    "code": {"class": False},
    "pre": {},
    "blockquote": {"expandable": False},
}

_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});)")


class HtmlTextError(ValueError):
    """Telegram would refuse this text; the message says why and where."""


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.visible: list[str] = []

    def _where(self) -> str:
        line, column = self.getpos()
        return f"line {line}, column {column + 1}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = TAGS.get(tag)
        if allowed is None:
            raise HtmlTextError(f"unsupported tag <{tag}> at {self._where()}")
        given = dict(attrs)
        for name in given:
            if name not in allowed:
                raise HtmlTextError(f"<{tag}> cannot have the attribute {name!r} ({self._where()})")
        for name, required in allowed.items():
            if required and not given.get(name):
                raise HtmlTextError(f'<{tag}> needs {name}="..." ({self._where()})')
        if tag == "span" and given.get("class") != "tg-spoiler":
            raise HtmlTextError(f'<span> must be <span class="tg-spoiler"> ({self._where()})')
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise HtmlTextError(f"<{tag}/> is not supported ({self._where()})")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            raise HtmlTextError(f"</{tag}> at {self._where()}: expected {expected}")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise HtmlTextError(f"'<' that starts no tag at {self._where()}: write &lt;")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        self.visible.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.visible.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise HtmlTextError(f"comments are not supported ({self._where()})")

    def handle_decl(self, decl: str) -> None:
        raise HtmlTextError(f"<!{decl}> is not supported ({self._where()})")

    def handle_pi(self, data: str) -> None:
        raise HtmlTextError(f"<?{data}> is not supported ({self._where()})")

    def unknown_decl(self, data: str) -> None:
        raise HtmlTextError(f"<![{data}]> is not supported ({self._where()})")


def telegram_html(text: str) -> str:
    """The text ready for ``parse_mode=HTML`` (bare ``&`` escaped), or :class:`HtmlTextError`."""
    fixed = _BARE_AMP.sub("&amp;", text)
    checker = _Checker()
    checker.feed(fixed)
    checker.close()
    if checker.open:
        raise HtmlTextError(f"<{checker.open[-1]}> is never closed")
    visible = "".join(checker.visible).strip()
    if not visible:
        raise HtmlTextError("the text is empty")
    if _utf16_len(visible) > MAX_TEXT:
        raise HtmlTextError(
            f"the text is too long: {_utf16_len(visible)} characters, Telegram allows {MAX_TEXT}"
        )
    return fixed


def plain_to_html(text: str) -> str:
    """A plain text, escaped for ``parse_mode=HTML``."""
    return html.escape(text, quote=False)
