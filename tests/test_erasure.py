"""Erasure ("Delete my data" erases everything: issue 7, item 2) over HTTP against the real bot.

Also: consent recorded at the moment of agreement, nothing personal before consent, the
/cancel answer that says what was really kept, drafts that expire.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey

from bot.config import Settings
from bot.delivery.broadcasting import Audience, AudienceKind, Broadcasting
from bot.registration.drafts import DraftExpiry
from storage.attendance import AttendanceRepo, Stamp, VolunteerRepo
from storage.broadcasts import BroadcastRepo, NewBroadcast
from storage.db import Database, to_db, utcnow
from storage.erasure import fsm_key_names
from storage.feedback import FeedbackRepo
from storage.outbox import NewItem, OutboxRepo
from tests.support.people import Person
from tests.support.running import (
    RunningBot,
    fill_profile,
    make_event,
    sign_up,
    start_questions,
    to_summary,
)
from tests.support.stand_in import StandInServer

BOT_ID = 42


async def fsm_rows(db: Database, user_id: int) -> list[str]:
    rows = await db.fetchall("SELECT key FROM fsm")
    return [row[0] for row in rows if fsm_key_names(row[0], user_id)]


async def wait_until(check: object, timeout: float = 15) -> None:  # noqa: ASYNC109
    """Poll an async condition (the sender works on its own) with a generous timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out waiting for a condition"
        await asyncio.sleep(0.05)


async def erase_via_profile(person: Person) -> str:
    reply = await person.send("/profile")
    assert "🗑 Удалить мои данные" in reply.buttons or "🗑 Delete my data" in reply.buttons
    await person.click(lambda text: "🗑" in text)
    reply = await person.click(lambda text: text in ("Да, удалить всё", "Yes, delete everything"))
    return reply.text


# --- the unfinished questionnaire ---------------------------------------------------------------


async def test_delete_my_data_erases_an_unfinished_questionnaire(
    running: RunningBot, irina: Person
) -> None:
    reply = await to_summary(running, irina, {"role": "Активист", "phone": "+7 912 345 67 89"})
    assert "Подтвердить" in " ".join(reply.buttons)  # the summary: not confirmed
    reply = await irina.send("/cancel")
    assert "сохранены" in reply.text  # true: the draft is kept (after consent)
    assert await fsm_rows(running.db, irina.id)

    reply = await irina.send("/profile")
    assert "незавершённая анкета" in reply.text.lower()
    assert "🗑 Удалить мои данные" in reply.buttons
    await irina.click("Удалить мои данные")
    reply = await irina.click("Да, удалить всё")
    assert "Ваши данные удалены" in reply.text
    assert "незавершённая анкета" in reply.text
    assert "согласие на обработку персональных данных" in reply.text
    assert "регистрац" not in reply.text  # there was none

    assert await fsm_rows(running.db, irina.id) == []
    assert await running.registration.participants.get(irina.id) is None
    # the draft is gone from memory too: the next registration starts from the consent
    reply = await irina.send("/start ev_ufo-online")
    assert "Согласен" in " ".join(reply.buttons)
    await irina.send("/cancel")
    reply = await irina.send("/profile")
    assert "Удалить мои данные" not in " ".join(reply.buttons)


async def test_delete_button_forged_by_someone_with_nothing_stored_is_refused(
    running: RunningBot, irina: Person
) -> None:
    await irina.send("/start")
    reply = await irina.send("/profile")
    assert "🗑 Удалить мои данные" not in reply.buttons
    for data in ("pf1:d:", "pf1:y:"):
        reply = await irina.click_data(data)
        assert reply.alerts == ["О вас ничего не хранится — удалять нечего."], data
    person = await running.registration.participants.get(irina.id)
    assert person is not None  # the bare row (id, language) stays: nothing was erased


async def test_delete_pressed_twice_is_answered_politely(
    running: RunningBot, irina: Person
) -> None:
    await start_questions(running, irina, "Иванова Ирина Петровна", "/cancel")
    await irina.send("/profile")
    await irina.click("Удалить мои данные")
    confirm = irina.messages[-1].message_id
    assert "удалены" in (await irina.click("Да, удалить всё")).text
    reply = await irina.click_data("pf1:y:", message_id=confirm)
    assert reply.alerts == ["О вас ничего не хранится — удалять нечего."]
    assert await fsm_rows(running.db, irina.id) == []


# --- registrations, the waiting list and the message --------------------------------------------


async def test_erasure_frees_the_seat_promotes_the_waiting_list_and_says_what_was_deleted(
    running: RunningBot, server: StandInServer, irina: Person, john: Person
) -> None:
    await running.add_events(make_event("full", capacity=1), make_event("open", capacity=30))
    await sign_up(irina, "full")
    await irina.send("/start ev_open")
    assert "Вы зарегистрированы" in (await irina.click("Подтвердить")).text
    await john.send("/start ev_full")
    await fill_profile(john, {"full_name": "John Smith", "role": "NGO leader"})
    assert "waiting list" in (await john.click("Confirm")).text

    since = len(server.calls)
    text = await erase_via_profile(irina)
    assert "анкета (7 ответов)" in text
    assert "2 регистрации" in text
    assert "согласие на обработку персональных данных (отозвано)" in text
    reg = await running.registration.registrations.get("full", john.id)
    assert reg is not None and reg.status == "registered"
    await server.wait_for(
        lambda c: c.chat_id == john.id and "A seat has become free" in str(c.params.get("text")),
        since=since,
    )
    leftovers = await running.db.fetchall(
        "SELECT 'a' FROM answers WHERE participant_id = ? "
        "UNION ALL SELECT 'r' FROM registrations WHERE participant_id = ? "
        "UNION ALL SELECT 'p' FROM participants WHERE telegram_id = ?",
        (irina.id, irina.id, irina.id),
    )
    assert leftovers == []

    text = await erase_via_profile(john)  # in English, with English plurals
    assert "Your data has been deleted" in text
    assert "your profile (7 answers)" in text and "1 registration" in text
    assert "registrations" not in text


# --- the files ------------------------------------------------------------------------------------

SECRETS = {
    "full_name": "Шахрезадова Гюльчатай Ибрагимовна",
    "organization": "АНО «Синяя юрта Хакасии»",
    "position": "Хранительница архива",
    "phone": "+7 913 777-31-42",
    "email": "gulchatai.unique@example.ru",
}


async def test_erasure_leaves_none_of_the_persons_strings_in_the_database_files(
    running: RunningBot, settings: Settings, server: StandInServer
) -> None:
    person = Person(server, 7001, "Гюльчатай", username="gulchatai_ngo_unique")
    question = {"id": "wish", "type": "text", "prompt": "Что вы ожидаете от встречи?"}
    await running.add_events(make_event("first"), make_event("second", questions=[question]))
    await person.send("/start ev_first")
    await fill_profile(person, SECRETS)
    await person.click("Подтвердить")
    await person.send("/start ev_second")
    await person.send("Ожидаю медовых пряников")  # an event answer, left as a draft
    await person.send("/cancel")
    await FeedbackRepo(running.db).add_answer(
        "first", person.id, "comment", "Отзыв про лазоревый самовар", utcnow()
    )
    strings = [
        *(SECRETS[k] for k in ("full_name", "organization", "position", "email")),
        "9137773142",  # the phone as stored (E.164)
        "Гюльчатай",
        "gulchatai_ngo_unique",
        "медовых пряников",
        "лазоревый самовар",
    ]
    db_file = Path(settings.database_path)
    wal_file = db_file.with_name(db_file.name + "-wal")

    def contents() -> bytes:
        return db_file.read_bytes() + (wal_file.read_bytes() if wal_file.exists() else b"")

    before = contents()
    assert all(s.encode() in before for s in strings), "the check would prove nothing"

    # Check-in (issue 10): she came to the first event, checked in a walk-in at the second as
    # its door volunteer; her marks and her right go, the walk-in stays without her id.
    async with running.db.transaction() as conn:
        await AttendanceRepo(running.db).mark(conn, "first", person.id, Stamp("qr", utcnow()))
        await VolunteerRepo(running.db).put(conn, "second", person.id, None, utcnow())
        walk_in = ("Оюн Айдын", "АНО «Тыва»", "Тыва")
        await AttendanceRepo(running.db).add_walk_in(conn, "second", walk_in, utcnow(), person.id)

    await erase_via_profile(person)
    after = contents()
    found = [s for s in strings if s.encode() in after]
    assert found == []
    mine = await running.db.fetchall(
        "SELECT 1 FROM attendance WHERE participant_id = ? OR checked_in_by = ? "
        "UNION ALL SELECT 1 FROM volunteers WHERE telegram_id = ?",
        (person.id, person.id, person.id),
    )
    assert mine == []
    assert [m.name for m in await AttendanceRepo(running.db).of_event("second")] == ["Оюн Айдын"]


# --- the outbox -----------------------------------------------------------------------------------


async def test_erasure_scrubs_sent_outbox_rows_and_keeps_announcement_counters(
    running: RunningBot, server: StandInServer, irina: Person, john: Person
) -> None:
    await running.add_events(make_event("soon", starts_in=timedelta(minutes=50)))
    await irina.send("/start ev_soon")
    await fill_profile(irina)
    await irina.click("Подтвердить")  # the "starts in an hour" reminder is due at once
    await john.send("/start")
    db = running.db

    async def reminder_sent() -> bool:
        row = await db.fetchone(
            "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND chat_id = ? "
            "AND status = 'sent'",
            (irina.id,),
        )
        return bool(row and row[0])

    await wait_until(reminder_sent)
    broadcasting: Broadcasting = running.dp["broadcasting"]
    sent_id, _ = await broadcasting.service.create(
        Audience(AudienceKind.ALL), None, created_by=None, text="Объявление для всех"
    )
    broadcasting.wake()
    repo = BroadcastRepo(db)

    async def announced() -> bool:
        broadcast = await repo.get(sent_id)
        assert broadcast is not None
        return (await repo.progress(broadcast, utcnow())).sent == 2

    await wait_until(announced)
    # A second announcement, held until tomorrow: still pending for both.
    later = utcnow() + timedelta(days=1)
    async with db.transaction() as conn:
        held_id = await repo.insert(
            conn, NewBroadcast(audience="all", total=2, text="Завтрашнее объявление"), utcnow()
        )
        await OutboxRepo.enqueue(
            conn,
            [
                NewItem(
                    f"broadcast:{held_id}:{p.id}", p.id, "broadcast", later, broadcast_id=held_id
                )
                for p in (irina, john)
            ],
            utcnow(),
        )
    sent_broadcast = await repo.get(sent_id)
    assert sent_broadcast is not None
    progress_before = await repo.progress(sent_broadcast, utcnow())
    sent_before = (await OutboxRepo(db).counts()).get("sent", 0)

    text = await erase_via_profile(irina)
    assert "1 ещё не отправленное вам сообщение" in text  # the held announcement
    assert "ваш чат и содержимое 2 сообщений" in text  # the reminder and the announcement

    rows = await db.fetchall("SELECT * FROM outbox")
    assert not [r for r in rows if r["chat_id"] == irina.id]
    assert not [r for r in rows if str(irina.id) in r["dedup_key"] + r["payload"]]
    scrubbed = [r for r in rows if r["dedup_key"].startswith("erased:")]
    assert {r["kind"] for r in scrubbed} == {"reminder", "broadcast"}
    assert all(r["chat_id"] == 0 and r["payload"] == "{}" for r in scrubbed)
    assert all(r["event_id"] is None for r in scrubbed)
    assert all(r["dedup_key"] == f"erased:{r['id']}" for r in scrubbed)
    # The finished announcement's report is unchanged; the held one no longer counts her.
    sent_broadcast = await repo.get(sent_id)
    assert sent_broadcast is not None
    assert await repo.progress(sent_broadcast, utcnow()) == progress_before
    assert (await OutboxRepo(db).counts()).get("sent", 0) == sent_before
    held = await repo.get(held_id)
    assert held is not None
    progress = await repo.progress(held, utcnow())
    assert (progress.total, progress.waiting) == (1, 1)


# --- consent ------------------------------------------------------------------------------------


async def test_consent_time_is_the_moment_of_agreement_not_of_confirmation(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(make_event(), make_event("second"))
    await irina.send("/start ev_ufo-online")
    await irina.click("Согласен")
    agreed = await running.registration.participants.get(irina.id)
    assert agreed is not None and agreed.consent_at is not None
    for text in ["Иванова Ирина", "НКО", "Председатель"]:
        await irina.send(text)
    await irina.click("Активист")
    await irina.send("Свердловская")
    await irina.send("+7 912 345 67 89")
    await irina.send("i@example.ru")
    await irina.click("Подтвердить")  # the answers (consent among them) are saved again
    await irina.send("/start ev_second")
    await irina.click("Подтвердить")
    confirmed = await running.registration.participants.get(irina.id)
    assert confirmed is not None
    assert confirmed.consent_at == agreed.consent_at
    assert confirmed.consent_version == agreed.consent_version


async def test_a_new_consent_version_sets_the_consent_time_anew(running: RunningBot) -> None:
    db, people = running.db, running.registration.participants
    first = utcnow() - timedelta(days=10)
    async with db.transaction() as conn:
        await people.upsert_seen(conn, 5, "", None, "ru", first)
        await people.set_consent(conn, 5, "2025-01-01", first)
    async with db.transaction() as conn:
        await people.set_consent(conn, 5, "2025-01-01", utcnow())  # the same text again
    same = await people.get(5)
    assert same is not None and same.consent_at == first
    now = utcnow()
    async with db.transaction() as conn:
        await people.set_consent(conn, 5, "2026-11-01", now)  # a new text
    renewed = await people.get(5)
    assert renewed is not None and renewed.consent_at == now


async def test_before_consent_only_the_id_and_language_are_stored(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(make_event())
    await irina.send("/start ev_ufo-online")
    person = await running.registration.participants.get(irina.id)
    assert person is not None
    assert (person.first_name, person.username, person.consent_at) == ("", None, None)
    reply = await irina.send("/start")
    assert "Ирина" in reply.text  # the greeting uses the name from the update
    await irina.send("/start ev_ufo-online")
    await irina.click("Согласен")
    person = await running.registration.participants.get(irina.id)
    assert person is not None
    assert (person.first_name, person.username) == ("Ирина", "irina_ngo")


async def test_cancel_before_consent_does_not_claim_answers_are_kept(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(make_event())
    reply = await irina.send("/start ev_ufo-online")
    assert "После вашего согласия ответы сохраняются" in reply.text
    reply = await irina.send("/cancel")
    assert "прервано" in reply.text
    assert "сохранены" not in reply.text and "сохранятся" not in reply.text
    assert await fsm_rows(running.db, irina.id) == []
    reply = await irina.send("/help")
    assert "после согласия" in reply.text


async def test_declined_consent_keeps_nothing(running: RunningBot, irina: Person) -> None:
    await running.add_events(make_event())
    await irina.send("/start ev_ufo-online")
    reply = await irina.click("Не согласен")
    assert "не сохранены" in reply.text
    assert await fsm_rows(running.db, irina.id) == []
    stored = await running.registration.stored(irina.id)
    assert not stored.anything


# --- drafts expire --------------------------------------------------------------------------------


async def test_unfinished_questionnaires_expire_after_draft_ttl_days(
    running: RunningBot, settings: Settings, irina: Person, john: Person
) -> None:
    assert settings.draft_ttl_days == 30
    await running.add_events(make_event())
    for person, name in ((irina, "Иванова Ирина"), (john, "John Smith")):
        await person.send("/start ev_ufo-online")
        await person.click(lambda text: text.startswith("✅"))
        await person.send(name)
        await person.send("/cancel")
    async with running.db.transaction() as conn:  # John's draft was touched 29 days later
        await conn.execute(
            "UPDATE fsm SET updated_at = ? WHERE key LIKE ?",
            ((utcnow() + timedelta(days=29)).isoformat(), f"%:{john.id}:%"),
        )
    ttl = timedelta(days=settings.draft_ttl_days)
    soon = DraftExpiry(running.db, ttl, clock=lambda: utcnow() + timedelta(days=29))
    assert await soon.expire() == 0
    assert await fsm_rows(running.db, irina.id)
    later = DraftExpiry(running.db, ttl, clock=lambda: utcnow() + timedelta(days=31))
    assert await later.expire() == 1
    assert await fsm_rows(running.db, irina.id) == []
    assert await fsm_rows(running.db, john.id)  # fresh: stays


async def test_the_draft_job_survives_a_database_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(tmp_path / "never-opened.sqlite3")  # not connected: every query fails
    expiry = DraftExpiry(db, timedelta(days=30))
    with caplog.at_level(logging.ERROR, logger="bot.registration.drafts"):
        await expiry.run()  # does not raise
    assert "expiring unfinished dialogs failed" in caplog.text


# --- FSM keys -----------------------------------------------------------------------------------


def test_fsm_keys_are_matched_exactly_by_user_id() -> None:
    builder = DefaultKeyBuilder(with_destiny=True)

    def built(chat: int, user: int, thread: int | None = None) -> str:
        return builder.build(StorageKey(BOT_ID, chat, user, thread_id=thread))

    assert fsm_key_names(built(123, 123), 123)
    assert fsm_key_names(built(-100555, 123), 123)  # a group
    assert fsm_key_names(built(-100555, 123, thread=77), 123)  # a forum topic
    assert not fsm_key_names(built(1234, 1234), 123)
    assert not fsm_key_names(built(123, 456), 123)  # another user in chat 123
    assert not fsm_key_names(built(-100555, 456, thread=123), 123)  # thread id 123
    with_bot = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    assert fsm_key_names(with_bot.build(StorageKey(BOT_ID, 123, 123)), 123)


# --- a member of staff ---------------------------------------------------------------------------

STAFF_ID, OTHER_ID, ADMIN_ID = 7100, 7101, 7199


async def staff_traces(db: Database, event_id: str) -> None:
    """Everything a coordinator (STAFF_ID) leaves behind in a year's work, written as the
    features write it: people they added, invitations (one open, one used by someone, one they
    revoked, one they accepted), a report with a file, a finished announcement copied from
    their chat, and a score as an expert."""
    now = to_db(utcnow())
    later = to_db(utcnow() + timedelta(days=7))
    rows: list[tuple[str, tuple[object, ...]]] = [
        (
            "INSERT INTO participants (telegram_id, created_at, updated_at) VALUES (?, ?, ?)",
            (STAFF_ID, now, now),
        ),
        (
            "INSERT INTO participants (telegram_id, created_at, updated_at) VALUES (?, ?, ?)",
            (OTHER_ID, now, now),
        ),
        ("INSERT INTO coordinators VALUES (?, 'ufo', ?, ?)", (STAFF_ID, ADMIN_ID, now)),
        ("INSERT INTO coordinators VALUES (?, 'ufo', ?, ?)", (OTHER_ID, STAFF_ID, now)),
        ("INSERT INTO experts VALUES (?, ?, ?, ?)", (event_id, OTHER_ID, STAFF_ID, now)),
        ("INSERT INTO experts VALUES (?, ?, ?, ?)", (event_id, STAFF_ID, ADMIN_ID, now)),
        ("INSERT INTO volunteers VALUES (?, ?, ?, ?)", (event_id, OTHER_ID, STAFF_ID, now)),
        (
            "INSERT INTO invites (token, district, created_by, created_at, expires_at) "
            "VALUES ('open', 'ufo', ?, ?, ?)",
            (STAFF_ID, now, later),
        ),
        (
            "INSERT INTO invites (token, district, created_by, created_at, expires_at, used_by, "
            "used_at) VALUES ('used', 'ufo', ?, ?, ?, ?, ?)",
            (STAFF_ID, now, later, OTHER_ID, now),
        ),
        (
            "INSERT INTO invites (token, district, created_by, created_at, expires_at, "
            "revoked_at, revoked_by) VALUES ('revoked', 'ufo', ?, ?, ?, ?, ?)",
            (ADMIN_ID, now, later, now, STAFF_ID),
        ),
        (
            "INSERT INTO invites (token, district, created_by, created_at, expires_at, used_by, "
            "used_at) VALUES ('theirs', 'ufo', ?, ?, ?, ?, ?)",
            (ADMIN_ID, now, later, STAFF_ID, now),
        ),
        (
            "INSERT INTO reports (event_id, text, status, submitted_by, submitted_at, "
            "created_at, updated_at) VALUES (?, 'Прошло', 'submitted', ?, ?, ?, ?)",
            (event_id, STAFF_ID, now, now, now),
        ),
        (
            "INSERT INTO report_files (event_id, kind, file_id, file_unique_id, added_by, "
            "created_at) VALUES (?, 'photo', 'f1', 'u1', ?, ?)",
            (event_id, STAFF_ID, now),
        ),
        (
            "INSERT INTO broadcasts (created_by, audience, source_chat_id, source_message_id, "
            "status, total, status_chat_id, status_message_id, created_at, finished_at) "
            "VALUES (?, 'all', ?, 11, 'done', 1, ?, 12, ?, ?)",
            (STAFF_ID, STAFF_ID, STAFF_ID, now, now),
        ),
        (
            "INSERT INTO applications (id, event_id, participant_id, submitted_at, updated_at) "
            "VALUES (1, ?, ?, ?, ?)",
            (event_id, OTHER_ID, now, now),
        ),
        (
            "INSERT INTO reviews (application_id, expert_id, scores, comment, created_at, "
            "updated_at) VALUES (1, ?, '{\"overall\": 4}', 'Сильная заявка', ?, ?)",
            (STAFF_ID, now, now),
        ),
    ]
    async with db.transaction() as conn:
        for sql, params in rows:
            await conn.execute(sql, params)


async def columns_naming(db: Database, who: int) -> list[str]:
    """Every table.column (of integer affinity) that holds ``who`` in some row."""
    found = []
    tables = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        if table.startswith("sqlite_"):
            continue
        for column in await db.fetchall(f"PRAGMA table_info({table})"):
            name = column["name"]
            row = await db.fetchone(
                f'SELECT count(*) FROM "{table}" WHERE "{name}" = ?',  # noqa: S608 (schema names)
                (who,),
            )
            if row is not None and row[0]:
                found.append(f"{table}.{name}")
    return found


async def test_no_column_of_any_table_names_an_erased_member_of_staff(
    running: RunningBot,
) -> None:
    """What they did stays without their id; their open invitation stops working; their role
    as coordinator stays (an admin removes it: README, "Координаторам")."""
    await running.add_events(make_event("ev1"))
    await staff_traces(running.db, "ev1")
    assert len(await columns_naming(running.db, STAFF_ID)) >= 12, "the check would prove nothing"

    await running.registration.erase_participant(STAFF_ID)
    assert await columns_naming(running.db, STAFF_ID) == ["coordinators.telegram_id"]
    open_invite = await running.db.fetchone("SELECT revoked_at FROM invites WHERE token = 'open'")
    assert open_invite is not None and open_invite[0] is not None
    used = await running.db.fetchone("SELECT used_by FROM invites WHERE token = 'theirs'")
    assert used is not None and used[0] == 0  # still used: it does not open again
    [review] = await running.db.fetchall("SELECT expert_id, scores, comment FROM reviews")
    assert review["expert_id"] < 0 and review["scores"] == '{"overall": 4}'
    assert review["comment"] is None
    others = await running.db.fetchone(
        "SELECT added_by FROM coordinators WHERE telegram_id = ?", (OTHER_ID,)
    )
    assert others is not None and others[0] is None
