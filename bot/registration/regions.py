"""Federal districts and federal subjects of Russia: loading, lookup and free-text search.

The data lives in ``bot/data/regions.yaml`` (operator-editable). This module has no Telegram
and no database dependencies.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

__all__ = [
    "DISTRICT_CODES",
    "District",
    "Region",
    "Regions",
    "default_regions",
    "load_regions",
    "normalize",
]

#: Federal district codes in the official order.
DISTRICT_CODES: tuple[str, ...] = ("cfo", "szfo", "yufo", "skfo", "pfo", "ufo", "sfo", "dfo")

#: Minimal query length for prefix/substring search (exact matches work for any length).
MIN_QUERY_LENGTH = 3

_REGION_CODE_RE = re.compile(r"^RU-[A-Z]{2,3}$")
_NON_WORD_RE = re.compile(r"[\W_]+")


def _is_en(locale: str) -> bool:
    lang = locale.strip().lower().replace("_", "-").split("-", 1)[0]
    return lang == "en"


_CITY_PREFIX_RE = re.compile(r"^(?:г|гор|город|city of|city)\s+")


def normalize(text: str) -> str:
    """Normalise text for matching: case-insensitive, ё == е, punctuation/hyphens -> spaces."""
    folded = text.casefold().replace("ё", "е")
    return _NON_WORD_RE.sub(" ", folded).strip()


def _sort_key(name_ru: str) -> tuple[str, str]:
    return (name_ru.casefold().replace("ё", "е"), name_ru)


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name_ru: str
    name_en: str

    def name(self, locale: str) -> str:
        """``"en"`` -> English name, any other locale -> Russian name."""
        return self.name_en if _is_en(locale) else self.name_ru


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    district: str
    name_ru: str
    name_en: str
    timezone: str
    aliases: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        """``"en"`` -> English name, any other locale -> Russian name."""
        return self.name_en if _is_en(locale) else self.name_ru


@dataclass(frozen=True, slots=True)
class _SearchEntry:
    region: Region
    names: tuple[str, ...]  # normalised ru/en names
    keys: tuple[str, ...]  # normalised names + aliases


class Regions:
    """An immutable collection of districts and regions with lookup and search."""

    def __init__(self, districts: Iterable[District], regions: Iterable[Region]) -> None:
        order = {code: i for i, code in enumerate(DISTRICT_CODES)}
        self.districts: tuple[District, ...] = tuple(
            sorted(districts, key=lambda d: order.get(d.code, len(order)))
        )
        self.regions: tuple[Region, ...] = tuple(regions)
        self._districts = {d.code: d for d in self.districts}
        self._by_code = {r.code: r for r in self.regions}
        by_district: dict[str, list[Region]] = {d.code: [] for d in self.districts}
        for region in self.regions:
            by_district.setdefault(region.district, []).append(region)
        self._by_district = {
            code: tuple(sorted(items, key=lambda r: _sort_key(r.name_ru)))
            for code, items in by_district.items()
        }
        self._entries: tuple[_SearchEntry, ...] = tuple(
            _SearchEntry(
                region=r,
                names=tuple(dict.fromkeys(normalize(n) for n in (r.name_ru, r.name_en))),
                keys=tuple(dict.fromkeys(normalize(n) for n in (r.name_ru, r.name_en, *r.aliases))),
            )
            for r in self.regions
        )
        self._exact: dict[str, list[Region]] = {}
        for entry in self._entries:
            for key in entry.keys:
                if key:
                    self._exact.setdefault(key, []).append(entry.region)

    def __len__(self) -> int:
        return len(self.regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def district(self, code: str) -> District | None:
        return self._districts.get(code.strip().lower())

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code.strip().upper())

    def in_district(self, code: str) -> tuple[Region, ...]:
        """Regions of a district sorted by Russian name (ё sorted as е); () if unknown."""
        return self._by_district.get(code.strip().lower(), ())

    def search(self, text: str, limit: int = 10) -> list[Region]:
        """Find regions by free text typed by a user (Russian or English).

        An exact match of a name or alias wins and is returned alone. Otherwise (query of at
        least three characters) every region where the query starts a word of a name/alias or
        occurs inside a name; names starting with the query come first, then alphabetical.
        """
        if limit <= 0:
            return []
        query = normalize(text)
        if not query:
            return []
        exact = self._exact.get(query)
        if not exact:
            # "г. Казань", "город Казань", "city of Kazan": people write the city so.
            bare = _CITY_PREFIX_RE.sub("", query)
            if bare and bare != query:
                query = bare
                exact = self._exact.get(query)
        if exact:
            return sorted(exact, key=lambda r: _sort_key(r.name_ru))[:limit]
        if len(query) < MIN_QUERY_LENGTH:
            return []
        word_start = " " + query
        ranked: list[tuple[int, tuple[str, str], Region]] = []
        for entry in self._entries:
            prefix_of_name = any(n.startswith(query) for n in entry.names)
            matched = (
                prefix_of_name
                or any(k.startswith(query) or word_start in k for k in entry.keys)
                or any(query in n for n in entry.names)
            )
            if matched:
                tier = 0 if prefix_of_name else 1
                ranked.append((tier, _sort_key(entry.region.name_ru), entry.region))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [region for _, _, region in ranked[:limit]]


# --------------------------------------------------------------------------- loading


def _where(source: str, *parts: str) -> str:
    return ": ".join((source, *parts))


def _names(raw: Any, where: str) -> tuple[str, str]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: 'name' must be a mapping with 'ru' and 'en'")
    result: list[str] = []
    for lang in ("ru", "en"):
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: 'name.{lang}' must be a non-empty string")
        result.append(value.strip())
    return result[0], result[1]


def _aliases(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{where}: 'aliases' must be a list of strings")
    result: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not normalize(item):
            raise ValueError(f"{where}: bad alias {item!r}")
        result.append(item.strip())
    return tuple(result)


def _timezone(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"{where}: 'timezone' must be a non-empty string")
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{where}: unknown timezone {name!r}") from exc
    return name


def _parse(data: Any, source: str) -> Regions:
    if not isinstance(data, Mapping) or not isinstance(data.get("districts"), list):
        raise ValueError(_where(source, "top level must be a mapping with a 'districts' list"))
    districts: list[District] = []
    regions: list[Region] = []
    region_district: dict[str, str] = {}
    key_owner: dict[str, str] = {}

    for d_index, raw_district in enumerate(data["districts"], start=1):
        d_where = _where(source, f"district #{d_index}")
        if not isinstance(raw_district, Mapping):
            raise ValueError(f"{d_where}: must be a mapping")
        d_code = raw_district.get("code")
        if not isinstance(d_code, str) or d_code not in DISTRICT_CODES:
            known = ", ".join(DISTRICT_CODES)
            raise ValueError(f"{d_where}: unknown district code {d_code!r} (known: {known})")
        d_where = _where(source, f"district {d_code!r}")
        if any(d.code == d_code for d in districts):
            raise ValueError(f"{d_where}: duplicate district code")
        d_ru, d_en = _names(raw_district.get("name"), d_where)
        districts.append(District(code=d_code, name_ru=d_ru, name_en=d_en))

        raw_regions = raw_district.get("regions")
        if not isinstance(raw_regions, list):
            raise ValueError(f"{d_where}: 'regions' must be a list")
        for r_index, raw_region in enumerate(raw_regions, start=1):
            r_where = f"{d_where}: region #{r_index}"
            if not isinstance(raw_region, Mapping):
                raise ValueError(f"{r_where}: must be a mapping")
            code = raw_region.get("code")
            if not isinstance(code, str) or not _REGION_CODE_RE.match(code):
                raise ValueError(f"{r_where}: bad region code {code!r} (expected like 'RU-SMO')")
            r_where = f"{d_where}: region {code!r}"
            if code in region_district:
                first = region_district[code]
                raise ValueError(f"{r_where}: duplicate region code (also in district {first!r})")
            region_district[code] = d_code
            name_ru, name_en = _names(raw_region.get("name"), r_where)
            region = Region(
                code=code,
                district=d_code,
                name_ru=name_ru,
                name_en=name_en,
                timezone=_timezone(raw_region.get("timezone"), r_where),
                aliases=_aliases(raw_region.get("aliases"), r_where),
            )
            for text in (name_ru, name_en, *region.aliases):
                key = normalize(text)
                owner = key_owner.setdefault(key, code)
                if owner != code:
                    raise ValueError(
                        f"{r_where}: name/alias {text!r} already used by region {owner!r}"
                    )
            regions.append(region)

    return Regions(districts, regions)


def load_regions(path: Path | None = None) -> Regions:
    """Load and validate the regions file (default: the one shipped in ``bot/data``).

    Raises ``ValueError`` naming the offending entry if the file is malformed.
    """
    if path is None:
        source = "bot/data/regions.yaml"
        text = resources.files("bot").joinpath("data/regions.yaml").read_text(encoding="utf-8")
    else:
        source = str(path)
        text = Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: invalid YAML: {exc}") from exc
    return _parse(data, source)


@functools.cache
def default_regions() -> Regions:
    """The shipped regions, loaded once."""
    return load_regions()
