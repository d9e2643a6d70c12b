"""An event title with "$" in it once broke the statistics chart: matplotlib read "$...$" as
mathtext ("$x^{$" does not parse) and the coordinator got no chart at all."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.staff.stats import ChartText, Day, render_chart
from tests.support.coord import appoint, open_event, register, staff
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import StandInServer

TITLES = ["Грант $5000 и $300 на проект", "Формула $x^{$ и \\frac{", "$$", "Цена: 5$"]


@pytest.mark.parametrize("title", TITLES)
def test_chart_with_dollars_in_the_title_is_drawn(title: str) -> None:
    days = [Day(date(2026, 11, 2), 1, 1, 1), Day(date(2026, 11, 3), 2, 3, 2)]
    data = render_chart(days, ChartText(title, "$new$", "$total", "active$", "$ {"))
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (800, 450)


pytestmark = pytest.mark.with_admin


async def test_event_stats_with_dollars_in_the_title_send_the_chart(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    title = "Грант $x^{$ на проект"
    await running.add_events(make_event("grant", title=title))
    await register(running, 5001, "grant", name="Участник 5001")
    ulyana = staff(server)["ufo"]
    await open_event(ulyana, "Грант")
    reply = await ulyana.click("📊 Статистика")
    [photo] = [c for c in reply.calls if c.method == "sendPhoto"]
    assert photo.ok and photo.files["photo"].content.startswith(b"\x89PNG")
    assert f"Регистрации по дням: {title}" in reply.text
    assert not reply.errors
