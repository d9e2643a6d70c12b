"""The questionnaire as data: models, loading, and validation of answers by type."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.registration.regions import Region, Regions

DEFAULT_MAX_LENGTH = 200
#: Any text answer (an application's long answers, issue 9); a summary shows at most
#: VALUE_LIMIT characters of each (handlers/views/participant.py), so it stays under 4096.
HARD_MAX_LENGTH = 3000
#: Question and option ids travel in buttons (handlers/callbacks.py: AnswerCb carries the
#: question's key "e.<id>" and the option's id, and Telegram allows 64 bytes): these limits
#: are what makes every button fit, and tests/test_callback_limits.py proves it.
QUESTION_ID_MAX = 30
OPTION_ID_MAX = 24
#: Buttons name questions and options by position where an id would not fit (FeedbackCb,
#: SummaryCb); a keyboard holds at most 100 buttons anyway.
QUESTIONS_MAX = 50
OPTIONS_MAX = 50
_ID_CHARS = re.compile(r"^[a-z0-9_]+$")
#: Texts of a question, per language: a prompt is a message of its own, a label a line of the
#: summary or a button, a consent text the message asking for consent.
PROMPT_MAX = 1000
LABEL_MAX = 100
CONSENT_TEXT_MAX = 3000
CONSENT_YES = "yes"
PHONE_CHARS_RE = re.compile(r"^\+?[\d\s().\-/]+$")


class LocalizedText(BaseModel):
    """A text in several languages; a plain string in the file means the same for all."""

    model_config = ConfigDict(frozen=True)
    texts: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"texts": {"ru": value}}
        if isinstance(value, dict) and "texts" not in value:
            return {"texts": value}
        return value

    @field_validator("texts")
    @classmethod
    def _not_empty(cls, value: dict[str, str]) -> dict[str, str]:
        value = {k: v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}
        if not value:
            raise ValueError("a text is needed (a string or {ru: ..., en: ...})")
        return value

    def get(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts.get("ru") or next(iter(self.texts.values()))

    def all(self) -> list[str]:
        return list(self.texts.values())


class QuestionType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    REGION = "region"
    PHONE = "phone"
    EMAIL = "email"
    CONSENT = "consent"
    FILE = "file"  # an attached document (PDF/DOC/DOCX), stored as JSON: see FileAnswer


def check_id(value: str, limit: int) -> str:
    """An id of a question or option: a-z, 0-9 and _, at most ``limit`` characters."""
    if not value or not _ID_CHARS.match(value):
        raise ValueError(
            f"{value!r} does not match the pattern ^[a-z0-9_]{{1,{limit}}}$ (only a-z, 0-9, _)"
        )
    if len(value) > limit:
        raise ValueError(
            f"{value!r} is {len(value)} characters long; at most {limit} "
            "(ids go into buttons, and Telegram allows 64 bytes there)"
        )
    return value


def check_text(value: LocalizedText, limit: int) -> LocalizedText:
    """Every language's text at most ``limit`` characters."""
    for locale, text in value.texts.items():
        if len(text) > limit:
            raise ValueError(f"the {locale} text is {len(text)} characters long; at most {limit}")
    return value


def _limited_id(limit: int) -> AfterValidator:
    return AfterValidator(functools.partial(check_id, limit=limit))


def _limited_text(limit: int) -> AfterValidator:
    return AfterValidator(functools.partial(check_text, limit=limit))


#: One checked type per kind of field, shared by options and questions (an optional field
#: is checked only when given): the limits live here, not in a validator per model.
OptionId = Annotated[str, _limited_id(OPTION_ID_MAX)]
QuestionId = Annotated[str, _limited_id(QUESTION_ID_MAX)]
Label = Annotated[LocalizedText, _limited_text(LABEL_MAX)]
Prompt = Annotated[LocalizedText, _limited_text(PROMPT_MAX)]
ConsentText = Annotated[LocalizedText, _limited_text(CONSENT_TEXT_MAX)]


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: OptionId
    label: Label


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: QuestionId
    type: QuestionType
    prompt: Prompt
    label: Label | None = None  # short name in summaries; the prompt if not given
    required: bool = True
    max_length: Annotated[int, Field(ge=1, le=HARD_MAX_LENGTH)] | None = None
    options: list[Option] = Field(default_factory=list, max_length=OPTIONS_MAX)
    # consent only: the text (or a link to it) and its version, stored with the consent
    text: ConsentText | None = None
    url: str | None = None
    version: str | None = None

    @model_validator(mode="after")
    def _by_type(self) -> Question:
        if self.type is QuestionType.CHOICE:
            if not self.options:
                raise ValueError("a choice question needs options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError("option ids must be unique")
        elif self.options:
            raise ValueError("options are only for choice questions")
        if self.max_length is not None and self.type is not QuestionType.TEXT:
            raise ValueError("max_length is only for text questions")
        if self.type is QuestionType.CONSENT:
            if not self.version:
                raise ValueError("a consent question needs the version of its text")
            if self.text is None and self.url is None:
                raise ValueError("a consent question needs its text or a url")
            if not self.required:
                raise ValueError("consent cannot be optional")
        return self

    def title(self, locale: str) -> str:
        return (self.label or self.prompt).get(locale)

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


class Form(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    questions: Annotated[list[Question], Field(max_length=QUESTIONS_MAX)]

    @field_validator("questions")
    @classmethod
    def _unique(cls, value: list[Question]) -> list[Question]:
        ids = [q.id for q in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids must be unique: {', '.join(dupes)}")
        return value

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]


class FormError(ValueError):
    pass


def parse_questions(raw: Any, where: str = "questions") -> list[Question]:
    """Validate a list of questions (the format shared by the profile form and events)."""
    try:
        return Form.model_validate({"questions": raw or []}).questions
    except ValidationError as exc:
        raise FormError(describe_errors(exc, where)) from None


def describe_errors(exc: ValidationError, where: str) -> str:
    """One readable line per problem: 'form.yaml: question #2: field max_length: ...'."""
    return "; ".join(f"{where}: {problem}" for problem in question_problems(exc))


def question_problems(exc: ValidationError) -> list[str]:
    """The problems of a questions list, each as 'question #2: field max_length: ...'."""
    problems = []
    for err in exc.errors():
        loc = _describe_loc(err["loc"])
        msg = error_message(err)
        problems.append(f"{loc}: {msg}" if loc else msg)
    return problems


def error_message(err: ErrorDetails) -> str:
    """A pydantic error's message, without 'Value error, ' and with the value for a pattern."""
    if err["type"] == "string_pattern_mismatch":
        return f"{err['input']!r} does not match the pattern {err['ctx']['pattern']}"
    if err["type"] == "extra_forbidden":
        return "is not a known field (a typo?)"
    return str(err["msg"]).removeprefix("Value error, ")


def _describe_loc(loc: tuple[int | str, ...]) -> str:
    """('questions', 1, 'options', 0, 'id') -> 'question #2: option #1: field id'."""
    words: list[str] = []
    fields: list[str] = []
    items = list(loc)
    index = 0
    while index < len(items):
        part = items[index]
        following = items[index + 1] if index + 1 < len(items) else None
        if part in ("questions", "options") and isinstance(following, int):
            words.append(f"{'question' if part == 'questions' else 'option'} #{following + 1}")
            index += 2
            continue
        if part not in ("questions", "texts"):
            fields.append(str(part))
        index += 1
    if fields:
        words.append("field " + ".".join(fields))
    return ": ".join(words)


def load_form(path: Path | None = None) -> Form:
    if path is None:
        text = resources.files("bot").joinpath("data/form.yaml").read_text("utf-8")
        where = "form.yaml"
    else:
        text = path.read_text("utf-8")
        where = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FormError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or "questions" not in raw:
        raise FormError(f"{where}: the top level must be 'questions:' with a list")
    return Form(questions=parse_questions(raw["questions"], where))


@functools.cache
def default_form() -> Form:
    return load_form()


# --- answers -------------------------------------------------------------------------------


class Problem(StrEnum):
    """Why an answer was not accepted; each has a text in locales (answer.problem.*)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_AN_OPTION = "not_an_option"
    REGION_NOT_FOUND = "region_not_found"
    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    USE_BUTTONS = "use_buttons"
    NEED_FILE = "need_file"  # a file question answered with text or a photo
    FILE_TYPE = "file_type"  # not PDF/DOC/DOCX
    FILE_TOO_LARGE = "file_too_large"  # over FILE_MAX_MB


@dataclass(frozen=True, slots=True)
class Accepted:
    value: str


@dataclass(frozen=True, slots=True)
class Rejected:
    problem: Problem
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A typed region matched several subjects: the person picks one."""

    candidates: list[Region]


Outcome = Accepted | Rejected | Ambiguous


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def check_text_answer(
    question: Question, raw: str, regions: Regions, phone_region: str = "RU"
) -> Outcome:
    """Check what a person typed as the answer to ``question``."""
    text = raw.strip()
    if not text:
        return Rejected(Problem.EMPTY)
    match question.type:
        case QuestionType.TEXT:
            text = " ".join(text.split()) if "\n" not in text else text
            if len(text) > question.limit:
                return Rejected(Problem.TOO_LONG, question.limit)
            return Accepted(text)
        case QuestionType.CHOICE:
            wanted = _norm(text)
            for option in question.options:
                if wanted in {_norm(label) for label in option.label.all()} or wanted == option.id:
                    return Accepted(option.id)
            return Rejected(Problem.NOT_AN_OPTION)
        case QuestionType.REGION:
            found = regions.search(text)
            if not found:
                return Rejected(Problem.REGION_NOT_FOUND)
            if len(found) == 1:
                return Accepted(found[0].code)
            return Ambiguous(found)
        case QuestionType.PHONE:
            phone = normalize_phone(text, phone_region)
            return Accepted(phone) if phone else Rejected(Problem.PHONE_INVALID)
        case QuestionType.EMAIL:
            if len(text) > 254:
                return Rejected(Problem.EMAIL_INVALID)
            try:
                info = validate_email(text, check_deliverability=False)
            except EmailNotValidError:
                return Rejected(Problem.EMAIL_INVALID)
            return Accepted(info.normalized)
        case QuestionType.CONSENT:
            return Rejected(Problem.USE_BUTTONS)
        case QuestionType.FILE:
            return Rejected(Problem.NEED_FILE)
    raise AssertionError(question.type)  # pragma: no cover


def normalize_phone(text: str, default_region: str = "RU") -> str | None:
    """Any usual Russian or international form -> E.164, or None if it is not a phone number."""
    candidate = text.strip()
    if not PHONE_CHARS_RE.match(candidate):
        # phonenumbers reads letters as keypad digits ("8 912 ABC..." -> 8 912 222...);
        # a person who typed letters did not type their phone number.
        return None
    digits = "".join(ch for ch in candidate if ch.isdigit())
    # "8 912 ..." is the Russian trunk prefix; phonenumbers handles it with region RU.
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    elif len(digits) == 11 and digits[0] == "7" and not candidate.startswith("+"):
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_value(
    question: Question, value: str | None, locale: str, regions: Regions
) -> str | None:
    """An answer as a person reads it (the option's label, the region's name)."""
    if value is None:
        return None
    match question.type:
        case QuestionType.CHOICE:
            option = question.option(value)
            return option.label.get(locale) if option else value
        case QuestionType.REGION:
            region = regions.get(value)
            return region.name(locale) if region else value
        case QuestionType.PHONE:
            try:
                number = phonenumbers.parse(value, None)
            except phonenumbers.NumberParseException:
                return value
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        case QuestionType.FILE:
            attached = FileAnswer.parse(value)
            return f"📎 {attached.name} ({attached.size_text})" if attached else value
        case _:
            return value


# --- attached files (a ``file`` question) ----------------------------------------------------

FILE_MAX_MB = 20
FILE_MAX_BYTES = FILE_MAX_MB * 1024 * 1024
FILE_EXTENSIONS = (".pdf", ".doc", ".docx")
FILE_MIME_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)


class FileAnswer(BaseModel):
    """A ``file`` answer as stored: Telegram's file id (to send it on to the experts), its
    unique id, the name and the size in bytes. The file itself stays with Telegram."""

    model_config = ConfigDict(frozen=True)
    file_id: str
    file_unique_id: str
    name: str
    size: int

    @classmethod
    def parse(cls, value: str | None) -> FileAnswer | None:
        try:
            return cls.model_validate_json(value) if value else None
        except ValidationError:
            return None

    def dump(self) -> str:
        return self.model_dump_json()

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{max(self.size // 1024, 1)} KB"


def check_file_answer(candidate: FileAnswer, mime_type: str | None) -> Accepted | Rejected:
    """A document sent as the answer to a ``file`` question: PDF, DOC or DOCX, at most
    FILE_MAX_MB megabytes."""
    name = candidate.name.lower()
    if not name.endswith(FILE_EXTENSIONS) and (mime_type or "") not in FILE_MIME_TYPES:
        return Rejected(Problem.FILE_TYPE)
    if candidate.size > FILE_MAX_BYTES:
        return Rejected(Problem.FILE_TOO_LARGE, FILE_MAX_MB)
    return Accepted(candidate.dump())
