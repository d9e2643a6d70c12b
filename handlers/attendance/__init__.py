"""Check-in at the door and online: deep links, the door list, walk-ins, volunteers, room QR."""

from aiogram import Router

from handlers.attendance import door, links, participant


def routers() -> list[Router]:
    """Check-in's routers, for anybody (each handler checks who may): the deep links first
    (before /start's "bad link"), the door tools (staff in scope and door volunteers, who are
    not staff and so sit outside the staff router), the participant's buttons."""
    return [links.routes.build(), door.routes.build(), participant.routes.build()]
