"""Private chats only: in a group the bot posts nothing personal, no lists, links to events,
files or staff dialogs; a command gets at most one short answer with a button that opens the
private chat, plain messages and forged buttons get nothing of value."""

from __future__ import annotations

import json
from itertools import count

import pytest

from handlers.callbacks import CoAction, CoEventCb, EvAction, EventCb, Menu, MenuCb
from handlers.groups import parse_command, private_chat_link
from tests.support.coord import ADMIN, appoint, register, staff
from tests.support.people import Group, Person
from tests.support.running import PROFILE_ANSWERS, RunningBot, make_event, to_summary
from tests.support.stand_in import ApiCall, StandInServer

BOT_CHAT = "https://t.me/ethnic_test_bot"
PRIVATE_ONLY = "Я отвечаю только в личных сообщениях"
MEETING = "https://meet.example.org/ufo"
#: What must never appear in a group: Irina's profile, her registration's link, the roster.
SECRETS = (
    PROFILE_ANSWERS["full_name"],
    PROFILE_ANSWERS["email"],
    PROFILE_ANSWERS["organization"],
    "912 345",
    "79123456789",
    MEETING,
    "Иванова",
    "Пётр Сидоров",
    "p8201@example.ru",
)

_group_ids = count(-1001000000001, -1)


pytestmark = pytest.mark.with_admin


def new_group(server: StandInServer, chat_type: str = "supergroup") -> Group:
    return Group(server, next(_group_ids), chat_type=chat_type)


def everything_said(calls: list[ApiCall]) -> str:
    """All the parameters of the calls, as one string to search."""
    return "\n".join(json.dumps(call.params, ensure_ascii=False, default=str) for call in calls)


def group_calls(server: StandInServer) -> list[ApiCall]:
    return [call for call in server.calls if call.chat_id is not None and call.chat_id < 0]


def assert_only_the_short_answer(group: Group, link: str = BOT_CHAT) -> None:
    """One message in the group: the short answer with one URL button to the private chat."""
    [message] = group.messages
    assert message.text is not None and PRIVATE_ONLY in message.text
    assert message.inline_keyboard == [[{"text": "Открыть чат с ботом", "url": link}]]
    assert [call.method for call in group.calls] == ["sendMessage"]


async def registered_irina(running: RunningBot, irina: Person) -> None:
    await to_summary(running, irina)
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text and MEETING in reply.text


async def test_a_participant_s_commands_in_a_group_show_no_personal_data(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await registered_irina(running, irina)
    private_before = len(irina.messages)
    for command in ("/profile", "/my", "/events", "/start", "/help", "/cancel", "/language"):
        group = new_group(server)
        reply = await irina.send_in(group, command)
        assert PRIVATE_ONLY in reply.text, command
        assert_only_the_short_answer(group)
    group = new_group(server, "group")  # an old-style group too
    await irina.send_in(group, "/my@ethnic_test_bot")
    assert_only_the_short_answer(group)
    said = everything_said(group_calls(server))
    assert not [secret for secret in SECRETS if secret in said]
    assert len(irina.messages) == private_before  # nothing went to her private chat either

    # In private the same commands still work.
    assert PROFILE_ANSWERS["email"] in (await irina.send("/profile")).text
    assert "Онлайн стратегическая сессия УФО" in (await irina.send("/my")).text


async def test_start_with_an_event_link_in_a_group_keeps_the_payload_in_the_button(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await running.add_events(make_event())
    group = new_group(server)
    await irina.send_in(group, "/start ev_ufo-online")
    assert_only_the_short_answer(group, f"{BOT_CHAT}?start=ev_ufo-online")
    assert not await running.registration.registrations.of_participant(irina.id)


async def test_a_coordinator_s_commands_and_exports_in_a_group_post_nothing_of_staff(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(make_event())
    await register(running, 8201, "ufo-online", name="Пётр Сидоров")
    people = staff(server)
    for person in (people["admin"], people["ufo"]):
        for command in ("/coord", "/stats", "/broadcast", "/newevent", "/coordinators"):
            group = new_group(server)
            await person.send_in(group, command)
            assert_only_the_short_answer(group)
    # a forged export button, a participant's list, the event's card: under the bot's message
    group = new_group(server)
    admin = people["admin"]
    await admin.send_in(group, "/coord")
    for data in (
        CoEventCb(action=CoAction.XLSX, event_id="ufo-online").pack(),
        CoEventCb(action=CoAction.CSV, event_id="ufo-online").pack(),
        CoEventCb(action=CoAction.PEOPLE, event_id="ufo-online").pack(),
        EventCb(action=EvAction.ICS, event_id="ufo-online").pack(),
        MenuCb(action=Menu.MY).pack(),
    ):
        reply = await admin.click_in(group, data)
        assert reply.alerts == ["Эта кнопка работает только в личном чате с ботом."]
    assert_only_the_short_answer_plus_alerts(group)
    files = [c for c in server.calls if c.method.startswith("send") and c.method != "sendMessage"]
    assert files == []
    said = everything_said(group_calls(server))
    assert not [secret for secret in SECRETS if secret in said]
    # No staff dialog was opened by the group: in private, plain text is not an event's title.
    reply = await admin.send("Новое мероприятие из группы")
    assert "Название" not in reply.text
    # In private the same commands still work.
    assert "Онлайн стратегическая сессия УФО" in (await admin.send("/coord")).text


def assert_only_the_short_answer_plus_alerts(group: Group) -> None:
    assert len(group.messages) == 1
    assert {call.method for call in group.calls} == {"sendMessage", "answerCallbackQuery"}


async def test_plain_and_service_messages_in_a_group_get_silence(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    group = new_group(server)
    for text in ("Всем привет! Кто едет на сессию?", "бот, покажи мои данные"):
        reply = await irina.send_in(group, text)
        assert reply.calls == []
    reply = await irina.send_in(group, None, new_chat_members=[irina.user.to_dict()])
    assert reply.calls == []
    reply = await irina.send_in(group, "/start@another_bot")
    assert reply.calls == []
    assert group.messages == []


async def test_fifty_people_typing_start_in_one_group_get_one_answer(
    running: RunningBot, server: StandInServer
) -> None:
    group = new_group(server)
    for n in range(50):
        await Person(server, 9000 + n, f"Участник {n}").send_in(group, "/start")
    assert len(group.messages) == 1
    assert_only_the_short_answer(group)
    other = new_group(server)  # another group is answered: the limit is per group
    await Person(server, 9100, "Ольга").send_in(other, "/help")
    assert_only_the_short_answer(other)


async def test_channel_posts_and_edits_are_not_even_asked_for(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    used = running.dp.resolve_used_update_types()
    assert "channel_post" not in used and "edited_message" not in used
    channel = new_group(server, "channel")
    reply = await channel.post("/start")
    assert reply.dropped and reply.calls == []
    edit = server.push_update(
        {
            "edited_message": {
                "message_id": 1,
                "from": irina.user.to_dict(),
                "chat": irina.user.chat_dict(),
                "date": 1,
                "edit_date": 2,
                "text": "/profile",
            }
        }
    )
    await server.wait_processed(edit)
    assert server.dropped(edit)


async def test_the_admin_s_menu_in_private_is_untouched_by_the_group_rule(
    running: RunningBot, server: StandInServer
) -> None:
    reply = await staff(server)["admin"].send("/coordinators")
    assert f"Администраторы (ADMIN_IDS): {ADMIN}" in reply.text


async def test_a_group_that_removed_the_bot_does_not_make_the_person_unreachable(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await irina.send("/start")
    group = new_group(server)
    server.block(group.chat_id, "Forbidden: bot was kicked from the supergroup chat")
    reply = await irina.send_in(group, "/start")
    assert [call.error_code for call in reply.calls] == [403]
    person = await running.registration.participants.get(irina.id)
    assert person is not None and person.unreachable_since is None
    assert len(irina.messages) == 1  # only the welcome: no "something went wrong"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("/start ev_ufo-online", f"{BOT_CHAT}?start=ev_ufo-online"),
        ("/start@Ethnic_Test_Bot ev_ufo-online", f"{BOT_CHAT}?start=ev_ufo-online"),
        ("/start <b>не ссылка</b>", BOT_CHAT),
        ("/my ev_ufo-online", BOT_CHAT),  # only /start carries a payload
        ("/start " + "x" * 65, BOT_CHAT),  # longer than Telegram allows
    ],
)
def test_the_button_keeps_only_a_valid_start_payload(text: str, link: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None
    command, _addressee, args = parsed
    assert private_chat_link("ethnic_test_bot", command, args) == link
