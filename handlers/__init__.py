"""The conversation: one router per feature, assembled in order by get_routers()."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        broadcast,
        common,
        coord_edit,
        coord_events,
        coord_newevent,
        coord_stats,
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
        # Coordinators before common: common's /start with a payload calls every payload it
        # does not know a bad event link, so /start co_<token> (an invitation) must be taken
        # first; and /cancel inside a coordinator's dialog ends that dialog. These routers
        # take only their own commands, buttons and FSM states, and check the role on every
        # update; coordinators (the refusals) comes last of them.
        coord_events.routes.build(),
        coord_newevent.routes.build(),
        coord_edit.routes.build(),
        coord_stats.routes.build(),
        coordinators.routes.build(),
        # Commands and menu buttons come before the questionnaire, so /cancel, /help, /my ...
        # work in the middle of a dialog; the questionnaire takes plain answers only.
        common.routes.build(),
        events.routes.build(),
        my.routes.build(),
        profile.routes.build(),
        registration.routes.build(),
        reminders.routes.build(),
        # Staff routers check the role on every update (filters in handlers/filters.py).
        broadcast.routes.build(),
        # Feedback and the questionnaire take free text in their FSM states.
        feedback.routes.build(),
        questionnaire.routes.build(),
        # Last: it takes every message and button nobody else took (old or forged buttons,
        # stray messages). Anything registered after it would never run.
        fallback.routes.build(),
    ]
