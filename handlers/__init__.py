"""The conversation: one router per feature, assembled in order by get_routers()."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import common, errors, events, fallback, my, profile, questionnaire, registration

    return [
        errors.router,
        # Commands and menu buttons come before the questionnaire, so /cancel, /help, /my ...
        # work in the middle of a dialog; the questionnaire takes plain answers only.
        common.router,
        events.router,
        my.router,
        profile.router,
        registration.router,
        questionnaire.router,
        # Last: it takes every message and button nobody else took (old or forged buttons,
        # stray messages). Anything registered after it would never run.
        fallback.router,
    ]
