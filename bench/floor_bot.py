"""The framework's floor as a process of its own, for the memory figure of
``bench/registration.py``: a bare aiogram bot that only answers, polling the given server.

    python -m bench.floor_bot BASE_URL TOKEN

It imports aiogram and nothing of the project, so its RSS is what any aiogram bot costs on this
machine; the bot it is compared with is ``python -m bot`` itself.
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def serve(base_url: str, token: str) -> None:
    router = Router(name="floor")

    @router.message()
    async def on_message(message: Message) -> None:
        await message.answer("ok")

    @router.callback_query()
    async def on_callback(callback: CallbackQuery) -> None:
        await callback.answer()

    dp = Dispatcher()
    dp.include_router(router)
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(token, session=session)
    await dp.start_polling(bot, handle_as_tasks=True)


def main(argv: list[str]) -> int:
    base_url, token = argv
    asyncio.run(serve(base_url, token))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
