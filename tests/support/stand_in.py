"""A stand-in Telegram Bot API server for the tests and the benchmarks.

The real aiogram client talks real HTTP to it on 127.0.0.1, exactly as it talks to
``api.telegram.org``::

    async with StandInServer() as server:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(TEST_TOKEN, session=session)

The test plays Telegram's users (``push_update``, ``message``, ``callback``); the server
answers the bot's calls with realistic objects, keeps the state of every chat (messages,
edits, deletions), and refuses what Telegram refuses with Telegram's error shapes.
Reliability tests inject faults (``fail``, ``block``, ``rate_limit``, ``delay``).

Where the stand-in is deliberately stricter than Telegram it says so: by default a bare
``&`` that is not an entity is refused in HTML (Telegram keeps it literally), because it
almost always means that user text reached the message without ``html.escape``;
``StandInServer(strict_ampersand=False)`` gives Telegram's exact behaviour. Markdown parse
modes are accepted without checking (the project uses HTML). ``wait_processed`` means "the
handler finished" only with ``start_polling(..., handle_as_tasks=False)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "TEST_TOKEN",
    "ApiCall",
    "EntityParseError",
    "SentMessage",
    "StandInServer",
    "TgUser",
    "UploadedFile",
    "Webhook",
    "WebhookPost",
    "parse_html",
    "utf16_len",
]

TEST_TOKEN = "7000000001:AAH-test-token-for-the-stand-in-server_x"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_ALERT = 200
MAX_UPLOAD = 50 * 1024 * 1024
_BMP_LAST = 0xFFFF
_UNICODE_END = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Methods that put a message into a chat: ``delay`` and ``rate_limit`` apply to these.
SENDING_METHODS = _words(
    """
    sendMessage sendDocument sendPhoto sendVideo sendAudio sendVoice sendAnimation
    sendSticker copyMessage forwardMessage
    """
)

_DEFAULT_UPDATE_TYPES = _words(
    """
    message edited_message channel_post edited_channel_post business_connection
    business_message edited_business_message deleted_business_messages inline_query
    chosen_inline_result callback_query shipping_query pre_checkout_query
    purchased_paid_media poll poll_answer my_chat_member chat_join_request chat_boost
    removed_chat_boost
    """
)

_CHAT_ACTIONS = _words(
    """
    typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note
    """
)

_COMMAND_SCOPES = _words(
    """
    default all_private_chats all_group_chats all_chat_administrators chat
    chat_administrators chat_member
    """
)

# Form fields that stay strings even when they look like JSON numbers.
_STRING_FIELDS = _words(
    """
    text caption parse_mode callback_query_id inline_message_id url action language_code
    business_connection_id message_effect_id file_id document photo video audio voice
    animation sticker thumbnail emoji name description short_description title secret_token
    ip_address phone_number first_name last_name address question
    """
)
_JSON_LIKE = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?(?=\s|$)")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"(|[a-z]{2})")

_MEDIA_KINDS = {
    "sendDocument": "document",
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
}
_FILE_ID_PREFIX = {
    "document": "BQACAgIAAxkDAAI",
    "photo": "AgACAgIAAxkDAAI",
    "video": "BAACAgIAAxkDAAI",
    "audio": "CQACAgIAAxkDAAI",
    "voice": "AwACAgIAAxkDAAI",
    "animation": "CgACAgIAAxkDAAI",
    "sticker": "CAACAgIAAxkDAAI",
}
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "video",
    "audio",
    "voice",
    "animation",
    "sticker",
    "contact",
    "location",
    "venue",
)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"RIFF")


# --------------------------------------------------------------------------- public records


@dataclass(frozen=True)
class TgUser:
    """A Telegram user played by the test."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    def to_dict(self) -> dict[str, Any]:
        """The ``User`` object as Telegram sends it in updates."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    def chat_dict(self) -> dict[str, Any]:
        """The private ``Chat`` object of this user."""
        return _private_chat(self.to_dict())


@dataclass(frozen=True, repr=False)
class UploadedFile:
    """A file the bot uploaded (multipart) or a file known by its file_id."""

    field: str
    filename: str
    content: bytes
    content_type: str

    def __repr__(self) -> str:
        return (
            f"UploadedFile(field={self.field!r}, filename={self.filename!r}, "
            f"content=<{len(self.content)} bytes>, content_type={self.content_type!r})"
        )

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call as the server saw and answered it."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    ok: bool
    result: Any
    error: str | None
    chat_id: int | None
    at: float
    error_code: int | None = None


@dataclass(frozen=True)
class Webhook:
    """What the bot asked for with setWebhook."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    drop_pending_updates: bool


@dataclass(frozen=True)
class WebhookPost:
    """One update the server POSTed to the bot's webhook, and the HTTP status it got
    (0: no answer, e.g. nothing listens)."""

    update_id: int
    status: int
    secret_sent: bool


@dataclass
class SentMessage:
    """A bot message in a chat, in its current state (after edits and deletions)."""

    message_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    document: UploadedFile | None = None
    deleted: bool = False
    photo: UploadedFile | None = None
    kind: str = "text"
    html: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    edits: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]] | None:
        """Rows of the inline keyboard, if the message has one."""
        if self.reply_markup is None:
            return None
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else None


# --------------------------------------------------------------------------- text and HTML


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts message length and offsets."""
    return len(text) + sum(1 for char in text if ord(char) > _BMP_LAST)


class EntityParseError(ValueError):
    """Telegram's ``can't parse entities`` (the message is the part after the colon)."""


_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_SPACES = frozenset(" \t\r\n\v\0")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass
class _OpenTag:
    tag: str
    argument: str
    offset: int
    expandable: bool
    language: str = ""


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[pos] == "&"`` like Telegram: (character, next pos)."""
    size = len(text)
    end = pos + 1
    if end < size and text[end] == "#":
        end += 1
        code = 0
        hexadecimal = end < size and text[end] == "x"
        if hexadecimal:
            end += 1
        while end < size and (text[end] in _HEX if hexadecimal else "0" <= text[end] <= "9"):
            code = code * (16 if hexadecimal else 10) + int(text[end], 16)
            end += 1
            if code >= _UNICODE_END:
                return None
        if code in _SURROGATES:
            msg = (
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
            raise EntityParseError(msg)
        if code == 0:
            return None
        char = chr(code)
    else:
        while end < size and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < size and text[end] == ";":
        end += 1
    return char, end


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML parse mode into (plain text, entities), as Telegram's parser does.

    Raises :class:`EntityParseError` with Telegram's wording (``Unsupported start tag "br" at
    byte offset 5``) for what Telegram refuses. With ``strict_ampersand`` a bare ``&`` that is
    not an entity is refused too (Telegram itself keeps it as a literal ``&``).
    """
    size = len(text)

    def char_at(index: int) -> str:
        return text[index] if index < size else "\0"

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    offset = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < size:
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                offset += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                msg = (
                    f'Unsupported entity or unescaped "&" at byte offset {byte_offset(i)} '
                    '(write it as "&amp;")'
                )
                raise EntityParseError(msg)
        if char != "<":
            out.append(char)
            offset += 2 if ord(char) > _BMP_LAST else 1
            i += 1
            continue

        begin = i
        i += 1
        if char_at(i) != "/":
            name_start = i
            while char_at(i) not in _SPACES and char_at(i) != ">":
                i += 1
            if i >= size:
                msg = f"Unclosed start tag at byte offset {byte_offset(begin)}"
                raise EntityParseError(msg)
            tag = text[name_start:i].lower()
            if tag not in _TAG_TYPES:
                msg = f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
                raise EntityParseError(msg)
            argument, expandable, i = _parse_attributes(text, i, tag, byte_offset(begin))
            if tag == "span" and argument != "spoiler":
                msg = f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                raise EntityParseError(msg)
            i += 1  # the ">"
            stack.append(_OpenTag(tag, argument, offset, expandable))
            continue

        if not stack:
            msg = f"Unexpected end tag at byte offset {byte_offset(begin)}"
            raise EntityParseError(msg)
        i += 1
        name_start = i
        while char_at(i) not in _SPACES and char_at(i) != ">":
            i += 1
        end_name = text[name_start:i]
        while i < size and char_at(i) in _SPACES:
            i += 1
        if char_at(i) != ">":
            msg = f"Unclosed end tag at byte offset {byte_offset(begin)}"
            raise EntityParseError(msg)
        i += 1
        opened = stack.pop()
        if end_name and end_name != opened.tag:
            msg = (
                f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
            raise EntityParseError(msg)
        entity = _close_entity(opened, offset, stack)
        if entity is not None:
            entities.append(entity)

    if stack:
        msg = f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"'
        raise EntityParseError(msg)
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[str, bool, int]:
    """Parse a start tag's attributes from ``i`` up to its ``>``: (argument, expandable, i)."""
    size = len(text)

    def char_at(index: int) -> str:
        return text[index] if index < size else "\0"

    argument = ""
    expandable = False
    while char_at(i) != ">":
        while i < size and char_at(i) in _SPACES:
            i += 1
        if char_at(i) == ">":
            break
        name_start = i
        while char_at(i) not in _SPACES and char_at(i) not in "=>":
            i += 1
        attribute = text[name_start:i].lower()
        if not attribute:
            msg = f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
            raise EntityParseError(msg)
        while i < size and char_at(i) in _SPACES:
            i += 1
        if char_at(i) != "=":
            if i >= size:
                msg = f'Unclosed start tag "{tag}" at byte offset {begin}'
                raise EntityParseError(msg)
            if tag == "blockquote" and attribute == "expandable":
                expandable = True
            continue  # an attribute without a value is ignored
        i += 1
        while i < size and char_at(i) in _SPACES:
            i += 1
        if i >= size:
            msg = f'Unclosed start tag "{tag}" at byte offset {begin}'
            raise EntityParseError(msg)
        quote = char_at(i)
        if quote not in ("'", '"'):
            token_start = i
            while char_at(i).isascii() and (char_at(i).isalnum() or char_at(i) in ".-"):
                i += 1
            value = text[token_start:i].lower()
            if char_at(i) not in _SPACES and char_at(i) != ">":
                token_byte = len(text[:token_start].encode("utf-8", "surrogatepass"))
                msg = f"Unexpected end of name token at byte offset {token_byte}"
                raise EntityParseError(msg)
        else:
            i += 1
            chars: list[str] = []
            while i < size and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_entity(text, i)
                    if decoded is not None:
                        chars.append(decoded[0])
                        i = decoded[1]
                        continue
                chars.append(text[i])
                i += 1
            if char_at(i) == quote:
                i += 1
            value = "".join(chars)
        if i >= size:
            msg = f"Unclosed start tag at byte offset {begin}"
            raise EntityParseError(msg)
        if tag == "a" and attribute == "href":
            argument = value
        elif tag == "code" and attribute == "class" and value.startswith("language-"):
            argument = value.removeprefix("language-")
        elif tag == "span" and attribute == "class" and value.startswith("tg-"):
            argument = value.removeprefix("tg-")
        elif tag == "tg-emoji" and attribute == "emoji-id":
            argument = value
        elif tag == "blockquote" and attribute == "expandable":
            expandable = True
    return argument, expandable, i


def _close_entity(opened: _OpenTag, end: int, stack: list[_OpenTag]) -> dict[str, Any] | None:
    tag = opened.tag
    if tag == "tg-emoji" and not (opened.argument.isdigit() and int(opened.argument) > 0):
        msg = "Invalid custom emoji identifier specified"
        raise EntityParseError(msg)
    length = end - opened.offset
    if length <= 0:
        return None
    entity: dict[str, Any] = {"type": _TAG_TYPES[tag], "offset": opened.offset, "length": length}
    if tag == "code" and opened.argument and stack and stack[-1].tag == "pre":
        stack[-1].language = opened.argument
        return None
    if tag == "pre" and opened.language:
        entity["language"] = opened.language
    elif tag == "blockquote" and opened.expandable:
        entity["type"] = "expandable_blockquote"
    elif tag == "a":
        if not opened.argument:
            return None
        entity["url"] = opened.argument
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.argument
    return entity


def _strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does, moving the entities along."""
    stripped = text.strip()
    if not entities or stripped == text:
        return stripped, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    moved: list[dict[str, Any]] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - shift, total)
        if end > start:
            moved.append({**entity, "offset": start, "length": end - start})
    return stripped, moved


# --------------------------------------------------------------------------- internals


class _ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Request:
    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    chat_id: int | None


@dataclass
class _Chat:
    id: int
    info: dict[str, Any]
    next_message_id: int = 1
    sent: dict[int, SentMessage] = field(default_factory=dict)
    incoming: dict[int, dict[str, Any]] = field(default_factory=dict)
    incoming_deleted: set[int] = field(default_factory=set)
    menu_button: dict[str, Any] | None = None

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None


@dataclass
class _Query:
    chat_id: int
    answered: bool = False


@dataclass
class _StoredFile:
    file: UploadedFile
    file_id: str
    file_unique_id: str
    path: str


def _private_chat(user: dict[str, Any]) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": user["id"], "type": "private"}
    for key in ("first_name", "last_name", "username"):
        if user.get(key) is not None:
            chat[key] = user[key]
    return chat


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _decode_value(key: str, value: str) -> Any:
    if key in _STRING_FIELDS or not value:
        return value
    if value[0] in "{[" or _JSON_LIKE.fullmatch(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_button_url(url: Any, label: str = "") -> None:
    text = str(url)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    what = f"inline keyboard button {label}URL '{text}' is invalid"
    if label:
        if scheme != "https":
            raise _bad(f"{what}: Only HTTPS links are allowed")
    elif scheme not in ("http", "https", "tg"):
        raise _bad(f"{what}: Unsupported URL protocol")
    if scheme in ("http", "https") and "." not in (parts.hostname or ""):
        raise _bad(f"{what}: Wrong HTTP URL")


def _check_markup(markup: Any) -> dict[str, Any] | None:
    """Refuse what Telegram refuses in a reply_markup; return it as a dict."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for button in _buttons(markup, "inline_keyboard", "InlineKeyboardMarkup"):
            _check_inline_button(button)
    elif "keyboard" in markup:
        for button in _buttons(markup, "keyboard", "ReplyKeyboardMarkup"):
            label = button.get("text") if isinstance(button, dict) else button
            if not isinstance(label, str):
                raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
    return markup


def _buttons(markup: dict[str, Any], field: str, type_name: str) -> list[Any]:
    """The buttons of a keyboard, row after row, once its rows are known to be arrays."""
    rows = markup[field]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad(f'field "{field}" of the {type_name} must be an Array')
    return [button for row in rows for button in row]


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    kinds = set(button) - {"text", "style", "icon_custom_emoji_id", "disabled"}
    if not kinds:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        _check_button_url(button["url"])
    web_app = button.get("web_app")
    if isinstance(web_app, dict):
        _check_button_url(web_app.get("url", ""), "Web App ")


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _guess_type(filename: str, content_type: str | None) -> str:
    if content_type and content_type != "application/octet-stream":
        return content_type
    return mimetypes.guess_type(filename)[0] or content_type or "application/octet-stream"


# --------------------------------------------------------------------------- the server


_Handler = Callable[[_Request], Awaitable[Any]]


def _incoming(
    chat: _Chat, author: dict[str, Any], text: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    """A message arriving in ``chat`` as Telegram delivers it: ``author`` is ``{"from": user}``
    or, for a channel's post, ``{"sender_chat": channel}``; a leading /command is marked with a
    ``bot_command`` entity; ``extra`` (contact, photo, entities...) is laid over the result."""
    message: dict[str, Any] = {
        "message_id": chat.new_message_id(),
        **author,
        "chat": dict(chat.info),
        "date": int(time.time()),
    }
    if text is not None:
        message["text"] = text
        command = _COMMAND_RE.match(text)
        if command:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
    message.update(extra)
    return message


def _bot_text_field(method: str) -> str:
    """The field a set/getMy{Description,ShortDescription,Name} call reads or writes: the
    setter and the getter of one text share it."""
    return {
        "mydescription": "description",
        "myshortdescription": "short_description",
        "myname": "name",
    }[method.lower()[3:]]


class StandInServer:
    """A Telegram Bot API server on 127.0.0.1 for the real aiogram client.

    See the module docstring. Everything runs in the test's event loop.
    """

    def __init__(
        self,
        token: str = TEST_TOKEN,
        *,
        bot_id: int = 7000000001,
        bot_username: str = "ethnic_test_bot",
        record: bool = True,
        bot_first_name: str = "Ethnic Test Bot",
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.record = record
        self.strict_ampersand = strict_ampersand
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        #: Every answered call, in the order answered (empty with ``record=False``).
        self.calls: list[ApiCall] = []
        #: Calls per method, errors per method, and 429 answers (kept with ``record=False``).
        self.counts: Counter[str] = Counter()
        self.error_counts: Counter[str] = Counter()
        self.count_429 = 0
        #: Seconds added before the answer of each sending method.
        self.delay = 0.0

        self._chats: dict[int, _Chat] = {}
        self._blocked: dict[int, str] = {}
        self._faults: list[_Fault] = []
        self._rate: float | None = None
        self._send_times: deque[float] = deque()
        self._commands: dict[tuple[str, int | None, int | None, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._default_menu_button: dict[str, Any] = {"type": "default"}
        self._files: dict[str, _StoredFile] = {}
        self._paths: dict[str, _StoredFile] = {}
        self._file_counter = 0
        self._queries: dict[str, _Query] = {}
        self._query_counter = 0

        self._pending: list[dict[str, Any]] = []
        self._updates: dict[int, dict[str, Any]] = {}
        self._next_update_id = 800000001
        self._confirmed_below = self._next_update_id
        self._filtered: set[int] = set()
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._pollers = 0
        self._closing = False

        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._updates_changed = asyncio.Event()
        self._state_changed = asyncio.Event()

        #: Webhook mode (setWebhook): the webhook set now, every POST made to it, and an
        #: optional wait after each answered POST before the update counts as processed
        #: (a test waits there for the bot's background handling: tests/support/webhook.py).
        self.webhook: Webhook | None = None
        self.webhook_posts: list[WebhookPost] = []
        self.webhook_settle: Callable[[], Awaitable[None]] | None = None
        self._delivery: asyncio.Task[None] | None = None

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendDocument": self._send_media,
                "sendPhoto": self._send_media,
                "sendVideo": self._send_media,
                "sendAudio": self._send_media,
                "sendVoice": self._send_media,
                "sendAnimation": self._send_media,
                "sendSticker": self._send_media,
                "copyMessage": self._copy_message,
                "forwardMessage": self._copy_message,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "setMyDescription": self._set_bot_text,
                "getMyDescription": self._get_bot_text,
                "setMyShortDescription": self._set_bot_text,
                "getMyShortDescription": self._get_bot_text,
                "setMyName": self._set_bot_text,
                "getMyName": self._get_bot_text,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Answer pending long polls and stop listening."""
        self._closing = True
        self._notify_updates()
        await self._stop_delivery()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            msg = "the stand-in server is not started"
            raise RuntimeError(msg)
        return self._port

    @property
    def base_url(self) -> str:
        """For ``TelegramAPIServer.from_base(server.base_url)``."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ fault injection

    def fail(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"``: any method but getUpdates)
        (to ``chat_id``, if given) fail with this error. A 429 carries ``retry_after``
        (1 if not given)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(
            _Fault(method.lower(), error_code, description, retry_after, times, chat_id)
        )

    def too_many_requests(
        self, method: str, retry_after: int = 1, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """``fail`` with Telegram's 429 in its own words: "retry after ``retry_after``"."""
        self.fail(
            method,
            error_code=429,
            description=f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
        )

    def server_error(self, method: str, *, times: int = 1, chat_id: int | None = None) -> None:
        """``fail`` with a 500 "Internal Server Error" (four in a row exhaust the bot's retries)."""
        self.fail(
            method,
            error_code=500,
            description="Internal Server Error",
            times=times,
            chat_id=chat_id,
        )

    def block(
        self, chat_id: int, description: str = "Forbidden: bot was blocked by the user"
    ) -> None:
        """Every call addressed to this chat answers 403 (``unblock`` undoes it)."""
        self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        self._blocked.pop(chat_id, None)

    def rate_limit(self, per_second: float | None) -> None:
        """Answer 429 to sending methods above this global rate (sliding window); None: off."""
        self._rate = per_second
        self._send_times.clear()

    # ------------------------------------------------------------------ the test's users

    def add_chat(self, user: TgUser) -> None:
        """Make the user a known chat without an update (as if they wrote long ago)."""
        self._ensure_chat(user.to_dict())

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update as Telegram would, wake the poller; returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        stored = {"update_id": update_id, **{k: v for k, v in update.items() if k != "update_id"}}
        self._observe(stored)
        self._pending.append(stored)
        self._updates[update_id] = stored
        self._notify_updates()
        return update_id

    def message(self, user: TgUser, text: str | None = None, **extra: Any) -> int:
        """A private message from ``user`` (``extra``: contact, photo, document, entities...)."""
        chat = self._ensure_chat(user.to_dict())
        message = _incoming(chat, {"from": user.to_dict()}, text, extra)
        return self.push_update({"message": message})

    def add_group(self, chat_id: int, title: str, chat_type: str = "supergroup") -> None:
        """A group, supergroup or channel the bot is a member of (``chat_id`` < 0)."""
        if chat_id >= 0 or chat_type not in ("group", "supergroup", "channel"):
            msg = f"a {chat_type!r} chat needs a negative id, not {chat_id}"
            raise ValueError(msg)
        if chat_id not in self._chats:
            info = {"id": chat_id, "type": chat_type, "title": title}
            self._chats[chat_id] = _Chat(chat_id, info)

    def group_message(
        self, user: TgUser, chat_id: int, text: str | None = None, **extra: Any
    ) -> int:
        """A message from ``user`` in the group ``chat_id`` (see :meth:`add_group`)."""
        chat = self._group(chat_id)
        message = _incoming(chat, {"from": user.to_dict()}, text, extra)
        chat.incoming[message["message_id"]] = message
        return self.push_update({"message": message})

    def channel_post(self, chat_id: int, text: str) -> int:
        """A post in the channel ``chat_id`` (no sender: a channel speaks as itself)."""
        chat = self._group(chat_id)
        post = _incoming(chat, {"sender_chat": dict(chat.info)}, text, {})
        chat.incoming[post["message_id"]] = post
        return self.push_update({"channel_post": post})

    def group_callback(
        self, user: TgUser, chat_id: int, message_id: int, data: str
    ) -> tuple[int, str]:
        """The user taps a button with ``data`` under the bot's message in a group. The
        answer to the query is recorded with the group's chat id.

        Returns (update_id, callback query id)."""
        return self._tap(self._group(chat_id), chat_id, user, message_id, data)

    def _group(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None or chat.info.get("type") == "private":
            msg = f"no group {chat_id}: call add_group() first"
            raise LookupError(msg)
        return chat

    def callback(self, user: TgUser, message_id: int, data: str) -> tuple[int, str]:
        """The user taps an inline button with ``data`` under the bot's message ``message_id``.

        Returns (update_id, callback query id)."""
        chat = self._chats.get(user.id)
        if chat is None:
            msg = f"user {user.id} has never written to the bot: there is no chat to tap in"
            raise LookupError(msg)
        return self._tap(chat, user.id, user, message_id, data)

    def _tap(
        self, chat: _Chat, chat_id: int, user: TgUser, message_id: int, data: str
    ) -> tuple[int, str]:
        """The callback query of a tap in ``chat`` (private or group, the same update), its
        answer recorded with ``chat_id``. Returns (update_id, callback query id)."""
        sent = chat.sent.get(message_id)
        if sent is None or sent.deleted:
            msg = f"the bot has no message {message_id} in chat {chat_id} (deleted or never sent)"
            raise LookupError(msg)
        self._query_counter += 1
        query_id = str(4_300_000_000_000_000_000 + self._query_counter)
        self._queries[query_id] = _Query(chat_id=chat_id)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(sent.raw),
            "chat_instance": str(-(chat_id * 7919 % 10**18)),
            "data": data,
        }
        return self.push_update({"callback_query": query}), query_id

    def store_file(
        self, content: bytes, filename: str, content_type: str | None = None, kind: str = "document"
    ) -> tuple[str, str]:
        """Register a file as if a user had sent it: returns (file_id, file_unique_id)."""
        stored = self._store(
            UploadedFile(kind, filename, content, _guess_type(filename, content_type)), kind
        )
        return stored.file_id, stored.file_unique_id

    def dropped(self, update_id: int) -> bool:
        """Whether the update was never delivered: its type is not in the bot's
        ``allowed_updates`` (aiogram asks only for the types its handlers use)."""
        return update_id in self._filtered

    def update(self, update_id: int) -> dict[str, Any]:
        """The update pushed with this id."""
        return self._updates[update_id]

    # ------------------------------------------------------------------ what the bot did

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in the chat, in order, in their current state."""
        chat = self._chats.get(chat_id)
        return list(chat.sent.values()) if chat is not None else []

    def commands(
        self,
        language_code: str | None = None,
        scope_type: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The command list set for this scope and language (``[]`` if none)."""
        key = (scope_type, chat_id, user_id, language_code or "")
        return copy.deepcopy(self._commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.menu_button is not None:
            return chat.menu_button
        return self._default_menu_button

    @property
    def polling(self) -> bool:
        """Whether a getUpdates request is being held right now."""
        return self._pollers > 0

    @property
    def pending_updates(self) -> int:
        return len(self._pending)

    # ------------------------------------------------------------------ synchronisation

    async def wait_processed(self, update_id: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once the bot asked for updates past ``update_id`` (with
        ``handle_as_tasks=False``: its handler has finished), or Telegram dropped it because
        its type is not in the bot's ``allowed_updates``."""
        await self._wait(
            lambda: update_id < self._confirmed_below or update_id in self._filtered,
            timeout,
            lambda: (
                f"update {update_id} was not processed within {timeout}s: the bot has not "
                f"asked for updates past it (confirmed below {self._confirmed_below}, "
                f"polling now: {self.polling}). Is the dispatcher polling this server?"
            ),
            updates=True,
        )

    async def wait_polling(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once a getUpdates request is being held (the bot is polling)."""
        await self._wait(
            lambda: self._pollers > 0,
            timeout,
            lambda: f"the bot did not call getUpdates within {timeout}s",
        )

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        timeout: float = 10,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> ApiCall:
        """The first call from ``calls[since:]`` on (past or future) that matches."""
        if not self.record:
            msg = "wait_for needs StandInServer(record=True)"
            raise RuntimeError(msg)
        index = since
        found: list[ApiCall] = []

        def check() -> bool:
            nonlocal index
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if predicate(call):
                    found.append(call)
                    return True
            return False

        await self._wait(check, timeout, lambda: f"no matching call within {timeout}s")
        return found[0]

    async def wait_idle(self, quiet: float = 0.2, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once no call (other than getUpdates) has been in flight for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            if self._in_flight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                msg = f"the bot did not fall quiet for {quiet}s within {timeout}s"
                raise TimeoutError(msg)
            wait = quiet - idle_for if self._in_flight == 0 else min(quiet, 0.05)
            await asyncio.sleep(max(min(wait, deadline - now), 0.005))

    async def _wait(
        self,
        condition: Callable[[], bool],
        timeout: float,  # noqa: ASYNC109
        describe: Callable[[], str],
        *,
        updates: bool = False,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_changed if updates else self._state_changed
            if condition():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                if not condition():
                    raise TimeoutError(describe()) from None
                return

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _notify_state(self) -> None:
        self._state_changed.set()
        self._state_changed = asyncio.Event()

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return web.json_response(_ApiError(404, "Not Found").body(), status=404)
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return web.json_response(_ApiError(401, "Unauthorized").body(), status=401)
        try:
            params, files = await self._read_params(request)
        except (ValueError, UnicodeDecodeError) as exc:
            error = _bad(f"can't parse request: {exc}")
            return web.json_response(error.body(), status=400)
        entry = self._methods.get(method.lower())
        if entry is None:
            unknown = _Request(method, params, files, _as_int(params.get("chat_id")))
            error = _ApiError(404, "Not Found: method not found")
            self._finish(unknown, time.monotonic(), ok=False, result=None, error=error)
            return web.json_response(error.body(), status=404)
        name, handler = entry
        polling = name == "getUpdates"
        at = time.monotonic()
        if not polling:
            self._in_flight += 1
            self._last_activity = at
        req = _Request(name, params, files, _as_int(params.get("chat_id")))
        try:
            result = await self._process(req, handler)
        except _ApiError as exc:
            self._finish(req, at, ok=False, result=None, error=exc)
            return web.json_response(exc.body(), status=exc.code)
        finally:
            if not polling:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
        self._finish(req, at, ok=True, result=result, error=None)
        return web.json_response({"ok": True, "result": result})

    async def _process(self, req: _Request, handler: _Handler) -> Any:
        sending = req.method in SENDING_METHODS
        if sending and self.delay > 0:
            await asyncio.sleep(self.delay)
        self._check_faults(req)
        if req.chat_id is not None and req.chat_id in self._blocked:
            raise _ApiError(403, self._blocked[req.chat_id])
        if sending:
            self._check_rate()
        return await handler(req)

    def _finish(
        self, req: _Request, at: float, *, ok: bool, result: Any, error: _ApiError | None
    ) -> None:
        self.counts[req.method] += 1
        if error is not None:
            self.error_counts[req.method] += 1
            if error.code == 429:
                self.count_429 += 1
        if self.record:
            self.calls.append(
                ApiCall(
                    method=req.method,
                    params=req.params,
                    files=req.files,
                    ok=ok,
                    result=result,
                    error=None if error is None else error.description,
                    chat_id=req.chat_id,
                    at=at,
                    error_code=None if error is None else error.code,
                )
            )
        self._notify_state()

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        params: dict[str, Any] = {}
        raw_files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = _decode_value(key, value)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, item in form.items():
                if isinstance(item, web.FileField):
                    content = item.file.read()
                    raw_files[key] = UploadedFile(
                        key, item.filename or key, content, item.content_type
                    )
                else:
                    params[key] = _decode_value(key, str(item))
        files: dict[str, UploadedFile] = {}
        used: set[str] = set()
        for key, param in params.items():
            if isinstance(param, str) and param.startswith("attach://"):
                name = param.removeprefix("attach://")
                attached = raw_files.get(name)
                if attached is not None:
                    used.add(name)
                    files[key] = UploadedFile(
                        key, attached.filename, attached.content, attached.content_type
                    )
        for key, uploaded in raw_files.items():
            if key not in used and key not in files:
                files[key] = uploaded
        return params, files

    def _serve_file(self, rest: str) -> web.StreamResponse:
        token, _, path = rest.partition("/")
        if token != self.token:
            return web.json_response(_ApiError(401, "Unauthorized").body(), status=401)
        stored = self._paths.get(path)
        if stored is None:
            return web.json_response(_ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.file.content, content_type=stored.file.content_type)

    # ------------------------------------------------------------------ checks

    def _check_faults(self, req: _Request) -> None:
        lowered = req.method.lower()
        for fault in self._faults:
            if fault.method not in (lowered, "*") or (
                fault.method == "*" and req.method == "getUpdates"
            ):
                continue
            if fault.chat_id is not None and fault.chat_id != req.chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise _ApiError(fault.error_code, fault.description, fault.retry_after)

    def _check_rate(self) -> None:
        if self._rate is None or self._rate <= 0:
            return
        window = max(1.0, 1.0 / self._rate)
        capacity = max(1, int(self._rate * window))
        now = time.monotonic()
        while self._send_times and now - self._send_times[0] >= window:
            self._send_times.popleft()
        if len(self._send_times) >= capacity:
            raise _ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._send_times.append(now)

    def _chat(self, req: _Request, key: str = "chat_id") -> _Chat:
        raw = req.params.get(key)
        if raw is None or raw == "":
            raise _bad(f"{key} is empty")
        chat_id = _as_int(raw)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        return chat

    @staticmethod
    def _message_id(req: _Request) -> int:
        message_id = _as_int(req.params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        return message_id

    def _formatted(
        self, req: _Request, *, caption: bool, edit: bool = False
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        """Text or caption after parse_mode: (plain text, entities, raw as sent)."""
        key = "caption" if caption else "text"
        raw = req.params.get(key)
        source = None if raw is None else str(raw)
        mode = str(req.params.get("parse_mode") or "").lower()
        entities: list[dict[str, Any]] = []
        plain = source or ""
        if mode == "html":
            try:
                plain, entities = parse_html(plain, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif mode in ("", "none"):
            given = req.params.get("caption_entities" if caption else "entities")
            entities = [e for e in given if isinstance(e, dict)] if isinstance(given, list) else []
        elif mode not in ("markdown", "markdownv2"):
            raise _bad("unsupported parse_mode")
        plain, entities = _strip_text(plain, entities)
        if caption:
            if utf16_len(plain) > MAX_CAPTION:
                raise _bad("message caption is too long")
        else:
            if not plain:
                raise _bad("message text is empty")
            if utf16_len(plain) > MAX_TEXT:
                raise _bad("MESSAGE_TOO_LONG" if edit else "message is too long")
        return plain, entities, source

    # ------------------------------------------------------------------ state helpers

    def _ensure_chat(self, user: dict[str, Any]) -> _Chat:
        user_id = int(user["id"])
        chat = self._chats.get(user_id)
        if chat is None:
            chat = _Chat(user_id, _private_chat(user))
            self._chats[user_id] = chat
        return chat

    def _observe(self, update: dict[str, Any]) -> None:
        for key in ("message", "edited_message"):
            message = update.get(key)
            if not isinstance(message, dict):
                continue
            chat_info = message.get("chat")
            sender = message.get("from")
            if isinstance(chat_info, dict) and chat_info.get("type") == "private":
                chat = self._ensure_chat(sender if isinstance(sender, dict) else chat_info)
                message_id = _as_int(message.get("message_id"))
                if message_id is not None and key == "message":
                    chat.incoming[message_id] = message
                    chat.next_message_id = max(chat.next_message_id, message_id + 1)
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("from"), dict):
            self._ensure_chat(query["from"])
            query_id = str(query.get("id"))
            if query_id not in self._queries:
                self._queries[query_id] = _Query(chat_id=int(query["from"]["id"]))

    def _store(self, file: UploadedFile, kind: str) -> _StoredFile:
        self._file_counter += 1
        number = self._file_counter
        prefix = _FILE_ID_PREFIX.get(kind, "BQACAgIAAxkDAAI")
        extension = file.filename.rpartition(".")[2] if "." in file.filename else "bin"
        stored = _StoredFile(
            file=file,
            file_id=f"{prefix}{number:06d}{self.bot_id % 100000:05d}StandIn",
            file_unique_id=f"AgAD{number:06d}",
            path=f"{kind}s/file_{number}.{extension}",
        )
        self._files[stored.file_id] = stored
        self._paths[stored.path] = stored
        return stored

    def _input_file(self, req: _Request, kind: str) -> _StoredFile:
        uploaded = req.files.get(kind)
        if uploaded is not None:
            if not uploaded.content:
                raise _bad("file must be non-empty")
            if len(uploaded.content) > MAX_UPLOAD:
                raise _ApiError(413, "Request Entity Too Large")
            if kind == "photo" and not uploaded.content.startswith(_IMAGE_MAGIC):
                raise _bad("IMAGE_PROCESS_FAILED")
            content_type = _guess_type(uploaded.filename, uploaded.content_type)
            return self._store(
                UploadedFile(kind, uploaded.filename, uploaded.content, content_type), kind
            )
        reference = req.params.get(kind)
        if not isinstance(reference, str) or not reference:
            raise _bad(f"there is no {kind} in the request")
        known = self._files.get(reference)
        if known is not None:
            return known
        if reference.startswith(("http://", "https://")):
            name = urlsplit(reference).path.rpartition("/")[2] or kind
            return self._store(UploadedFile(kind, name, b"", _guess_type(name, None)), kind)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _media_object(self, stored: _StoredFile, kind: str) -> Any:
        file = stored.file
        base: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": file.size,
        }
        if kind == "photo":
            return [
                {**base, "file_id": f"{stored.file_id}{suffix}", "width": w, "height": h}
                for suffix, w, h in (("s", 90, 68), ("m", 320, 240), ("", 800, 600))
            ]
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        if kind in ("video", "animation"):
            base.update(width=640, height=360, duration=1)
        if kind in ("audio", "voice"):
            base["duration"] = 1
        if kind != "voice":
            base["file_name"] = file.filename
        base["mime_type"] = file.content_type
        return base

    def _find_message(self, chat: _Chat, message_id: int) -> dict[str, Any] | None:
        sent = chat.sent.get(message_id)
        if sent is not None:
            return None if sent.deleted else sent.raw
        if message_id in chat.incoming_deleted:
            return None
        return chat.incoming.get(message_id)

    def _reply_to(self, chat: _Chat, req: _Request) -> dict[str, Any] | None:
        parameters = req.params.get("reply_parameters")
        message_id: int | None = None
        allow_missing = bool(req.params.get("allow_sending_without_reply"))
        if isinstance(parameters, dict):
            message_id = _as_int(parameters.get("message_id"))
            allow_missing = allow_missing or bool(parameters.get("allow_sending_without_reply"))
        elif req.params.get("reply_to_message_id") is not None:
            message_id = _as_int(req.params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._find_message(chat, message_id)
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        if target is None:
            return None
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _new_message(
        self,
        chat: _Chat,
        req: _Request,
        content: dict[str, Any],
        *,
        kind: str,
        html: str | None,
        document: UploadedFile | None = None,
        photo: UploadedFile | None = None,
        extra: dict[str, Any] | None = None,
        with_markup: bool = True,
    ) -> dict[str, Any]:
        markup = _check_markup(req.params.get("reply_markup")) if with_markup else None
        reply_to = self._reply_to(chat, req)
        message_id = chat.new_message_id()
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "chat": dict(chat.info),
            "date": int(time.time()),
        }
        if reply_to is not None:
            raw["reply_to_message"] = reply_to
        if extra:
            raw.update(extra)
        raw.update({k: v for k, v in content.items() if v not in (None, [])})
        if markup is not None and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        text = content.get("text", content.get("caption"))
        entities = content.get("entities", content.get("caption_entities")) or []
        chat.sent[message_id] = SentMessage(
            message_id=message_id,
            text=text,
            reply_markup=markup,
            document=document,
            photo=photo,
            kind=kind,
            html=html,
            entities=list(entities),
            raw=raw,
        )
        return copy.deepcopy(raw)

    # ------------------------------------------------------------------ methods

    async def _true(self, _req: _Request) -> bool:
        return True

    async def _get_me(self, _req: _Request) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, req: _Request) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _ApiError(409, WEBHOOK_ACTIVE)
        offset = _as_int(req.params.get("offset")) or 0
        limit = min(max(_as_int(req.params.get("limit")) or 100, 1), 100)
        raw_timeout = req.params.get("timeout")
        timeout = float(raw_timeout) if isinstance(raw_timeout, (int, float)) else 0.0
        allowed = req.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(str(kind) for kind in allowed) if allowed else _DEFAULT_UPDATE_TYPES
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older poll still held is answered 409, as by Telegram
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._pollers += 1
        self._notify_state()
        try:
            while True:
                if generation != self._poll_generation:
                    raise _ApiError(409, CONFLICT)
                batch = self._take(limit)
                remaining = deadline - loop.time()
                if batch or self._closing or remaining <= 0:
                    return batch
                event = self._updates_changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            self._pollers -= 1

    def _confirm(self, offset: int) -> None:
        before = self._confirmed_below
        if offset > 0:
            self._confirmed_below = max(self._confirmed_below, min(offset, self._next_update_id))
        elif offset < 0:
            keep = self._pending[offset:]
            self._confirmed_below = keep[0]["update_id"] if keep else self._next_update_id
        if self._confirmed_below != before:
            drop = 0
            while drop < len(self._pending) and (
                self._pending[drop]["update_id"] < self._confirmed_below
            ):
                drop += 1
            del self._pending[:drop]
            self._notify_updates()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        dropped = False
        index = 0
        while index < len(self._pending) and len(batch) < limit:
            update = self._pending[index]
            if _update_type(update) in self._allowed_updates:
                batch.append(update)
                index += 1
                continue
            del self._pending[index]
            self._filtered.add(update["update_id"])
            dropped = True
        if dropped:
            self._notify_updates()
        return batch

    async def _delete_webhook(self, req: _Request) -> bool:
        if req.params.get("drop_pending_updates"):
            self._confirm(self._next_update_id)
        self.webhook = None
        await self._stop_delivery()
        return True

    async def _get_webhook_info(self, _req: _Request) -> dict[str, Any]:
        return {
            "url": self.webhook.url if self.webhook is not None else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    # ------------------------------------------------------------------ webhook mode

    async def _set_webhook(self, req: _Request) -> bool:
        url = req.params.get("url")
        if not isinstance(url, str) or not url:
            await self._delete_webhook(req)
            return True
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = req.params.get("secret_token")
        allowed = req.params.get("allowed_updates")
        self.webhook = Webhook(
            url=url,
            secret_token=str(secret) if secret else None,
            allowed_updates=[str(k) for k in allowed] if isinstance(allowed, list) else None,
            drop_pending_updates=bool(req.params.get("drop_pending_updates")),
        )
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(str(k) for k in allowed) if allowed else _DEFAULT_UPDATE_TYPES
            )
        if self.webhook.drop_pending_updates:
            self._confirm(self._next_update_id)
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver_loop(), name="stand-in-webhook")
        return True

    async def _stop_delivery(self) -> None:
        task, self._delivery = self._delivery, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def post_webhook(
        self, update: dict[str, Any], *, secret: str | None, url: str | None = None
    ) -> int:
        """POST one update to the webhook (``url``, or the one set) with ``secret`` in the
        secret header (None: no header), as anyone on the Internet could; the HTTP status.
        The update is not queued: a refused one is simply gone."""
        target = url or (self.webhook.url if self.webhook is not None else None)
        if target is None:
            msg = "no webhook is set"
            raise RuntimeError(msg)
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(target, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def _deliver_loop(self) -> None:
        """Telegram's side of webhook mode: each pending update POSTed in order, with the
        secret header; an update counts as delivered once answered 200 (and, with
        ``webhook_settle``, once that wait is over); otherwise it is tried again."""
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None and not self._closing:
                event = self._updates_changed
                batch = self._take(1)
                if not batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update = batch[0]
                status = await self._post_one(session, self.webhook, update)
                if status != 200:
                    await asyncio.sleep(0.1)
                    continue
                if self.webhook_settle is not None:
                    await self.webhook_settle()
                self._confirm(update["update_id"] + 1)

    async def _post_one(
        self, session: aiohttp.ClientSession, webhook: Webhook, update: dict[str, Any]
    ) -> int:
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, OSError):
            status = 0
        self.webhook_posts.append(
            WebhookPost(update["update_id"], status, secret_sent=bool(headers))
        )
        self._notify_state()
        return status

    async def _send_message(self, req: _Request) -> dict[str, Any]:
        chat = self._chat(req)
        text, entities, html = self._formatted(req, caption=False)
        return self._new_message(
            chat, req, {"text": text, "entities": entities}, kind="text", html=html
        )

    async def _send_media(self, req: _Request) -> dict[str, Any]:
        chat = self._chat(req)
        kind = _MEDIA_KINDS[req.method]
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        html: str | None = None
        if kind != "sticker":
            caption, entities, html = self._formatted(req, caption=True)
        stored = self._input_file(req, kind)
        content: dict[str, Any] = {kind: self._media_object(stored, kind)}
        if caption:
            content.update(caption=caption, caption_entities=entities)
        return self._new_message(
            chat,
            req,
            content,
            kind=kind,
            html=html,
            document=stored.file if kind == "document" else None,
            photo=stored.file if kind == "photo" else None,
        )

    async def _copy_message(self, req: _Request) -> dict[str, Any]:
        chat = self._chat(req)
        source_chat = self._chat(req, "from_chat_id")
        source = self._find_message(source_chat, self._message_id(req))
        forward = req.method == "forwardMessage"
        if source is None:
            raise _bad(f"message to {'forward' if forward else 'copy'} not found")
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        html: str | None = None
        if not forward and "caption" in req.params:
            caption, entities, html = self._formatted(req, caption=True)
            content.update(caption=caption, caption_entities=entities)
        kind = next((k for k in _FILE_ID_PREFIX if k in content), "text")
        extra: dict[str, Any] | None = None
        if forward:
            origin = source.get("from", self.bot_user)
            extra = {
                "forward_origin": {"type": "user", "sender_user": origin, "date": source["date"]},
                "forward_from": origin,
                "forward_date": source["date"],
            }
        message = self._new_message(
            chat,
            req,
            content,
            kind=kind,
            html=html,
            document=self._known_file(content.get("document")),
            photo=self._known_file(content.get("photo")),
            extra=extra,
            with_markup=not forward,
        )
        return message if forward else {"message_id": message["message_id"]}

    def _known_file(self, media: Any) -> UploadedFile | None:
        if isinstance(media, list):
            media = media[-1] if media else None
        if not isinstance(media, dict):
            return None
        stored = self._files.get(str(media.get("file_id")))
        if stored is not None:
            return stored.file
        name = str(media.get("file_name", "file"))
        return UploadedFile("document", name, b"", str(media.get("mime_type", "")))

    def _editable(self, req: _Request) -> tuple[_Chat, SentMessage]:
        if req.params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(req)
        message_id = self._message_id(req)
        sent = chat.sent.get(message_id)
        if sent is None or sent.deleted:
            if message_id in chat.incoming and message_id not in chat.incoming_deleted:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return chat, sent

    def _apply_edit(
        self, sent: SentMessage, changes: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        same_content = all(
            sent.raw.get(key, [] if key.endswith("entities") else None) == value
            for key, value in changes.items()
        )
        if same_content and sent.raw.get("reply_markup") == inline:
            raise _ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            if value in (None, []):
                sent.raw.pop(key, None)
            else:
                sent.raw[key] = value
        if inline is None:
            sent.raw.pop("reply_markup", None)
        else:
            sent.raw["reply_markup"] = inline
        sent.raw["edit_date"] = int(time.time())
        if sent.reply_markup is None or "inline_keyboard" in sent.reply_markup:
            sent.reply_markup = inline  # a reply keyboard belongs to the chat and stays
        sent.edits += 1
        return copy.deepcopy(sent.raw)

    async def _edit_message_text(self, req: _Request) -> dict[str, Any]:
        _, sent = self._editable(req)
        if "text" not in sent.raw:
            raise _bad("there is no text in the message to edit")
        text, entities, html = self._formatted(req, caption=False, edit=True)
        markup = _check_markup(req.params.get("reply_markup"))
        result = self._apply_edit(sent, {"text": text, "entities": entities}, markup)
        sent.text, sent.entities, sent.html = text, entities, html
        return result

    async def _edit_message_caption(self, req: _Request) -> dict[str, Any]:
        _, sent = self._editable(req)
        if "text" in sent.raw:
            raise _bad("there is no caption in the message to edit")
        caption, entities, html = self._formatted(req, caption=True)
        markup = _check_markup(req.params.get("reply_markup"))
        result = self._apply_edit(
            sent, {"caption": caption or None, "caption_entities": entities}, markup
        )
        sent.text, sent.entities, sent.html = caption or None, entities, html
        return result

    async def _edit_message_reply_markup(self, req: _Request) -> dict[str, Any]:
        _, sent = self._editable(req)
        markup = _check_markup(req.params.get("reply_markup"))
        return self._apply_edit(sent, {}, markup)

    async def _delete_message(self, req: _Request) -> bool:
        chat = self._chat(req)
        message_id = self._message_id(req)
        sent = chat.sent.get(message_id)
        if sent is not None and not sent.deleted:
            sent.deleted = True
            return True
        if message_id in chat.incoming and message_id not in chat.incoming_deleted:
            chat.incoming_deleted.add(message_id)
            return True
        raise _bad("message to delete not found")

    async def _answer_callback_query(self, req: _Request) -> bool:
        query_id = str(req.params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
        req.chat_id = query.chat_id
        if query.chat_id in self._blocked:
            raise _ApiError(403, self._blocked[query.chat_id])
        text = req.params.get("text")
        if isinstance(text, str) and utf16_len(text) > MAX_ALERT:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        return True

    async def _send_chat_action(self, req: _Request) -> bool:
        self._chat(req)
        if req.params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    async def _get_file(self, req: _Request) -> dict[str, Any]:
        stored = self._files.get(str(req.params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file.size,
            "file_path": stored.path,
        }

    def _commands_key(self, req: _Request) -> tuple[str, int | None, int | None, str]:
        scope = req.params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
            raise _bad("can't parse BotCommandScope JSON object")
        language = str(req.params.get("language_code") or "")
        if not _LANGUAGE_RE.fullmatch(language):
            raise _bad("invalid language code specified")
        chat_id = _as_int(scope.get("chat_id"))
        per_chat = scope["type"] in ("chat", "chat_administrators", "chat_member")
        if per_chat and (chat_id is None or chat_id not in self._chats):
            raise _bad("chat not found")
        return str(scope["type"]), chat_id, _as_int(scope.get("user_id")), language

    async def _set_my_commands(self, req: _Request) -> bool:
        key = self._commands_key(req)
        commands = req.params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[dict[str, Any]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not _BOT_COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        self._commands[key] = cleaned
        return True

    async def _get_my_commands(self, req: _Request) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(self._commands_key(req), []))

    async def _delete_my_commands(self, req: _Request) -> bool:
        self._commands.pop(self._commands_key(req), None)
        return True

    async def _set_chat_menu_button(self, req: _Request) -> bool:
        button = req.params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise _bad("can't parse MenuButton JSON object")
        if req.params.get("chat_id") is None:
            self._default_menu_button = button
        else:
            self._chat(req).menu_button = button
        return True

    async def _get_chat_menu_button(self, req: _Request) -> dict[str, Any]:
        if req.params.get("chat_id") is None:
            return self._default_menu_button
        return self._chat(req).menu_button or self._default_menu_button

    async def _set_bot_text(self, req: _Request) -> bool:
        field_name = _bot_text_field(req.method)
        language = str(req.params.get("language_code") or "")
        self._bot_texts[(field_name, language)] = str(req.params.get(field_name) or "")
        return True

    async def _get_bot_text(self, req: _Request) -> dict[str, str]:
        field_name = _bot_text_field(req.method)
        language = str(req.params.get("language_code") or "")
        default = self.bot_user["first_name"] if field_name == "name" else ""
        return {field_name: self._bot_texts.get((field_name, language), default)}
