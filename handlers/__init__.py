"""The conversation: one router per feature, assembled in order by get_routers()."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import common, errors, events, fallback, my, profile, questionnaire, registration

    return [
        errors.routes.build(),
        # Commands and menu buttons come before the questionnaire, so /cancel, /help, /my ...
        # work in the middle of a dialog; the questionnaire takes plain answers only.
        common.routes.build(),
        events.routes.build(),
        my.routes.build(),
        profile.routes.build(),
        registration.routes.build(),
        questionnaire.routes.build(),
        # Last: it takes every message and button nobody else took (old or forged buttons,
        # stray messages). Anything registered after it would never run.
        fallback.routes.build(),
    ]
