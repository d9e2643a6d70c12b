"""Unit tests for bot.registration.regions and the shipped bot/data/regions.yaml."""

from __future__ import annotations

import re
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.registration.regions import (
    DISTRICT_CODES,
    District,
    Region,
    Regions,
    default_regions,
    load_regions,
    normalize,
)

DATA_FILE = Path(__file__).resolve().parent.parent / "bot" / "data" / "regions.yaml"
#: What people type and the one region each must find (a data file: tables, not code).
QUERIES: dict[str, dict[str, str]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "region_queries.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def regions() -> Regions:
    return load_regions()


def names(found: list[Region]) -> list[str]:
    return [r.name_ru for r in found]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regions.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- shipped data


def test_eight_districts_in_official_order(regions: Regions) -> None:
    assert len(regions.districts) == 8
    assert tuple(d.code for d in regions.districts) == DISTRICT_CODES
    assert DISTRICT_CODES == ("cfo", "szfo", "yufo", "skfo", "pfo", "ufo", "sfo", "dfo")


def test_eighty_nine_subjects(regions: Regions) -> None:
    assert len(regions) == 89
    assert len(regions.regions) == 89
    assert sum(len(regions.in_district(d.code)) for d in regions.districts) == 89


def test_district_sizes(regions: Regions) -> None:
    sizes = {d.code: len(regions.in_district(d.code)) for d in regions.districts}
    assert sizes == {
        "cfo": 18,
        "szfo": 11,
        "yufo": 12,
        "skfo": 7,
        "pfo": 14,
        "ufo": 6,
        "sfo": 10,
        "dfo": 11,
    }


@pytest.mark.parametrize(
    ("code", "district"),
    [
        ("RU-MOW", "cfo"),
        ("RU-SMO", "cfo"),
        ("RU-SPE", "szfo"),
        ("RU-KGD", "szfo"),
        ("RU-NEN", "szfo"),
        ("RU-CR", "yufo"),
        ("RU-SEV", "yufo"),
        ("RU-DPR", "yufo"),
        ("RU-LPR", "yufo"),
        ("RU-ZAP", "yufo"),
        ("RU-KHE", "yufo"),
        ("RU-STA", "skfo"),
        ("RU-CE", "skfo"),
        ("RU-TA", "pfo"),
        ("RU-BA", "pfo"),
        ("RU-PER", "pfo"),
        ("RU-KHM", "ufo"),
        ("RU-YAN", "ufo"),
        ("RU-KEM", "sfo"),
        ("RU-TY", "sfo"),
        ("RU-BU", "dfo"),
        ("RU-ZAB", "dfo"),
        ("RU-SA", "dfo"),
        ("RU-CHU", "dfo"),
    ],
)
def test_district_membership(regions: Regions, code: str, district: str) -> None:
    region = regions.get(code)
    assert region is not None
    assert region.district == district
    assert region in regions.in_district(district)


def test_codes_unique_and_iso_style(regions: Regions) -> None:
    codes = [r.code for r in regions]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"RU-[A-Z]{2,3}", c) for c in codes)


def test_every_region_has_both_names(regions: Regions) -> None:
    for region in regions:
        assert region.name_ru.strip()
        assert region.name_en.strip()
        assert re.search(r"[А-Яа-яЁё]", region.name_ru), region.code
        assert region.name_en.isascii() or "–" in region.name_en, region.code


def test_every_zone_valid(regions: Regions) -> None:
    for region in regions:
        assert ZoneInfo(region.timezone).key == region.timezone


@pytest.mark.parametrize("month", [1, 7])
@pytest.mark.parametrize(
    ("code", "hours"),
    [
        ("RU-KGD", 2),
        ("RU-MOW", 3),
        ("RU-SAM", 4),
        ("RU-SVE", 5),
        ("RU-OMS", 6),
        ("RU-NVS", 7),
        ("RU-IRK", 8),
        ("RU-SA", 9),
        ("RU-PRI", 10),
        ("RU-MAG", 11),
        ("RU-KAM", 12),
        ("RU-CHU", 12),
    ],
)
def test_utc_offsets(regions: Regions, code: str, hours: int, month: int) -> None:
    region = regions.get(code)
    assert region is not None
    moment = datetime(2025, month, 15, 12, 0, tzinfo=ZoneInfo(region.timezone))
    assert moment.utcoffset() == timedelta(hours=hours)


def test_specific_timezones(regions: Regions) -> None:
    expected = {
        "RU-KGD": "Europe/Kaliningrad",
        "RU-KAM": "Asia/Kamchatka",
        "RU-SA": "Asia/Yakutsk",
        "RU-CR": "Europe/Simferopol",
        "RU-SEV": "Europe/Simferopol",
        "RU-UD": "Europe/Samara",
        "RU-KEM": "Asia/Novokuznetsk",
        "RU-AL": "Asia/Barnaul",
        "RU-ALT": "Asia/Barnaul",
        "RU-BU": "Asia/Irkutsk",
        "RU-ZAB": "Asia/Chita",
        "RU-AST": "Europe/Astrakhan",
        "RU-KIR": "Europe/Kirov",
    }
    for code, zone in expected.items():
        region = regions.get(code)
        assert region is not None
        assert region.timezone == zone, code


def test_default_regions_cached_and_equal_to_file(regions: Regions) -> None:
    assert default_regions() is default_regions()
    assert default_regions().regions == regions.regions
    assert load_regions(DATA_FILE).regions == regions.regions


# --------------------------------------------------------------------------- lookup


def test_names_by_locale(regions: Regions) -> None:
    smo = regions.get("RU-SMO")
    assert smo is not None
    assert smo.name("ru") == "Смоленская область"
    assert smo.name("en") == "Smolensk Oblast"
    assert smo.name("de") == "Смоленская область"
    cfo = regions.district("cfo")
    assert cfo is not None
    assert cfo.name("en") == "Central Federal District"
    assert cfo.name("ru") == "Центральный федеральный округ"
    dfo = regions.district("dfo")
    assert dfo is not None
    assert dfo.name("en") == "Far Eastern Federal District"


def test_get_and_district_unknown(regions: Regions) -> None:
    assert regions.get("ru-smo") == regions.get("RU-SMO")
    assert regions.get("RU-XXX") is None
    assert regions.district("nope") is None
    assert regions.in_district("nope") == ()


def test_in_district_sorted_by_russian_name(regions: Regions) -> None:
    for district in regions.districts:
        items = regions.in_district(district.code)
        keys = [r.name_ru.casefold().replace("ё", "е") for r in items]
        assert keys == sorted(keys)
    assert names(list(regions.in_district("ufo")))[:2] == [
        "Курганская область",
        "Свердловская область",
    ]


def test_normalize() -> None:
    assert normalize("  Санкт-Петербург ") == "санкт петербург"
    assert normalize("Ёлки, палки!") == "елки палки"
    assert normalize("Кемеровская область — Кузбасс") == "кемеровская область кузбасс"
    assert normalize("St. Petersburg") == "st petersburg"


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("смоленск", ["Смоленская область"]),
        ("Tatarstan", ["Республика Татарстан"]),
        ("татарстан", ["Республика Татарстан"]),
        ("ТАТАРСТАН", ["Республика Татарстан"]),
        ("москва", ["Москва"]),
        ("Moscow", ["Москва"]),
        ("моск", ["Москва", "Московская область"]),
        ("новосиб", ["Новосибирская область"]),
        ("xx", []),
        ("", []),
        ("   ", []),
        ("---", []),
    ],
)
def test_search_examples(regions: Regions, query: str, expected: list[str]) -> None:
    assert names(regions.search(query)) == expected


def test_exact_match_wins_alone(regions: Regions) -> None:
    # "москва" is also a substring/prefix of nothing else, but "Московская область" must not appear
    assert names(regions.search("Москва")) == ["Москва"]
    # exact alias beats word-prefix matches of other regions
    assert names(regions.search("Алтай")) == ["Республика Алтай"]
    assert names(regions.search("Саха")) == ["Республика Саха (Якутия)"]
    # exact match works below the 3-character threshold for prefix search too
    assert names(regions.search("СПб")) == ["Санкт-Петербург"]


@pytest.mark.parametrize(("query", "expected"), list(QUERIES["aliases"].items()))
def test_aliases(regions: Regions, query: str, expected: str) -> None:
    assert names(regions.search(query)) == [expected]


@pytest.mark.parametrize(("query", "expected"), list(QUERIES["english_names"].items()))
def test_english_names(regions: Regions, query: str, expected: str) -> None:
    assert names(regions.search(query)) == [expected]


@pytest.mark.parametrize(("query", "code"), list(QUERIES["city_aliases"].items()))
def test_city_aliases(regions: Regions, query: str, code: str) -> None:
    assert [r.code for r in regions.search(query)] == [code]


def test_city_aliases_keep_federal_cities_apart(regions: Regions) -> None:
    # federal cities are subjects themselves and are never an alias of the surrounding oblast
    assert names(regions.search("москва")) == ["Москва"]
    assert names(regions.search("Санкт-Петербург")) == ["Санкт-Петербург"]
    assert names(regions.search("Севастополь")) == ["Севастополь"]
    for code in ("RU-MOS", "RU-LEN", "RU-CR"):
        region = regions.get(code)
        assert region is not None
        keys = {normalize(a) for a in region.aliases}
        assert keys.isdisjoint({"москва", "moscow", "санкт петербург", "севастополь"}), code
    # an ambiguous city prefix lists every region with such a city
    assert names(regions.search("нижний")) == ["Нижегородская область", "Свердловская область"]


def test_ambiguous_queries(regions: Regions) -> None:
    assert names(regions.search("кур")) == ["Курганская область", "Курская область"]
    assert names(regions.search("сах")) == ["Сахалинская область", "Республика Саха (Якутия)"]
    # prefix of the (English) name first, then word-prefix matches, each alphabetical
    assert names(regions.search("novgorod")) == ["Новгородская область", "Нижегородская область"]


def test_search_ranking_prefix_of_name_first(regions: Regions) -> None:
    found = names(regions.search("республика", limit=100))
    first_other = next(i for i, n in enumerate(found) if not n.startswith("Республика"))
    head, tail = found[:first_other], found[first_other:]
    assert all(n.startswith("Республика") for n in head)
    assert not any(n.startswith("Республика") for n in tail)
    assert head == sorted(head)
    assert "Чеченская Республика" in tail
    assert "Донецкая Народная Республика" in tail
    assert len(found) == 24  # 22 republics by name + ДНР and ЛНР


def test_search_substring_and_punctuation(regions: Regions) -> None:
    assert names(regions.search("  Нижегородская   обл. ")) == ["Нижегородская область"]
    assert "Ханты-Мансийский автономный округ — Югра" in names(regions.search("мансийский"))
    # substring inside a word of the name
    assert names(regions.search("градская")) == [
        "Волгоградская область",
        "Калининградская область",
        "Ленинградская область",
    ]


def test_search_limit(regions: Regions) -> None:
    assert len(regions.search("область")) == 10
    assert len(regions.search("область", limit=3)) == 3
    assert regions.search("область", limit=0) == []
    assert len(regions.search("область", limit=100)) == 49  # 48 oblasts + Еврейская АО


def test_search_yo_equals_ye(tmp_path: Path) -> None:
    central = {"ru": "Центральный", "en": "Central"}
    regions = [
        region("RU-ORL", "Орловская область", "Oryol Oblast", aliases=["Орёл"]),
        region("RU-YOL", "Ёлкинская область", "Yolki Oblast"),
        region("RU-ELA", "Еланская область", "Yelan Oblast"),
        region("RU-ZHU", "Жуковская область", "Zhukov Oblast"),
        region("RU-ABC", "Абаканская область", "Abakan Oblast"),
    ]
    path = write(tmp_path, doc(cfo(*regions, name=central)))
    loaded = load_regions(path)
    assert names(loaded.search("орел")) == ["Орловская область"]
    assert names(loaded.search("ОРЁЛ")) == ["Орловская область"]
    assert names(loaded.search("елкин")) == ["Ёлкинская область"]
    assert names(list(loaded.in_district("cfo"))) == [
        "Абаканская область",
        "Еланская область",
        "Ёлкинская область",
        "Жуковская область",
        "Орловская область",
    ]
    # only the districts present in the file
    assert [d.code for d in loaded.districts] == ["cfo"]


# --------------------------------------------------------------------------- loader errors

GOOD_REGION = """
      - code: RU-SMO
        name: {ru: "Смоленская область", en: "Smolensk Oblast"}
        timezone: Europe/Moscow
"""


MSK = "Europe/Moscow"
SMOLENSK: dict[str, Any] = {
    "code": "RU-SMO",
    "name": {"ru": "Смоленская область", "en": "Smolensk Oblast"},
    "timezone": MSK,
}


def region(code: str, name_ru: str, name_en: str, **extra: Any) -> dict[str, Any]:
    """A region of a loader test, in Moscow time unless ``extra`` says otherwise."""
    return {"code": code, "name": {"ru": name_ru, "en": name_en}, "timezone": MSK, **extra}


def cfo(*regions: dict[str, Any], name: dict[str, str] | None = None) -> dict[str, Any]:
    """The Central district of a loader test, with ``regions``."""
    return {"code": "cfo", "name": name or {"ru": "Ц", "en": "C"}, "regions": list(regions)}


def doc(*districts: dict[str, Any]) -> str:
    """A regions file of ``districts``, keys in the order written (the loader reports the
    first problem it meets)."""
    return yaml.safe_dump({"districts": list(districts)}, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- just a list\n", "top level"),
        ("districts: {}\n", "top level"),
        ("districts: [\n", "invalid YAML"),
        (
            doc({"code": "xfo", "name": {"ru": "Икс", "en": "X"}, "regions": []}),
            "unknown district code 'xfo'",
        ),
        (doc(cfo(), cfo()), "district 'cfo': duplicate district code"),
        (doc(cfo(name={"ru": "Ц"})), r"district 'cfo': 'name\.en'"),
        (
            doc(cfo({**SMOLENSK, "timezone": "Europe/Smolensk"})),
            "region 'RU-SMO': unknown timezone 'Europe/Smolensk'",
        ),
        (
            doc(cfo({key: value for key, value in SMOLENSK.items() if key != "timezone"})),
            "region 'RU-SMO': 'timezone'",
        ),
        (
            doc(
                cfo(SMOLENSK),
                {
                    "code": "szfo",
                    "name": {"ru": "СЗ", "en": "NW"},
                    "regions": [
                        {**SMOLENSK, "name": {"ru": "Другая область", "en": "Other Oblast"}}
                    ],
                },
            ),
            "district 'szfo': region 'RU-SMO': duplicate region code",
        ),
        (doc(cfo({**SMOLENSK, "code": "smolensk"})), "bad region code 'smolensk'"),
        (
            doc(
                cfo(
                    {"code": "RU-MOW", "name": {"ru": "Москва", "en": "Moscow"}, "timezone": MSK},
                    {
                        "code": "RU-MOS",
                        "name": {"ru": "Московская область", "en": "Moscow Oblast"},
                        "timezone": MSK,
                        "aliases": ["Москва"],
                    },
                )
            ),
            "region 'RU-MOS': name/alias 'Москва' already used by region 'RU-MOW'",
        ),
        (
            doc(cfo({**SMOLENSK, "aliases": "Смоленщина"})),
            "region 'RU-SMO': 'aliases' must be a list",
        ),
    ],
)
def test_loader_errors(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ValueError, match=message) as excinfo:
        load_regions(path)
    assert str(path) in str(excinfo.value)


def test_loader_accepts_minimal_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "districts:\n  - code: cfo\n    name: {ru: Ц, en: C}\n    regions:" + GOOD_REGION,
    )
    loaded = load_regions(path)
    assert loaded.regions == (
        Region(
            code="RU-SMO",
            district="cfo",
            name_ru="Смоленская область",
            name_en="Smolensk Oblast",
            timezone="Europe/Moscow",
            aliases=(),
        ),
    )
    assert loaded.districts == (District(code="cfo", name_ru="Ц", name_en="C"),)
    assert names(loaded.search("смоленск")) == ["Смоленская область"]


@pytest.mark.parametrize("typed", ["г. Казань", "город Казань", "г Казань", "city of Kazan"])
def test_city_prefix_is_ignored(typed: str) -> None:
    assert [r.code for r in default_regions().search(typed)] == ["RU-TA"]
