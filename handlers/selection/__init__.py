"""Competitive selection (issue 9): applying, reviewing, experts; sel-decide adds the
coordinator's screen and the confirmations.

``routers()`` gives this package's routers in order, for handlers/__init__.py to include after
the participant's commands (so /my, /cancel ... work in the middle of scoring) and before the
questionnaire and the catch-all.
"""

from __future__ import annotations

from aiogram import Router

from handlers.selection import apply, experts, newevent, review
from handlers.selection.review import review_context
from handlers.staff.context import staff_context


def routers() -> list[Router]:
    """The applicant's buttons, the expert's (with ``rctx``), staff's /experts and
    /newevent's selection step (``ctx``)."""
    expert = review.routes.build()
    expert.message.filter(review_context)
    expert.callback_query.filter(review_context)
    staff = [experts.routes.build(), newevent.routes.build()]
    for router in staff:
        router.message.filter(staff_context)
        router.callback_query.filter(staff_context)
    return [apply.routes.build(), expert, *staff]
