"""The conversation: one router per feature, assembled in order by get_routers()."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        broadcast,
        common,
        coordinators,
        errors,
        events,
        fallback,
        feedback,
        my,
        profile,
        questionnaire,
        registration,
        reminders,
    )

    return [
        errors.routes.build(),
        # Commands and menu buttons come before the questionnaire, so /cancel, /help, /my ...
        # work in the middle of a dialog; the questionnaire takes plain answers only.
        common.routes.build(),
        events.routes.build(),
        my.routes.build(),
        profile.routes.build(),
        registration.routes.build(),
        reminders.routes.build(),
        # Staff routers check the role on every update (filters in handlers/filters.py).
        coordinators.routes.build(),
        broadcast.routes.build(),
        # Feedback and the questionnaire take free text in their FSM states.
        feedback.routes.build(),
        questionnaire.routes.build(),
        # Last: it takes every message and button nobody else took (old or forged buttons,
        # stray messages). Anything registered after it would never run.
        fallback.routes.build(),
    ]
