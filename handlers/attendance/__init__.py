"""Check-in at the door and online: deep links, the door list, walk-ins, volunteers, room QR."""

from aiogram import Router

from handlers.attendance import door, links, participant, staff_tools


def routers() -> list[Router]:
    """Check-in's routers, for anybody (each handler checks who may): the deep links first
    (before /start's "bad link"), the door tools (staff in scope and door volunteers, who are
    not staff and so sit outside the staff router), the participant's buttons."""
    return [
        links.routes.build(),
        staff_tools.routes.build(),  # before door's refusal of the buttons it did not take
        door.routes.build(),
        participant.routes.build(),
    ]
