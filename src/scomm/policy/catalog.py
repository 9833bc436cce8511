"""The NCIC offense catalog: what each 4-digit offense code means to the policy.

Every policy question about a charge or a conviction (is it a felony, violent, an aggravated
felony class, a minor traffic offense, which 2008 Secure Communities level) is answered from
one data file, ``data/ncic_offenses.csv``, so that a reader can check and correct a
classification without reading code, and every row says where its classification comes from
(its ``source`` column; items marked ``[M]`` are project estimates or unverified).

The file is validated when it is loaded and a malformed row fails loudly with its line number:
a wrong grade or a DUI marked "minor traffic" would silently change who gets a detainer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from scomm.domain.errors import InvalidInput

Grade = Literal["felony", "misdemeanor", "infraction"]

CATALOG_RESOURCE = "ncic_offenses.csv"
COLUMNS: tuple[str, ...] = (
    "code",
    "literal",
    "category",
    "violent",
    "grade",
    "max_sentence_days",
    "aggravated_felony_class",
    "minor_traffic",
    "sc_level_2008",
    "official",
    "source",
)
FELONY_MIN_DAYS = 366
"""A crime punishable by more than one year is a felony (the memo's own definition)."""

AGGRAVATED_FELONY_CLASSES = frozenset("ABCDEFGHIJKLMNOPQRSTU")
"""The subparagraph letters of INA 101(a)(43)."""

NEVER_MINOR_TRAFFIC = frozenset({"5401", "5403", "5404"})
"""Hit-and-run and DUI: the HSAC task force and ICE's 2012-04-27 response exclude them."""

_CODE = re.compile(r"^\d{4}$")
_BOOL = {"true": True, "false": False}
_GRADES: dict[str, Grade] = {
    "felony": "felony",
    "misdemeanor": "misdemeanor",
    "infraction": "infraction",
}


@dataclass(frozen=True, slots=True)
class Offense:
    """One NCIC offense code and the classifications the policy reads from it."""

    code: str
    literal: str
    category: str
    violent: bool
    grade: Grade
    max_sentence_days: int
    aggravated_felony_class: str | None
    minor_traffic: bool
    sc_level_2008: int
    official: bool
    source: str

    @property
    def series(self) -> str:
        """The 2-digit NCIC category (``"54"`` for traffic)."""
        return self.code[:2]

    @property
    def is_felony(self) -> bool:
        """Punishable by more than one year (the memo's definition of a felony)."""
        return self.max_sentence_days >= FELONY_MIN_DAYS


class OffenseCatalog:
    """Lookup of offenses by code, with the NCIC fallback to the category's generic code."""

    def __init__(self, offenses: Iterable[Offense]) -> None:
        self._by_code: dict[str, Offense] = {}
        for offense in offenses:
            if offense.code in self._by_code:
                raise InvalidInput(f"ncic_offenses.csv:{offense.code}", "duplicate code")
            self._by_code[offense.code] = offense
        self._categories: dict[str, str] = {}
        for offense in sorted(self._by_code.values(), key=lambda o: o.code):
            known = self._categories.setdefault(offense.series, offense.category)
            if known != offense.category:
                raise InvalidInput(
                    f"ncic_offenses.csv:{offense.code}",
                    f"category {offense.category!r} differs from {known!r} used by series "
                    f"{offense.series}",
                )

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def removable_conviction(self, code: str) -> bool:
        """Whether a conviction for ``code`` makes a permanent resident removable: an
        aggravated felony (INA 101(a)(43)) or a controlled-substance offence (NCIC series 35;
        INA 237(a)(2)(B)). One definition, for the support center and for the simulator's
        truth alike."""
        return bool(self.get(code).aggravated_felony_class) or code.startswith("35")

    def get(self, code: str) -> Offense:
        """The offense for ``code``.

        A code this catalog does not list (state-specific codes are common) falls back to the
        generic code of its 2-digit category, ``xx99`` "(describe offense)" or else ``xx00``,
        which is how NCIC itself treats an offense it has no specific code for. A series with
        no generic code, or a malformed code, is an error: guessing would put a made-up
        severity into a decision.
        """
        if not isinstance(code, str) or not _CODE.match(code):
            raise InvalidInput("ncic_code", f"must be 4 digits, got {code!r}")
        found = self._by_code.get(code)
        if found is not None:
            return found
        for generic in (code[:2] + "99", code[:2] + "00"):
            fallback = self._by_code.get(generic)
            if fallback is not None:
                return fallback
        raise InvalidInput(
            "ncic_code",
            f"unknown offense code {code}; NCIC series {code[:2]} has no generic (xx99/xx00) code",
        )

    def codes(self) -> tuple[str, ...]:
        """Every listed code, in code order."""
        return tuple(sorted(self._by_code))

    def categories(self) -> Mapping[str, str]:
        """2-digit series -> category name, in series order."""
        return dict(sorted(self._categories.items()))

    def by_category(self) -> Mapping[str, tuple[Offense, ...]]:
        """Category name -> its offenses in code order (categories in series order)."""
        grouped: dict[str, list[Offense]] = {name: [] for name in self.categories().values()}
        for code in self.codes():
            offense = self._by_code[code]
            grouped[offense.category].append(offense)
        return {name: tuple(items) for name, items in grouped.items()}

    @classmethod
    def from_csv(cls, text: str, name: str = CATALOG_RESOURCE) -> OffenseCatalog:
        """Parse and validate catalog CSV text; errors name ``name`` and the line."""
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(reader.fieldnames or ())
        if header != COLUMNS:
            raise InvalidInput(f"{name}:1", f"header must be {','.join(COLUMNS)}, got {header}")
        offenses = [_parse_row(row, f"{name}:{reader.line_num}") for row in reader]
        if not offenses:
            raise InvalidInput(name, "no offense rows")
        return cls(offenses)


def _parse_bool(row: Mapping[str, str | None], column: str, where: str) -> bool:
    raw = (row.get(column) or "").strip()
    if raw not in _BOOL:
        raise InvalidInput(f"{where}:{column}", f"must be true or false, got {raw!r}")
    return _BOOL[raw]


def _parse_row(row: Mapping[str, str | None], where: str) -> Offense:
    """One validated row. Why each check: see the module docstring."""
    if None in row or any(row.get(c) is None for c in COLUMNS):
        raise InvalidInput(where, f"must have exactly {len(COLUMNS)} columns")
    code = (row["code"] or "").strip()
    where = f"{where} ({code})"
    if not _CODE.match(code):
        raise InvalidInput(f"{where}:code", f"must be 4 digits, got {code!r}")
    for column in ("literal", "category", "source"):
        if not (row[column] or "").strip():
            raise InvalidInput(f"{where}:{column}", "must not be empty")
    raw_grade = (row["grade"] or "").strip()
    grade = _GRADES.get(raw_grade)
    if grade is None:
        raise InvalidInput(
            f"{where}:grade", f"must be felony/misdemeanor/infraction, got {raw_grade!r}"
        )
    try:
        max_days = int((row["max_sentence_days"] or "").strip())
        level = int((row["sc_level_2008"] or "").strip())
    except ValueError as exc:
        raise InvalidInput(
            where, f"max_sentence_days and sc_level_2008 must be integers: {exc}"
        ) from exc
    if grade == "felony" and max_days < FELONY_MIN_DAYS:
        raise InvalidInput(f"{where}:max_sentence_days", f"felony needs > 365 days, got {max_days}")
    if grade == "misdemeanor" and not 1 <= max_days < FELONY_MIN_DAYS:
        raise InvalidInput(
            f"{where}:max_sentence_days", f"misdemeanor needs 1..365 days, got {max_days}"
        )
    if grade == "infraction" and max_days != 0:
        raise InvalidInput(f"{where}:max_sentence_days", f"infraction needs 0 days, got {max_days}")
    if level not in (1, 2, 3):
        raise InvalidInput(f"{where}:sc_level_2008", f"must be 1, 2 or 3, got {level}")
    af = (row["aggravated_felony_class"] or "").strip() or None
    if af is not None and af not in AGGRAVATED_FELONY_CLASSES:
        raise InvalidInput(
            f"{where}:aggravated_felony_class", f"must be an INA 101(a)(43) letter, got {af!r}"
        )
    minor = _parse_bool(row, "minor_traffic", where)
    violent = _parse_bool(row, "violent", where)
    if minor:
        if code in NEVER_MINOR_TRAFFIC:
            raise InvalidInput(
                f"{where}:minor_traffic", "DUI and hit-and-run are never minor traffic offenses"
            )
        if code[:2] != "54":
            raise InvalidInput(f"{where}:minor_traffic", "only NCIC series 54 is traffic")
        if grade == "felony" or violent or af is not None:
            raise InvalidInput(
                f"{where}:minor_traffic",
                "a felony, violent or aggravated-felony offense cannot be minor traffic",
            )
    return Offense(
        code=code,
        literal=(row["literal"] or "").strip(),
        category=(row["category"] or "").strip(),
        violent=violent,
        grade=grade,
        max_sentence_days=max_days,
        aggravated_felony_class=af,
        minor_traffic=minor,
        sc_level_2008=level,
        official=_parse_bool(row, "official", where),
        source=(row["source"] or "").strip(),
    )


@cache
def load_catalog() -> OffenseCatalog:
    """The packaged catalog, parsed and validated once per process."""
    text = (
        resources.files("scomm.policy")
        .joinpath("data")
        .joinpath(CATALOG_RESOURCE)
        .read_text("utf-8")
    )
    return OffenseCatalog.from_csv(text)
