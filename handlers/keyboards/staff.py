"""The coordinator's keyboards: pure functions of their data and the translator."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.events.files import EventKind
from bot.events.input import KIND_CODES, OPTIONAL, EventField
from bot.i18n import Translator
from bot.registration.regions import Regions
from bot.staff.coordination import ALL, CoordinatorInfo
from bot.staff.roles import Role
from bot.timefmt import short_date
from handlers import callbacks as cb
from handlers.attendance.ui import card_rows as attendance_rows
from handlers.keyboards.build import Keyboard
from handlers.keyboards.participant import _cut, short_district
from handlers.selection.decision_buttons import entry as selection_entry
from storage.models import Event, EventStatus


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def column(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """One button a row, in the order given."""
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])


def _to_event(event_id: str, t: Translator) -> InlineKeyboardButton:
    return _button(
        t.plain("coord.to_event"), cb.CoEventCb(action=cb.CoAction.OPEN, event_id=event_id)
    )


def _back_to_edit(event_id: str, t: Translator) -> InlineKeyboardButton:
    return _button(t.plain("edit.back"), cb.CoEventCb(action=cb.CoAction.EDIT, event_id=event_id))


def _admin(text: str, action: cb.AdmAction, value: str = "") -> InlineKeyboardButton:
    return _button(text, cb.CoordAdminCb(action=action, value=value))


def _nav(
    page: int, pages: int, t: Translator, make: Callable[[int], CallbackData]
) -> list[InlineKeyboardButton]:
    nav = []
    if page > 0:
        nav.append(_button(t.plain("list.prev"), make(page - 1)))
    if page < pages - 1:
        nav.append(_button(t.plain("list.next"), make(page + 1)))
    return nav


def events(
    items: list[Event], page: int, pages: int, t: Translator, *, stats: bool = False
) -> InlineKeyboardMarkup:
    """The events of a /coord page (each opens its card), or of /stats (each its numbers)."""
    kb = Keyboard()
    action = cb.CoAction.STATS if stats else cb.CoAction.OPEN
    for event in items:
        mark = "❌ " if event.status is EventStatus.CANCELLED else ""
        label = f"{mark}{short_date(event.starts_at, t)} · {event.title}"
        kb.row(_button(_cut(label), cb.CoEventCb(action=action, event_id=event.id)))
    nav = _nav(page, pages, t, lambda p: cb.CoListCb(page=p, stats=stats))
    if nav:
        kb.row(*nav)
    if not stats:
        kb.row(
            _button(t.plain("coord.new_event"), cb.NewEventCb(action=cb.NeAction.START)),
            _button(t.plain("coord.stats"), cb.CoStatsCb()),
        )
    return kb.as_markup()


def event_card(event: Event, t: Translator, *, can_change: bool) -> InlineKeyboardMarkup:
    def press(action: cb.CoAction) -> cb.CoEventCb:
        return cb.CoEventCb(action=action, event_id=event.id)

    kb = Keyboard()
    kb.row(_button(t.plain("coord.people"), press(cb.CoAction.PEOPLE)))
    kb.row(
        _button(t.plain("coord.csv"), press(cb.CoAction.CSV)),
        _button(t.plain("coord.xlsx"), press(cb.CoAction.XLSX)),
    )
    kb.row(_button(t.plain("coord.sheet"), press(cb.CoAction.SHEET)))
    kb.row(_button(t.plain("coord.event_stats"), press(cb.CoAction.STATS)))
    # Issue 9: a selection event's "Отбор" (handlers/selection/coordinator.py).
    if event.selection is not None:
        kb.row(_button(t.plain("seldec.open"), selection_entry(event.id)))
    for row in attendance_rows(event.id, t, staff=True):  # issue 10: check-in
        kb.row(*row)
    if can_change:
        kb.row(
            _button(t.plain("coord.edit"), press(cb.CoAction.EDIT)),
            _button(t.plain("coord.cancel_event"), press(cb.CoAction.CANCEL)),
        )
    kb.row(_button(t.plain("coord.to_list"), cb.CoListCb(page=0)))
    return kb.as_markup()


def people(event_id: str, page: int, pages: int, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    nav = _nav(
        page, pages, t, lambda p: cb.CoEventCb(action=cb.CoAction.PEOPLE, event_id=event_id, page=p)
    )
    if nav:
        kb.row(*nav)
    kb.row(_to_event(event_id, t))
    return kb.as_markup()


def confirm_cancel(event_id: str, t: Translator) -> InlineKeyboardMarkup:
    yes = cb.CoEventCb(action=cb.CoAction.CANCEL_YES, event_id=event_id)
    no = cb.CoEventCb(action=cb.CoAction.OPEN, event_id=event_id)
    return column(
        _button(t.plain("coord.cancel_yes"), yes), _button(t.plain("coord.cancel_no"), no)
    )


def back_to_event(event_id: str, t: Translator) -> InlineKeyboardMarkup:
    return column(_to_event(event_id, t))


# --- choosing a kind or a district (the /newevent dialog and an edit) ----------------------


def kinds(t: Translator, make: Callable[[EventKind], CallbackData]) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for kind in EventKind:
        kb.button(text=t.plain(f"kind.{kind.value}"), callback_data=make(kind))
    kb.adjust(2)
    return kb.as_markup()


def districts(
    t: Translator, regions: Regions, make: Callable[[str], CallbackData]
) -> InlineKeyboardMarkup:
    """The whole programme first (``ALL``), then the eight districts."""
    kb = Keyboard()
    kb.button(text=t.plain("coord.scope_all_button"), callback_data=make(ALL))
    for district in regions.districts:
        kb.button(text=short_district(district.name(t.locale)), callback_data=make(district.code))
    kb.adjust(1, 2)
    return kb.as_markup()


def new_kinds(t: Translator) -> InlineKeyboardMarkup:
    return kinds(t, lambda k: cb.NewEventCb(action=cb.NeAction.KIND, value=k.value))


def new_districts(t: Translator, regions: Regions) -> InlineKeyboardMarkup:
    return districts(
        t, regions, lambda code: cb.NewEventCb(action=cb.NeAction.DISTRICT, value=code)
    )


def skip(t: Translator) -> InlineKeyboardMarkup:
    return column(_button(t.plain("newevent.skip"), cb.NewEventCb(action=cb.NeAction.SKIP)))


def new_confirm(t: Translator) -> InlineKeyboardMarkup:
    return column(
        _button(t.plain("newevent.create"), cb.NewEventCb(action=cb.NeAction.CREATE)),
        _button(t.plain("newevent.abort"), cb.NewEventCb(action=cb.NeAction.ABORT)),
    )


# --- editing --------------------------------------------------------------------------------


def edit_fields(event: Event, t: Translator, role: Role) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for field in EventField:
        if field is EventField.DISTRICT and role.district is not None:
            continue  # a district coordinator's events stay in their district
        kb.button(
            text=t.plain(f"newevent.field.{field.value}"),
            callback_data=cb.CoEditCb(action=cb.EdAction.FIELD, event_id=event.id, field=field),
        )
    kb.button(
        text=t.plain("coord.to_event"),
        callback_data=cb.CoEventCb(action=cb.CoAction.OPEN, event_id=event.id),
    )
    kb.adjust(2)
    return kb.as_markup()


def edit_kinds(event_id: str, t: Translator) -> InlineKeyboardMarkup:
    return kinds(
        t,
        lambda k: cb.CoEditCb(
            action=cb.EdAction.PICK, event_id=event_id, field=EventField.KIND, value=KIND_CODES[k]
        ),
    )


def edit_districts(event_id: str, t: Translator, regions: Regions) -> InlineKeyboardMarkup:
    return districts(
        t,
        regions,
        lambda code: cb.CoEditCb(
            action=cb.EdAction.PICK, event_id=event_id, field=EventField.DISTRICT, value=code
        ),
    )


def edit_value(event_id: str, field: EventField, t: Translator) -> InlineKeyboardMarkup:
    """Under the request for a new value: leave empty (optional fields) and back."""
    clear = cb.CoEditCb(action=cb.EdAction.CLEAR, event_id=event_id, field=field)
    buttons = [_button(t.plain(f"edit.clear.{field.value}"), clear)] if field in OPTIONAL else []
    return column(*buttons, _back_to_edit(event_id, t))


def edit_confirm(event_id: str, field: EventField, t: Translator) -> InlineKeyboardMarkup:
    save = cb.CoEditCb(action=cb.EdAction.SAVE, event_id=event_id, field=field)
    return column(_button(t.plain("edit.save"), save), _back_to_edit(event_id, t))


# --- /coordinators --------------------------------------------------------------------------


def admin_menu(
    t: Translator, *, any_coordinators: bool, any_invites: bool = False
) -> InlineKeyboardMarkup:
    buttons = [_admin(t.plain("coord.invite"), cb.AdmAction.INVITE)]
    if any_invites:
        buttons.append(_admin(t.plain("coord.invites"), cb.AdmAction.INVITES))
    if any_coordinators:
        buttons.append(_admin(t.plain("coord.remove"), cb.AdmAction.REMOVE))
    return column(*buttons)


def admin_invites(invites: list[tuple[int, str]], t: Translator) -> InlineKeyboardMarkup:
    """``invites``: (number, scope name) of each open invitation: a "revoke" button each."""
    revoke = [
        _admin(_cut(t.plain("coord.invite_revoke", n=n, scope=scope)), cb.AdmAction.REVOKE, str(n))
        for n, scope in invites
    ]
    return column(*revoke, _admin(t.plain("coord.back"), cb.AdmAction.LIST))


def admin_scopes(t: Translator, regions: Regions) -> InlineKeyboardMarkup:
    markup = districts(
        t, regions, lambda code: cb.CoordAdminCb(action=cb.AdmAction.INVITE_SCOPE, value=code)
    )
    markup.inline_keyboard.append([_admin(t.plain("coord.back"), cb.AdmAction.LIST)])
    return markup


def admin_remove(coordinators: list[CoordinatorInfo], t: Translator) -> InlineKeyboardMarkup:
    buttons = []
    for c in coordinators:
        name = c.first_name or str(c.telegram_id)
        if c.username:
            name += f" @{c.username}"
        text = _cut(t.plain("coord.remove_who", name=name))
        buttons.append(_admin(text, cb.AdmAction.REMOVE, str(c.telegram_id)))
    return column(*buttons, _admin(t.plain("coord.back"), cb.AdmAction.LIST))


def admin_remove_confirm(telegram_id: int, t: Translator) -> InlineKeyboardMarkup:
    return column(
        _admin(t.plain("coord.remove_yes"), cb.AdmAction.REMOVE_YES, str(telegram_id)),
        _admin(t.plain("coord.back"), cb.AdmAction.REMOVE),
    )
