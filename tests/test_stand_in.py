"""The stand-in Bot API server behaves like Telegram for the real aiogram client."""

from __future__ import annotations

import asyncio
import html
import time
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from tests.support.people import Person
from tests.support.stand_in import TEST_TOKEN, EntityParseError, StandInServer, TgUser, parse_html

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

IRINA = 1001
CSV = b"name;phone\n\xd0\x98\xd1\x80\xd0\xb8\xd0\xbd\xd0\xb0;+79990000000\n"


def make_router() -> Router:
    router = Router(name="stand-in-test")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = html.escape(message.from_user.first_name if message.from_user else "")
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Да", callback_data="yes"),
                    InlineKeyboardButton(text="Нет", callback_data="no"),
                ]
            ]
        )
        await message.answer(f"Здравствуйте, <b>{name}</b>! Придёте?", reply_markup=keyboard)

    @router.message(Command("doc"))
    async def document(message: Message) -> None:
        await message.answer_document(BufferedInputFile(CSV, "report.csv"), caption="Отчёт")

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Мероприятия")]], resize_keyboard=True
        )
        await message.answer("Меню", reply_markup=keyboard)

    @router.callback_query(F.data.in_({"yes", "no"}))
    async def choose(query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.edit_text(f"Вы выбрали: {query.data}")
        await query.answer("Принято")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(html.escape(message.text or ""))

    return router


@pytest_asyncio.fixture
async def server() -> AsyncIterator[StandInServer]:
    async with StandInServer() as stand_in:
        yield stand_in


@pytest_asyncio.fixture
async def bot(server: StandInServer) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture
async def irina(server: StandInServer, bot: Bot) -> AsyncIterator[Person]:
    """Ирина, talking to a bare bot polling the stand-in."""
    dp = Dispatcher()
    dp.include_router(make_router())
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_as_tasks=False, polling_timeout=1, handle_signals=False)
    )
    await server.wait_polling()
    yield Person(server, IRINA)
    await dp.stop_polling()
    await polling


@pytest.fixture
def known_chat(server: StandInServer) -> int:
    """A chat the bot may write to, without a dispatcher."""
    server.add_chat(TgUser(IRINA, "Ирина"))
    return IRINA


async def bad_request(call: Any) -> str:
    with pytest.raises(TelegramBadRequest) as caught:
        await call
    return caught.value.message


# --------------------------------------------------------------------------- conversations


@pytest.mark.asyncio
async def test_echo_escapes_and_shows_plain_text(irina: Person) -> None:
    reply = await irina.send("Tom & Jerry <3")

    assert reply.texts == ["Tom & Jerry <3"]
    assert reply.last.params["text"] == "Tom &amp; Jerry &lt;3"
    assert "Jerry" in reply
    assert irina.last_text == "Tom & Jerry <3"


@pytest.mark.asyncio
async def test_start_then_click_edits_and_answers(
    irina: Person, server: StandInServer, bot: Bot
) -> None:
    reply = await irina.send("/start")

    assert reply.text == "Здравствуйте, Ирина! Придёте?"
    assert reply.buttons == ["Да", "Нет"]
    assert reply.last.result["entities"] == [{"type": "bold", "offset": 14, "length": 5}]
    with pytest.raises(AssertionError, match="'Да' \\| 'Нет'"):
        await irina.click("Может быть")

    clicked = await irina.click("Да")

    assert clicked.texts == ["Вы выбрали: yes"]
    assert clicked.alerts == ["Принято"]
    assert clicked.answered
    message = irina.messages[0]
    assert (message.text, message.reply_markup, message.edits) == ("Вы выбрали: yes", None, 1)
    assert clicked.query_id is not None
    description = await bad_request(bot.answer_callback_query(clicked.query_id))
    assert description == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert server.counts["answerCallbackQuery"] == 2


@pytest.mark.asyncio
async def test_document_arrives_with_its_bytes(irina: Person, bot: Bot) -> None:
    reply = await irina.send("/doc")

    assert reply.texts == ["Отчёт"]
    [document] = reply.documents
    assert (document.filename, document.content) == ("report.csv", CSV)
    sent = irina.messages[-1]
    assert sent.document is not None
    assert sent.document.content == CSV
    assert sent.raw["document"]["mime_type"] == "text/csv"
    downloaded = await bot.download(sent.raw["document"]["file_id"])
    assert downloaded is not None
    assert downloaded.read() == CSV


@pytest.mark.asyncio
async def test_reply_keyboard_button_sends_its_text(irina: Person) -> None:
    await irina.send("/menu")
    assert irina.reply_keyboard == [["Мероприятия"]]

    reply = await irina.reply_button("Мероприятия")

    assert reply.texts == ["Мероприятия"]
    with pytest.raises(AssertionError, match="Мероприятия"):
        await irina.reply_button("Нет такой")


# --------------------------------------------------------------------------- refusals


@pytest.mark.asyncio
async def test_html_is_checked_like_telegram(bot: Bot, known_chat: int) -> None:
    refused = await bad_request(bot.send_message(known_chat, "Hello <script>x</script>"))
    assert refused == (
        'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 6'
    )
    unclosed = await bad_request(bot.send_message(known_chat, "<b>жирный"))
    assert unclosed.endswith('Can\'t find end tag corresponding to start tag "b"')
    assert "unescaped" in await bad_request(bot.send_message(known_chat, "Tom & Jerry"))
    assert await bad_request(bot.send_message(known_chat, "<b> </b>")) == (
        "Bad Request: message text is empty"
    )
    assert await bad_request(bot.send_message(known_chat + 1, "Hi")) == (
        "Bad Request: chat not found"
    )

    sent = await bot.send_message(known_chat, '<a href="https://example.org">Сайт</a> &lt;ok&gt;')
    assert sent.text == "Сайт <ok>"


@pytest.mark.asyncio
async def test_length_limits_count_utf16_after_parsing(bot: Bot, known_chat: int) -> None:
    assert await bad_request(bot.send_message(known_chat, "я" * 4097)) == (
        "Bad Request: message is too long"
    )
    assert (await bot.send_message(known_chat, "я" * 4096)).text == "я" * 4096
    assert (await bot.send_message(known_chat, "&lt;" * 4096)).text == "<" * 4096
    assert await bad_request(bot.send_message(known_chat, "😀" * 2049)) == (
        "Bad Request: message is too long"
    )
    long_caption = bot.send_document(
        known_chat, BufferedInputFile(b"x", "x.txt"), caption="я" * 1025
    )
    assert await bad_request(long_caption) == "Bad Request: message caption is too long"


@pytest.mark.asyncio
async def test_inline_keyboard_is_checked(bot: Bot, known_chat: int) -> None:
    def keyboard(button: InlineKeyboardButton) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[button]])

    for data in ("x" * 65, "я" * 33):
        button = InlineKeyboardButton(text="B", callback_data=data)
        refused = bot.send_message(known_chat, "k", reply_markup=keyboard(button))
        assert await bad_request(refused) == "Bad Request: BUTTON_DATA_INVALID"
    fits = InlineKeyboardButton(text="B", callback_data="x" * 64)
    await bot.send_message(known_chat, "k", reply_markup=keyboard(fits))

    script = InlineKeyboardButton(text="B", url="javascript:alert(1)")
    bad_url = bot.send_message(known_chat, "k", reply_markup=keyboard(script))
    assert await bad_request(bad_url) == (
        "Bad Request: inline keyboard button URL 'javascript:alert(1)' is invalid: "
        "Unsupported URL protocol"
    )


@pytest.mark.asyncio
async def test_edits_refused_when_missing_or_unchanged(bot: Bot, known_chat: int) -> None:
    sent = await bot.send_message(known_chat, "<b>Текст</b>")

    same = bot.edit_message_text("<b>Текст</b>", chat_id=known_chat, message_id=sent.message_id)
    assert (await bad_request(same)).startswith("Bad Request: message is not modified: ")
    missing = bot.edit_message_text("Новый", chat_id=known_chat, message_id=999)
    assert await bad_request(missing) == "Bad Request: message to edit not found"

    edited = await bot.edit_message_text(
        "<i>Текст</i>", chat_id=known_chat, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.entities is not None
    assert edited.entities[0].type == "italic"
    assert await bot.delete_message(known_chat, sent.message_id)
    deleted = bot.delete_message(known_chat, sent.message_id)
    assert await bad_request(deleted) == "Bad Request: message to delete not found"


# --------------------------------------------------------------------------- fault injection


@pytest.mark.asyncio
async def test_injected_429_is_retry_after(
    bot: Bot, server: StandInServer, known_chat: int
) -> None:
    server.too_many_requests("sendMessage", 7)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(known_chat, "раз")
    assert caught.value.retry_after == 7
    assert (await bot.send_message(known_chat, "два")).text == "два"
    assert server.count_429 == 1
    assert [call.ok for call in server.calls if call.method == "sendMessage"] == [False, True]


@pytest.mark.asyncio
async def test_blocked_chat_is_forbidden(bot: Bot, server: StandInServer, known_chat: int) -> None:
    server.block(known_chat)

    with pytest.raises(TelegramForbiddenError) as caught:
        await bot.send_message(known_chat, "Вы тут?")
    assert caught.value.message == "Forbidden: bot was blocked by the user"


@pytest.mark.asyncio
async def test_rate_limit_answers_429_above_the_rate(
    bot: Bot, server: StandInServer, known_chat: int
) -> None:
    server.rate_limit(5)

    results = await asyncio.gather(
        *(bot.send_message(known_chat, f"№{n}") for n in range(8)), return_exceptions=True
    )

    assert sum(isinstance(result, Message) for result in results) == 5
    assert all(isinstance(result, (Message, TelegramRetryAfter)) for result in results), results
    assert server.count_429 == 3
    assert len(server.chat_messages(known_chat)) == 5


@pytest.mark.asyncio
async def test_delay_and_wait_for(bot: Bot, server: StandInServer, known_chat: int) -> None:
    server.delay = 0.05
    since = len(server.calls)
    started = time.monotonic()

    sending = asyncio.create_task(bot.send_message(known_chat, "медленно"))
    call = await server.wait_for(lambda call: call.method == "sendMessage", since=since)
    await sending

    assert time.monotonic() - started >= 0.05
    assert call.params["text"] == "медленно"
    await server.wait_idle(quiet=0.01)


# --------------------------------------------------------------------------- bot settings, polling


@pytest.mark.asyncio
async def test_commands_are_kept_per_language(bot: Bot, server: StandInServer) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], language_code="en"
    )

    assert server.commands() == [{"command": "start", "description": "Начать"}]
    assert server.commands("en") == [{"command": "start", "description": "Start"}]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    bad = bot.set_my_commands([BotCommand(command="Start!", description="x")])
    assert await bad_request(bad) == "Bad Request: BOT_COMMAND_INVALID"
    await bot.delete_my_commands(language_code="en")
    assert server.commands("en") == []


@pytest.mark.asyncio
async def test_get_updates_offsets_and_long_poll(bot: Bot, server: StandInServer) -> None:
    user = TgUser(IRINA, "Ирина")
    ids = [server.message(user, text) for text in ("раз", "два", "три")]

    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1], limit=1)] == ids[1:2]
    await server.wait_processed(ids[0], timeout=0.1)
    assert await bot.get_updates(offset=ids[2] + 1) == []

    polling = asyncio.create_task(bot.get_updates(offset=ids[2] + 1, timeout=5))
    await server.wait_polling()
    started = time.monotonic()
    fourth = server.message(user, "четыре")
    [update] = await polling

    assert update.update_id == fourth
    assert update.message is not None
    assert update.message.text == "четыре"
    assert time.monotonic() - started < 1


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(server: StandInServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.base_url}/bot123:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{server.base_url}/bot{TEST_TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            body = await response.json()
            assert body["description"] == "Not Found: method not found"


# --------------------------------------------------------------------------- the HTML parser


def test_parse_html_builds_utf16_entities() -> None:
    text, entities = parse_html(
        '😀 <b>a<i>b</i></b> <pre><code class="language-python">x</code></pre> '
        "<blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>"
    )

    assert text == "😀 ab x q s"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},
        {"type": "italic", "offset": 4, "length": 1},
        {"type": "pre", "offset": 6, "length": 1, "language": "python"},
        {"type": "expandable_blockquote", "offset": 8, "length": 1},
        {"type": "spoiler", "offset": 10, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a <br> b", 'Unsupported start tag "br" at byte offset 2'),
        ("я < 5", 'Unsupported start tag "" at byte offset 3'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ("<i   =x>y</i>", 'Empty attribute name in the tag "i" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("&nbsp;", 'Unsupported entity or unescaped "&" at byte offset 0'),
    ],
)
def test_parse_html_refuses_like_telegram(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value).startswith(error)


def test_parse_html_lenient_ampersand_matches_telegram() -> None:
    assert parse_html("Tom & Jerry &amp &#128512;", strict_ampersand=False) == (
        "Tom & Jerry & 😀",
        [],
    )
