"""/stats through the real bot: the numbers of the scope or of one event, and the chart sent
as a photo (the stand-in refuses an upload that is not an image)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.coord import appoint, open_event, register, staff
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin


async def populate(running: RunningBot) -> None:
    await appoint(running.db)
    await running.add_events(
        make_event("ufo-online", capacity=3),
        make_event("pfo-kazan", title="Семинар в Казани", district="pfo"),
    )
    people = [
        (5001, "RU-SVE", "ngo_leader"),
        (5002, "RU-TA", "expert"),
        (5003, "RU-MOW", "expert"),
        (5004, "RU-SVE", "media"),  # waits
        (5005, "RU-SVE", "activist"),  # waits, then cancels
    ]
    for pid, region, role in people:
        await register(running, pid, "ufo-online", name=f"Участник {pid}", region=region, role=role)
    await running.registration.cancel(5005, "ufo-online")
    await register(running, 5002, "pfo-kazan", name="Участник 5002", region="RU-TA", role="expert")


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


async def test_event_stats_by_status_district_and_role_with_a_chart(
    running: RunningBot, server: StandInServer
) -> None:
    await populate(running)
    ulyana = staff(server)["ufo"]
    await open_event(ulyana, "УФО")
    reply = await ulyana.click("📊 Статистика")
    text = reply.texts[0]
    assert "📊 Онлайн стратегическая сессия УФО" in text
    assert "Записаны: 3" in text and "Ждут места: 1" in text and "Отменили: 1" in text
    assert "• Уральский федеральный округ: 2" in text  # 5001 and 5004 (Sverdlovsk)
    assert "• Приволжский федеральный округ: 1" in text
    assert "• Центральный федеральный округ: 1" in text
    assert "• Эксперт: 2" in text and "• СМИ: 1" in text and "• Руководитель НКО: 1" in text
    assert "Активист" not in text  # cancelled: not among those coming
    [photo_call] = [c for c in reply.calls if c.method == "sendPhoto"]
    assert photo_call.ok
    photo = photo_call.files["photo"]
    assert photo.content.startswith(b"\x89PNG")
    assert png_size(photo.content) == (800, 450)
    assert "Регистрации по дням: Онлайн стратегическая сессия УФО" in reply.text
    assert ulyana.last_message is not None and ulyana.last_message.kind == "photo"


async def test_scope_stats_count_only_the_scope(running: RunningBot, server: StandInServer) -> None:
    await populate(running)
    people = staff(server)
    reply = await people["ufo"].send("/stats")
    text = reply.texts[0]
    assert "Статистика — Уральский федеральный округ" in text
    assert "Записаны: 3" in text  # the Kazan seminar is not hers
    assert "Мероприятий с записями" not in text  # one event only
    assert any(b.endswith("Онлайн стратегическая сессия УФО") for b in reply.buttons)
    assert not any("Казани" in b for b in reply.buttons)
    assert [c.method for c in reply.calls if c.ok] == ["sendMessage", "sendPhoto"]

    reply = await people["all"].send("/stats")
    text = reply.texts[0]
    assert "Статистика — вся программа" in text
    assert "Записаны: 4" in text and "Ждут места: 1" in text and "Отменили: 1" in text
    assert "Мероприятий с записями: 2, разных участников: 4" in text
    # a tap on an event of the list: that event's numbers
    reply = await people["all"].click(lambda b: "Казани" in b)
    assert "📊 Семинар в Казани" in reply.texts[0] and "Записаны: 1" in reply.texts[0]


async def test_no_registrations_no_chart(running: RunningBot, server: StandInServer) -> None:
    await appoint(running.db)
    await running.add_events(make_event("ufo-online"))
    ulyana = staff(server)["ufo"]
    reply = await ulyana.send("/stats")
    assert "Регистраций пока нет." in reply.text
    assert [c.method for c in reply.calls if c.ok] == ["sendMessage"]
    reply = await ulyana.click(lambda b: "УФО" in b)
    assert "Регистраций пока нет." in reply.text
    assert "sendPhoto" not in [c.method for c in reply.calls]


async def test_stats_from_the_coord_menu_and_the_list_in_pages(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(*(make_event(f"ufo-{i}", title=f"Сессия {i}") for i in range(8)))
    await register(running, 5001, "ufo-3", name="Участник")
    ulyana = staff(server)["ufo"]
    await ulyana.send("/coord")
    reply = await ulyana.click("📊 Статистика")
    assert "Статистика — Уральский федеральный округ" in reply.text
    menu = [m for m in ulyana.messages if "Статистика —" in (m.text or "")][-1]
    reply = await ulyana.click("Дальше", message_id=menu.message_id)
    assert [c.method for c in reply.calls if c.ok][-1] == "editMessageReplyMarkup"
    assert any("Сессия" in b for b in reply.buttons) and "◀️ Назад" in reply.buttons
