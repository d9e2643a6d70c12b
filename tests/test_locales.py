"""Every text a person reads exists in Russian and English, and is valid Telegram HTML."""

from __future__ import annotations

import string

import pytest
from babel.messages.extract import extract_from_dir

from bot.app import COMMANDS
from bot.attendance.service import Outcome as AttOutcome
from bot.delivery.notices import WATCHED
from bot.events.files import EventKind
from bot.events.input import OPTIONAL, EventField, EventProblem
from bot.i18n import LOCALES, read_catalog, translator
from bot.registration.form import Problem
from bot.registration.service import Closed
from bot.selection.confirm import Reply as SelectionReply
from bot.selection.decisions import Why as SelectionWhy
from bot.selection.reviewing import ReviewClosed
from bot.staff.commands import ADMIN_COMMANDS, EXPERT_COMMANDS, STAFF_COMMANDS
from bot.staff.coordination import InviteRefusal
from storage.applications import AppStatus
from storage.decisions import Decision
from storage.models import RegStatus
from tests.support.process import ROOT
from tests.support.stand_in import parse_html

# Keys built at run time from an enum or a list (t(f"kind.{event.kind}") and the like).
DYNAMIC = (
    {f"kind.{k.value}" for k in EventKind}
    | {f"closed.{c.value}" for c in Closed}
    | {f"problem.{p.value}" for p in Problem}
    | {f"status.{s.value}" for s in RegStatus}
    # selection (issue 9): statuses of applications, why a score was refused
    | {f"selection.status.{s.value}" for s in AppStatus}
    | {f"review.closed.{c.value}" for c in ReviewClosed}
    | {f"command.{c}" for c in COMMANDS + STAFF_COMMANDS + ADMIN_COMMANDS + EXPERT_COMMANDS}
    # the coordinators' texts (handlers/coord_*.py)
    | {f"coord.status.{s.value}" for s in RegStatus}
    | {f"newevent.problem.{p.value}" for p in EventProblem}
    | {f"newevent.field.{f.value}" for f in EventField}
    | {
        f"newevent.ask.{f.value}"
        for f in EventField
        if f not in (EventField.STARTS, EventField.DEADLINE)
    }
    | {f"edit.clear.{f.value}" for f in OPTIONAL}
    | {f"notice.field.{f}" for f in WATCHED}
    | {f"coord.invite_{r.value}" for r in InviteRefusal}
    # issue 9, the selection's decisions (handlers/selection/coordinator.py, confirm.py)
    | {f"seldec.why.{w.value}" for w in SelectionWhy}
    | {f"seldec.reply.{r.value}" for r in SelectionReply}
    | {f"seldec.status.{s.value}" for s in AppStatus}
    | {f"seldec.draft.{d.value}" for d in Decision}
    | {f"seldec.btn.set_{d.value}" for d in Decision}
    # check-in (handlers/attendance/): one text per outcome, and the gendered "marked"
    | {f"att.scan.{o}" for o in ("marked", "already", "forged", "not_registered", "closed")}
    | {
        f"att.room.{o}"
        for o in ("marked", "already", "offer", "full", "no_profile", "register_first")
    }
    | {f"att.spot.{o.value}" for o in AttOutcome if o is not AttOutcome.NOT_ALLOWED}
    | {f"att.online.{o}" for o in ("marked", "already", "closed", "forged", "not_registered")}
    | {"att.marked_f", "att.marked_m", "att.marked_x"}
    | {
        "done.registered",
        "done.waitlisted",
        "done.already_registered",
        "done.already_waitlisted",
        "reg.intro_new",
        "reg.intro_known",
    }
)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords={"t": (1,), "plain": (1,), "plural": (1,)},
        ):
            key = message if isinstance(message, str) else message[0]
            if key and "." in key and " " not in key:
                keys.add(key)
    return keys


def catalog_keys(locale: str) -> dict[str, object]:
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_catalog(locale) if m.id
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_used_key_is_translated(locale: str) -> None:
    catalog = catalog_keys(locale)
    missing = sorted((used_keys() | DYNAMIC) - set(catalog))
    assert not missing, f"{locale}: no text for {missing}"
    empty = sorted(
        k for k, v in catalog.items() if not v or (isinstance(v, tuple | list) and not all(v))
    )
    assert not empty, f"{locale}: empty texts {empty}"


def test_no_unused_texts() -> None:
    unused = sorted(set(catalog_keys("ru")) - used_keys() - DYNAMIC)
    assert not unused, f"texts nobody uses: {unused}"


def test_ru_and_en_have_the_same_keys_and_placeholders() -> None:
    ru, en = catalog_keys("ru"), catalog_keys("en")
    assert set(ru) == set(en)

    def fields(value: object) -> set[str]:
        texts = value if isinstance(value, tuple | list) else [value]
        return {f for text in texts for _, f, _, _ in string.Formatter().parse(str(text)) if f}

    for key in ru:
        assert fields(ru[key]) == fields(en[key]), key


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_is_valid_telegram_html(locale: str) -> None:
    t = translator(locale)

    class Anything(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "X"

    for key, value in catalog_keys(locale).items():
        texts = value if isinstance(value, tuple | list) else [value]
        for text in texts:
            rendered = str(text).format_map(Anything(n="2"))
            parse_html(rendered)  # raises on what Telegram would refuse
        assert t(key) != "" if not isinstance(value, tuple | list) else True


def test_key_extraction_sees_the_code() -> None:
    keys = used_keys()
    assert len(keys) > 100
    assert {"start.welcome", "summary.confirm", "stale.button"} <= keys
