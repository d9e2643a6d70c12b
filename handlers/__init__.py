"""The conversation: one router per feature, assembled in order by get_routers()."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import BaseMiddleware, Router

from handlers import attendance, errors, fallback, groups, reports, selection
from handlers.filters import IsAdmin, IsStaff
from handlers.groups import PRIVATE_CALLBACK, PRIVATE_MESSAGE
from handlers.participant import (
    events,
    feedback,
    my,
    profile,
    questionnaire,
    registration,
    reminders,
    start,
)
from handlers.selection import confirm as selection_confirm
from handlers.selection import coordinator as selection_coordinator
from handlers.staff import broadcast, coordinators, edit, new_event, scope, stats
from handlers.staff import events as staff_events
from handlers.staff.context import staff_context


def get_routers(people_middlewares: Sequence[BaseMiddleware] = ()) -> list[Router]:
    """[errors, groups, private]: every feature router sits under ``private``, whose filter
    admits messages and buttons of private chats only (handlers/groups.py answers the rest).

    ``people_middlewares`` (who writes, their role and language) run inside ``private``,
    after its filter: nothing is read or stored about someone who writes in a group.
    """
    private = Router(name="private")
    private.message.filter(PRIVATE_MESSAGE)
    private.callback_query.filter(PRIVATE_CALLBACK)
    # Outer middlewares of a router run before its own filter, so they go one level down.
    people = Router(name="people")
    for middleware in people_middlewares:
        people.message.outer_middleware(middleware)
        people.callback_query.outer_middleware(middleware)
    people.include_routers(*feature_routers())
    private.include_router(people)
    return [errors.routes.build(), groups.build(), private]


def feature_routers() -> list[Router]:
    return [
        # The questionnaire's answers first: the most frequent update (a typed answer, an
        # answer button) need not walk past every feature below; it takes no command, and
        # nothing else takes an answer (handlers/participant/questionnaire.py).
        questionnaire.answers.build(),
        # Staff before start: start's /start with a payload calls every payload it
        # does not know a bad event link, so /start co_<token> (an invitation) must be taken
        # first; and /cancel inside a coordinator's dialog ends that dialog. The staff router
        # takes only its own commands, buttons and FSM states, and checks the role on every
        # update; coordinators (the invitation link and the refusals, for anybody) comes
        # after it, so the refusals see only what it left.
        staff_router(),
        with_context(coordinators.routes.build()),
        # Issue 9: the refusal of the "Отбор" buttons to whoever is not staff, and the
        # accepted applicants' "Подтверждаю участие" / "Не смогу" (for anybody).
        selection_coordinator.refusals.build(),
        selection_confirm.routes.build(),
        # Certificates, /report (its dialog takes photos, files and text in its own state;
        # its /cancel comes before start's) and /reports, with their refusals.
        reports.setup(),
        # Check-in (issue 10): its deep links before start's, its door dialog before the
        # questionnaire; door volunteers are not staff, so it is not under the staff router.
        *attendance.routers(),
        # Commands and menu buttons come before the questionnaire, so /cancel, /help, /my ...
        # work in the middle of a dialog; the questionnaire takes plain answers only.
        start.routes.build(),
        events.routes.build(),
        my.routes.build(),
        profile.routes.build(),
        registration.routes.build(),
        reminders.routes.build(),
        # Selection (issue 9): the applicant's and the expert's buttons, and the expert's
        # typed comment in their own FSM state; after the commands above, so they work
        # in the middle of scoring.
        *selection.routers(),
        # The message step of /broadcast takes any message in its state, so it comes after
        # the participant's commands (/cancel, /my ... work in the middle); it checks the role
        # itself. With the refusals of /broadcast and its buttons to whoever is not staff.
        with_context(broadcast.text_routes.build()),
        # Feedback and the questionnaire take free text in their FSM states.
        feedback.routes.build(),
        questionnaire.routes.build(),
        # Last: it takes every message and button nobody else took (old or forged buttons,
        # stray messages). Anything registered after it would never run.
        fallback.routes.build(),
    ]


def staff_router() -> Router:
    """Every staff feature under one router whose filter checks the role once per update
    (IsStaff; whoever fails it goes on to the refusals); the admin's /coordinators one level
    down, under IsAdmin. Every handler here gets ``ctx`` (handlers/staff/context.py).
    scope (the refusal of a press on an event the others did not take) comes last."""
    staff = Router(name="staff")
    admin = coordinators.admin_routes.build()
    for router, role_filter in ((staff, IsStaff()), (admin, IsAdmin())):
        router.message.filter(role_filter)
        router.callback_query.filter(role_filter)
    with_context(staff)
    staff.include_routers(
        staff_events.routes.build(),
        new_event.routes.build(),
        edit.routes.build(),
        stats.routes.build(),
        admin,
        broadcast.routes.build(),
        selection_coordinator.routes.build(),  # issue 9: "Отбор" (before the scope refusal)
        scope.routes.build(),
    )
    return staff


def with_context(router: Router) -> Router:
    """Hands ``ctx`` (a StaffContext) to the handlers of ``router``: its last filter, so it
    is built only for updates that passed the others."""
    router.message.filter(staff_context)
    router.callback_query.filter(staff_context)
    return router
