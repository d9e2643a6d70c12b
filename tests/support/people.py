"""People talking to the bot through the stand-in server: ``send()``, ``click()`` and friends.

In the spirit of aiogram_dialog's ``test_tools.BotClient``, but over real HTTP::

    irina = Person(server, 1001)
    reply = await irina.send("/start")
    assert "Здравствуйте" in reply.text
    reply = await irina.click("Записаться")
    assert reply.alerts == ["Готово"]

Every action pushes one update, waits until the bot has processed it
(``StandInServer.wait_processed``; with ``handle_as_tasks=False`` the handler has finished)
and returns a :class:`Reply`: the calls addressed to this person's chat meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.support.stand_in import ApiCall, SentMessage, StandInServer, TgUser, UploadedFile

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Group", "Person", "Reply"]

#: Methods whose successful result is a message the person sees (text or caption).
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageCaption",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "forwardMessage",
        "copyMessage",
    }
)
_KEYBOARD_METHODS = MESSAGE_METHODS | {"editMessageReplyMarkup"}


def _shown_text(call: ApiCall) -> str | None:
    """The text or caption as the person sees it (entities parsed out)."""
    if isinstance(call.result, dict):
        for key in ("text", "caption"):
            value = call.result.get(key)
            if isinstance(value, str):
                return value
    if call.method == "copyMessage":
        caption = call.params.get("caption")
        return caption if isinstance(caption, str) else None
    return None


def _inline_rows(markup: Any) -> list[list[dict[str, Any]]] | None:
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        return markup["inline_keyboard"]  # type: ignore[no-any-return]
    return None


def _button_text(button: Any) -> str:
    if isinstance(button, dict):
        return str(button.get("text", ""))
    return str(button)


def _layout(rows: list[list[Any]]) -> str:
    return " / ".join(" | ".join(repr(_button_text(button)) for button in row) for row in rows)


@dataclass(frozen=True)
class Reply:
    """What the bot did in this chat while processing one update."""

    update_id: int
    calls: list[ApiCall]
    query_id: str | None = None
    #: The bot never received the update (its type is not in the bot's allowed_updates).
    dropped: bool = False

    @property
    def messages(self) -> list[ApiCall]:
        """Successful calls that sent or edited a message the person sees."""
        return [call for call in self.calls if call.ok and call.method in MESSAGE_METHODS]

    @property
    def texts(self) -> list[str]:
        """Texts and captions of the messages sent or edited, in order, as shown."""
        return [text for call in self.messages if (text := _shown_text(call)) is not None]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def last(self) -> ApiCall:
        """The last successful message call (AssertionError if there is none)."""
        if not self.messages:
            msg = f"the bot sent no message; its calls: {self._summary()}"
            raise AssertionError(msg)
        return self.messages[-1]

    @property
    def documents(self) -> list[UploadedFile]:
        return [
            call.files["document"]
            for call in self.calls
            if call.ok and call.method == "sendDocument" and "document" in call.files
        ]

    @property
    def photos(self) -> list[UploadedFile]:
        """The photos uploaded to this chat (check-in QR codes), as the bot sent them."""
        return [
            call.files["photo"]
            for call in self.calls
            if call.ok and call.method == "sendPhoto" and "photo" in call.files
        ]

    @property
    def alerts(self) -> list[str]:
        """Texts of answerCallbackQuery calls (notifications and alerts)."""
        return [
            str(call.params["text"])
            for call in self.calls
            if call.ok and call.method == "answerCallbackQuery" and call.params.get("text")
        ]

    @property
    def answered(self) -> bool:
        """Whether the bot answered the callback query (the button stops spinning)."""
        return any(call.ok and call.method == "answerCallbackQuery" for call in self.calls)

    @property
    def buttons(self) -> list[str]:
        """Texts of the inline buttons of the last message sent or edited with a keyboard."""
        for call in reversed(self.calls):
            if call.ok and call.method in _KEYBOARD_METHODS:
                rows = _inline_rows(call.params.get("reply_markup"))
                if rows is not None:
                    return [_button_text(button) for row in rows for button in row]
        return []

    @property
    def reply_buttons(self) -> list[str]:
        """Texts of the reply keyboard of the last message that set one."""
        for call in reversed(self.calls):
            markup = call.params.get("reply_markup")
            if call.ok and isinstance(markup, dict) and isinstance(markup.get("keyboard"), list):
                return [_button_text(button) for row in markup["keyboard"] for button in row]
        return []

    @property
    def errors(self) -> list[ApiCall]:
        """Calls the server refused."""
        return [call for call in self.calls if not call.ok]

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text

    def _summary(self) -> str:
        parts = [f"{call.method}({'ok' if call.ok else call.error})" for call in self.calls]
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class Group:
    """A group, supergroup or channel with the bot in it (``chat_id`` < 0)."""

    server: StandInServer
    chat_id: int
    title: str = "Этнокультурные НКО Урала"
    chat_type: str = "supergroup"

    def __post_init__(self) -> None:
        self.server.add_group(self.chat_id, self.title, self.chat_type)

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages in the group."""
        return self.server.chat_messages(self.chat_id)

    @property
    def calls(self) -> list[ApiCall]:
        """Every call the bot made to the group's chat id (answers to its buttons included)."""
        return [call for call in self.server.calls if call.chat_id == self.chat_id]

    async def post(self, text: str, timeout: float = 10.0) -> Reply:  # noqa: ASYNC109
        """A channel post (``chat_type="channel"``)."""
        since = len(self.server.calls)
        update_id = self.server.channel_post(self.chat_id, text)
        await self.server.wait_processed(update_id, timeout=timeout)
        calls = [call for call in self.server.calls[since:] if call.chat_id == self.chat_id]
        return Reply(update_id, calls, dropped=self.server.dropped(update_id))


class Person:
    """A Telegram user in a private chat with the bot."""

    def __init__(
        self,
        server: StandInServer,
        user_id: int,
        first_name: str = "Ирина",
        *,
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not server.record:
            msg = "Person needs StandInServer(record=True) to see the bot's replies"
            raise ValueError(msg)
        self.server = server
        self.user = TgUser(user_id, first_name, last_name, username, language_code)
        self.timeout = timeout

    @property
    def id(self) -> int:
        return self.user.id

    def __repr__(self) -> str:
        return f"Person({self.user.id}, {self.user.first_name!r})"

    # ------------------------------------------------------------------ what the person does

    async def send(self, text: str, **extra: Any) -> Reply:
        """Send a text message (``/cmd`` gets a bot_command entity, like Telegram's)."""
        return await self._exchange(lambda: self.server.message(self.user, text, **extra))

    async def send_contact(
        self,
        phone: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        with_user_id: bool = True,
    ) -> Reply:
        """Share a contact; by default one's own (``user_id`` = own id), as the
        ``request_contact`` button does."""
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name if first_name is not None else self.user.first_name,
        }
        if last_name is not None:
            contact["last_name"] = last_name
        if with_user_id:
            contact["user_id"] = user_id if user_id is not None else self.id
        return await self._exchange(lambda: self.server.message(self.user, contact=contact))

    async def send_sticker(self, emoji: str = "👍") -> Reply:
        file_id, unique_id = self.server.store_file(b"RIFF-sticker", "sticker.webp", kind="sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._exchange(lambda: self.server.message(self.user, sticker=sticker))

    async def send_photo(
        self, caption: str | None = None, content: bytes = b"\xff\xd8\xff"
    ) -> Reply:
        file_id, unique_id = self.server.store_file(content, "photo.jpg", "image/jpeg", "photo")
        photo = [
            {
                "file_id": f"{file_id}{suffix}",
                "file_unique_id": unique_id,
                "width": width,
                "height": height,
                "file_size": len(content),
            }
            for suffix, width, height in (("s", 90, 68), ("", 1280, 960))
        ]
        extra: dict[str, Any] = {"photo": photo}
        if caption is not None:
            extra["caption"] = caption
        return await self._exchange(lambda: self.server.message(self.user, **extra))

    async def send_voice(self, duration: int = 3) -> Reply:
        file_id, unique_id = self.server.store_file(
            b"OggS-voice", "voice.ogg", "audio/ogg", "voice"
        )
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 10,
        }
        return await self._exchange(lambda: self.server.message(self.user, voice=voice))

    async def send_document(
        self,
        content: bytes = b"document",
        file_name: str = "document.txt",
        mime_type: str | None = None,
        *,
        caption: str | None = None,
    ) -> Reply:
        """Send a file; the bot can fetch it back with getFile and download it."""
        file_id, unique_id = self.server.store_file(content, file_name, mime_type)
        document = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": file_name,
            "mime_type": mime_type or "application/octet-stream",
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return await self._exchange(lambda: self.server.message(self.user, **extra))

    async def send_location(self, latitude: float, longitude: float) -> Reply:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._exchange(lambda: self.server.message(self.user, location=location))

    async def click(
        self, text_or_predicate: str | Callable[[str], bool], *, message_id: int | None = None
    ) -> Reply:
        """Tap the inline button whose text equals (or else contains) the string, or satisfies
        the predicate, in the latest bot message with an inline keyboard (or ``message_id``)."""
        message = self._keyboard_message(message_id)
        rows = message.inline_keyboard or []
        buttons = [button for row in rows for button in row]
        if callable(text_or_predicate):
            matches = [b for b in buttons if text_or_predicate(_button_text(b))]
            wanted = "the predicate"
        else:
            matches = [b for b in buttons if _button_text(b) == text_or_predicate] or [
                b for b in buttons if text_or_predicate in _button_text(b)
            ]
            wanted = repr(text_or_predicate)
        where = f"message {message.message_id} ({message.text!r})"
        if not matches:
            msg = f"no inline button matching {wanted} in {where}; buttons: {_layout(rows)}"
            raise AssertionError(msg)
        if len(matches) > 1:
            found = ", ".join(repr(_button_text(b)) for b in matches)
            msg = f"{wanted} matches several buttons in {where}: {found}"
            raise AssertionError(msg)
        button = matches[0]
        data = button.get("callback_data")
        if data is None:
            kinds = sorted(set(button) - {"text"})
            msg = f"button {_button_text(button)!r} sends no callback data (it has {kinds})"
            raise AssertionError(msg)
        return await self._tap(message.message_id, str(data))

    async def click_data(self, data: str, message_id: int | None = None) -> Reply:
        """Tap with arbitrary callback data (forged, or from an old keyboard) under the
        given message, or the latest bot message with a keyboard (else the latest)."""
        if message_id is None:
            message_id = self._latest_message(keyboard=False).message_id
            keyboard = self._latest_message_or_none(keyboard=True)
            if keyboard is not None:
                message_id = keyboard.message_id
        return await self._tap(message_id, data)

    async def reply_button(self, text: str, *, phone: str | None = None) -> Reply:
        """Press a button of the reply keyboard the bot showed last: it sends its text (or the
        person's contact, for a ``request_contact`` button: pass ``phone``)."""
        rows: list[list[Any]] | None = None
        for message in reversed(self.messages):
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                msg = f"the bot removed the reply keyboard (message {message.message_id})"
                raise AssertionError(msg)
            if isinstance(markup.get("keyboard"), list):
                rows = markup["keyboard"]
                break
        if rows is None:
            msg = f"the bot has shown {self} no reply keyboard"
            raise AssertionError(msg)
        button = next((b for row in rows for b in row if _button_text(b) == text), None)
        if button is None:
            msg = f"no reply button {text!r}; the keyboard: {_layout(rows)}"
            raise AssertionError(msg)
        if isinstance(button, dict) and button.get("request_contact"):
            if phone is None:
                msg = f"{text!r} shares the contact: call reply_button({text!r}, phone=...)"
                raise AssertionError(msg)
            return await self.send_contact(phone)
        if isinstance(button, dict) and button.get("request_location"):
            msg = f"{text!r} shares the location: use send_location()"
            raise AssertionError(msg)
        return await self.send(text)

    async def send_in(self, group: Group, text: str | None, **extra: Any) -> Reply:
        """Write in a group; the Reply holds the calls to the group's chat id."""
        since = len(self.server.calls)
        update_id = self.server.group_message(self.user, group.chat_id, text, **extra)
        await self.server.wait_processed(update_id, timeout=self.timeout)
        calls = [call for call in self.server.calls[since:] if call.chat_id == group.chat_id]
        return Reply(update_id, calls, dropped=self.server.dropped(update_id))

    async def click_in(self, group: Group, data: str, message_id: int | None = None) -> Reply:
        """Tap with (forged) callback data under the bot's message in a group (its latest
        message there if ``message_id`` is not given)."""
        if message_id is None:
            if not group.messages:
                msg = f"the bot has sent no message in group {group.chat_id}"
                raise AssertionError(msg)
            message_id = group.messages[-1].message_id
        since = len(self.server.calls)
        update_id, query_id = self.server.group_callback(self.user, group.chat_id, message_id, data)
        await self.server.wait_processed(update_id, timeout=self.timeout)
        calls = [call for call in self.server.calls[since:] if call.chat_id == group.chat_id]
        return Reply(update_id, calls, query_id, dropped=self.server.dropped(update_id))

    # ------------------------------------------------------------------ what the person sees

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages in this chat, current state, deleted ones included (flagged)."""
        return self.server.chat_messages(self.id)

    @property
    def visible_messages(self) -> list[SentMessage]:
        return [message for message in self.messages if not message.deleted]

    @property
    def last_message(self) -> SentMessage | None:
        visible = self.visible_messages
        return visible[-1] if visible else None

    @property
    def last_text(self) -> str:
        """Text or caption of the bot's latest visible message ("" if none)."""
        message = self.last_message
        return (message.text or "") if message is not None else ""

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown (rows of texts), None if none or removed."""
        for message in reversed(self.messages):
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                return None
            if isinstance(markup.get("keyboard"), list):
                return [[_button_text(b) for b in row] for row in markup["keyboard"]]
        return None

    # ------------------------------------------------------------------ internals

    async def _exchange(self, push: Callable[[], int]) -> Reply:
        since = len(self.server.calls)
        update_id = push()
        await self.server.wait_processed(update_id, timeout=self.timeout)
        calls = [call for call in self.server.calls[since:] if call.chat_id == self.id]
        return Reply(update_id, calls, dropped=self.server.dropped(update_id))

    async def _tap(self, message_id: int, data: str) -> Reply:
        since = len(self.server.calls)
        update_id, query_id = self.server.callback(self.user, message_id, data)
        await self.server.wait_processed(update_id, timeout=self.timeout)
        calls = [call for call in self.server.calls[since:] if call.chat_id == self.id]
        return Reply(update_id, calls, query_id, dropped=self.server.dropped(update_id))

    def _latest_message_or_none(self, *, keyboard: bool) -> SentMessage | None:
        for message in reversed(self.visible_messages):
            if not keyboard or message.inline_keyboard:
                return message
        return None

    def _latest_message(self, *, keyboard: bool) -> SentMessage:
        message = self._latest_message_or_none(keyboard=keyboard)
        if message is None:
            texts = [m.text for m in self.visible_messages]
            what = "message with an inline keyboard" if keyboard else "message"
            msg = f"the bot has sent {self} no {what}; its messages: {texts}"
            raise AssertionError(msg)
        return message

    def _keyboard_message(self, message_id: int | None) -> SentMessage:
        if message_id is None:
            return self._latest_message(keyboard=True)
        message = next((m for m in self.messages if m.message_id == message_id), None)
        if message is None or message.deleted:
            msg = f"the bot has no message {message_id} in the chat with {self}"
            raise AssertionError(msg)
        if not message.inline_keyboard:
            msg = f"message {message_id} ({message.text!r}) has no inline keyboard"
            raise AssertionError(msg)
        return message


async def send_each(person: Person, steps: list[tuple[str, str]]) -> Reply:
    """The person sends each step's text in turn, and the bot's reply to it must hold the
    step's expected part (the text is the assertion's message). The last reply is returned."""
    reply = None
    for text, says in steps:
        reply = await person.send(text)
        assert says in reply.text, text
    assert reply is not None
    return reply
