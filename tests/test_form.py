"""The questionnaire as data: the shipped form, replacement forms, and answers by type."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.registration.form import (
    HARD_MAX_LENGTH,
    Accepted,
    Ambiguous,
    Form,
    FormError,
    Problem,
    Question,
    QuestionType,
    Rejected,
    check_text_answer,
    default_form,
    display_value,
    load_form,
    normalize_phone,
    parse_questions,
)
from bot.registration.regions import Regions, default_regions
from tests.support.columns import SHIPPED_FORM_IDS


@pytest.fixture(scope="module")
def form() -> Form:
    return load_form()


@pytest.fixture(scope="module")
def regions() -> Regions:
    return default_regions()


def q(form: Form, question_id: str) -> Question:
    question = form.get(question_id)
    assert question is not None
    return question


def write_form(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


# --- the shipped form ------------------------------------------------------------------------


def test_shipped_form_order_consent_first(form: Form) -> None:
    assert form.ids == SHIPPED_FORM_IDS
    types = [question.type for question in form.questions]
    assert types == [
        QuestionType.CONSENT,
        QuestionType.TEXT,
        QuestionType.TEXT,
        QuestionType.TEXT,
        QuestionType.CHOICE,
        QuestionType.REGION,
        QuestionType.PHONE,
        QuestionType.EMAIL,
    ]


def test_shipped_consent_has_version_and_text_in_both_languages(form: Form) -> None:
    consent = q(form, "consent")
    assert consent.version
    assert consent.required
    assert consent.text is not None
    assert "152" in consent.prompt.get("ru")
    assert consent.text.get("ru") != consent.text.get("en")


def test_shipped_roles(form: Form) -> None:
    role = q(form, "role")
    assert [o.id for o in role.options] == [
        "ngo_leader",
        "activist",
        "expert",
        "government",
        "media",
        "other",
    ]
    assert role.option("media") is not None
    assert role.option("nobody") is None


def test_every_question_is_asked_in_russian_and_english(form: Form) -> None:
    for question in form.questions:
        assert set(question.prompt.texts) == {"ru", "en"}, question.id
        assert question.prompt.get("ru") != question.prompt.get("en"), question.id
        assert question.label is not None
        assert set(question.label.texts) == {"ru", "en"}, question.id


def test_default_form_is_the_shipped_file(form: Form) -> None:
    assert default_form().ids == form.ids


# --- FORM_PATH ----------------------------------------------------------------------------


def test_form_path_replaces_the_questionnaire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_form(
        tmp_path,
        """
        questions:
          - id: consent
            type: consent
            version: "v7"
            prompt: "Согласны на обработку данных?"
            url: https://example.ru/consent
          - id: full_name
            type: text
            prompt: {ru: "ФИО?", en: "Name?"}
            max_length: 50
          - id: ngo_size
            type: choice
            required: false
            prompt: "Сколько человек в вашей НКО?"
            options:
              - {id: small, label: "до 10"}
              - {id: large, label: {ru: "больше 10", en: "more than 10"}}
        """,
    )
    monkeypatch.delenv("FORM_PATH", raising=False)
    settings = load_settings(form_path=path)
    assert settings.form_path == path
    custom = load_form(settings.form_path)
    assert custom.ids == ["consent", "full_name", "ngo_size"]
    assert q(custom, "consent").version == "v7"
    assert q(custom, "full_name").limit == 50
    assert not q(custom, "ngo_size").required
    # a plain string serves every language
    assert q(custom, "ngo_size").prompt.get("en") == "Сколько человек в вашей НКО?"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "questions:\n  - {id: Full-Name, type: text, prompt: x}\n",
            "question #1: field id: 'Full-Name' does not match",
        ),
        (
            "questions:\n  - {id: role, type: choice, prompt: x}\n",
            "question #1: a choice question needs options",
        ),
        (
            "questions:\n  - {id: consent, type: consent, prompt: x, text: y}\n",
            "question #1: a consent question needs the version of its text",
        ),
        (
            "questions:\n  - {id: a, type: text, prompt: x}\n  - {id: a, type: email, prompt: y}\n",
            "question ids must be unique: a",
        ),
        (
            "questions:\n  - {id: a, type: date, prompt: x}\n",
            "question #1: field type",
        ),
        (
            "questions:\n  - {id: a, type: text, prompt: x}\n  - {id: b, type: text}\n",
            "question #2: field prompt",
        ),
        (
            "questions:\n  - {id: a, type: choice, prompt: x, options: [{id: B, label: y}]}\n",
            "question #1: option #1: field id",
        ),
        ("questions:\n  - {id: a, type: text, prompt: x, colour: red}\n", "field colour"),
        ("ask: [name]\n", "the top level must be 'questions:'"),
        ("questions: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_forms_are_rejected_with_a_clear_message(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write_form(tmp_path, body)
    with pytest.raises(FormError) as caught:
        load_form(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert expected in message


def test_form_error_has_no_repeated_location() -> None:
    # Regression: the location came out as 'where.questions.0.id' (the list name twice
    # when an event's questions were checked: 'questions.questions.0.id').
    with pytest.raises(FormError) as caught:
        parse_questions([{"id": "Bad", "type": "text", "prompt": "x"}], "event x")
    assert str(caught.value).startswith("event x: question #1: field id:")
    assert "questions.questions" not in str(caught.value)


def test_consent_cannot_be_optional() -> None:
    with pytest.raises(FormError, match="consent cannot be optional"):
        parse_questions(
            [
                {
                    "id": "c",
                    "type": "consent",
                    "prompt": "x",
                    "version": "1",
                    "text": "t",
                    "required": False,
                }
            ]
        )


def test_max_length_beyond_hard_limit_is_refused() -> None:
    with pytest.raises(FormError, match="field max_length"):
        parse_questions(
            [{"id": "a", "type": "text", "prompt": "x", "max_length": HARD_MAX_LENGTH + 1}]
        )


# --- text -----------------------------------------------------------------------------------


def test_text_is_trimmed(form: Form, regions: Regions) -> None:
    assert check_text_answer(q(form, "full_name"), "  Иванова   Мария  Петровна \n", regions) == (
        Accepted("Иванова Мария Петровна")
    )


@pytest.mark.parametrize("raw", ["", "   ", "\n\t "])
def test_empty_text_is_refused(form: Form, regions: Regions, raw: str) -> None:
    assert check_text_answer(q(form, "full_name"), raw, regions) == Rejected(Problem.EMPTY)


def test_over_long_text_is_refused_with_the_limit(form: Form, regions: Regions) -> None:
    outcome = check_text_answer(q(form, "full_name"), "Я" * 5000, regions)
    assert outcome == Rejected(Problem.TOO_LONG, 200)
    organization = q(form, "organization")
    assert check_text_answer(organization, "О" * 300, regions) == Accepted("О" * 300)
    assert check_text_answer(organization, "О" * 301, regions) == Rejected(Problem.TOO_LONG, 300)


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE participants;--",
        "1' OR '1'='1",
        "АНО «Дом дружбы» & <Ко>",
        "Тимур 🙂 Хабибуллин",
    ],
)
def test_markup_and_sql_looking_text_is_accepted_verbatim(
    form: Form, regions: Regions, raw: str
) -> None:
    assert check_text_answer(q(form, "organization"), raw, regions) == Accepted(raw)


def test_multiline_text_keeps_its_lines(form: Form, regions: Regions) -> None:
    raw = "АНО «Наследие»\nотделение в Казани"
    assert check_text_answer(q(form, "organization"), f"  {raw}  ", regions) == Accepted(raw)


# --- choice ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "option"),
    [
        ("Руководитель НКО", "ngo_leader"),
        ("руководитель нко", "ngo_leader"),
        ("  ЭКСПЕРТ ", "expert"),
        ("Представитель органа власти", "government"),
        ("NGO leader", "ngo_leader"),
        ("government official", "government"),
        ("MEDIA", "media"),
        ("сми", "media"),
    ],
)
def test_choice_by_typed_label_in_both_languages(
    form: Form, regions: Regions, raw: str, option: str
) -> None:
    assert check_text_answer(q(form, "role"), raw, regions) == Accepted(option)


@pytest.mark.parametrize("raw", ["директор", "нко", "leader", "<b>Эксперт</b>"])
def test_choice_that_is_not_an_option_is_refused(form: Form, regions: Regions, raw: str) -> None:
    assert check_text_answer(q(form, "role"), raw, regions) == Rejected(Problem.NOT_AN_OPTION)


# --- region ----------------------------------------------------------------------------------


TYPED_REGIONS = {  # what a person types: the region's code
    "смоленск": "RU-SMO",
    "Смоленская область": "RU-SMO",
    "Tatarstan": "RU-TA",
    "Татарстан": "RU-TA",
    "татарстан": "RU-TA",
    "Москва": "RU-MOW",
}


@pytest.mark.parametrize(("raw", "code"), list(TYPED_REGIONS.items()))
def test_region_by_typed_name(form: Form, regions: Regions, raw: str, code: str) -> None:
    assert check_text_answer(q(form, "region"), raw, regions) == Accepted(code)


def test_ambiguous_region_offers_every_candidate(form: Form, regions: Regions) -> None:
    outcome = check_text_answer(q(form, "region"), "моск", regions)
    assert isinstance(outcome, Ambiguous)
    assert {r.code for r in outcome.candidates} == {"RU-MOW", "RU-MOS"}


def test_unknown_region_is_refused(form: Form, regions: Regions) -> None:
    assert check_text_answer(q(form, "region"), "Атлантида", regions) == Rejected(
        Problem.REGION_NOT_FOUND
    )


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("8 912 345-67-89", "+79123456789"),
        ("+7 (912) 345 67 89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("79123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("8 (495) 123-45-67", "+74951234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+375 29 123-45-67", "+375291234567"),
    ],
)
def test_phone_forms_are_stored_as_e164(form: Form, regions: Regions, raw: str, e164: str) -> None:
    assert check_text_answer(q(form, "phone"), raw, regions) == Accepted(e164)


@pytest.mark.parametrize("raw", ["12345", "телефон", "+7 912", "8 000 000-00-00"])
def test_not_a_phone_is_refused(form: Form, regions: Regions, raw: str) -> None:
    assert check_text_answer(q(form, "phone"), raw, regions) == Rejected(Problem.PHONE_INVALID)


@pytest.mark.parametrize(
    "raw", ["8 912 ABC-DE-FG", "+7 912 345 67 8A", "+79123456789x", "8-800-FLOWERS"]
)
def test_phone_with_letters_is_refused(form: Form, regions: Regions, raw: str) -> None:
    # Regression: phonenumbers reads letters as keypad digits, so "8 912 ABC-DE-FG" was
    # stored as +79122223334, a number the person never typed.
    assert check_text_answer(q(form, "phone"), raw, regions) == Rejected(Problem.PHONE_INVALID)
    assert normalize_phone(raw) is None


def test_phone_shown_in_international_form(form: Form, regions: Regions) -> None:
    assert display_value(q(form, "phone"), "+79123456789", "ru", regions) == "+7 912 345-67-89"


# --- email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ivanova@dom-druzhby.ru", "ivanova@dom-druzhby.ru"),
        (" Ivanova@Example.COM ", "Ivanova@example.com"),
        ("info@нко-наследие.рф", "info@нко-наследие.рф"),
        ("no-such-domain@domain-that-does-not-exist-4242.ru", None),
    ],
)
def test_valid_email_without_dns(
    form: Form, regions: Regions, raw: str, stored: str | None
) -> None:
    outcome = check_text_answer(q(form, "email"), raw, regions)
    assert isinstance(outcome, Accepted)
    assert outcome.value == (stored or raw)


@pytest.mark.parametrize(
    "raw", ["ivanova", "ivanova@", "@mail.ru", "a b@mail.ru", "a@@mail.ru", "x" * 250 + "@mail.ru"]
)
def test_invalid_email_is_refused(form: Form, regions: Regions, raw: str) -> None:
    assert check_text_answer(q(form, "email"), raw, regions) == Rejected(Problem.EMAIL_INVALID)


# --- consent and display ---------------------------------------------------------------------


def test_consent_cannot_be_typed(form: Form, regions: Regions) -> None:
    assert check_text_answer(q(form, "consent"), "Да, согласен", regions) == Rejected(
        Problem.USE_BUTTONS
    )


def test_display_values_in_the_reader_language(form: Form, regions: Regions) -> None:
    assert display_value(q(form, "role"), "expert", "ru", regions) == "Эксперт"
    assert display_value(q(form, "role"), "expert", "en", regions) == "Expert"
    assert display_value(q(form, "region"), "RU-TA", "en", regions) == "Republic of Tatarstan"
    assert display_value(q(form, "full_name"), None, "ru", regions) is None
