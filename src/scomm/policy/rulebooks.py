"""Versioned rulebooks: loading, validation, and choosing the versions in force on a date.

A rulebook is a YAML file in ``rulebooks/`` with a ``version``, an ``effective_from`` (and an
optional inclusive ``effective_until``), a ``source`` and its rules. Four kinds exist:

``offense_levels``
    ``record_levels``: ordered rules giving each charge or conviction its Secure Communities
    offense-based level (first match wins).
``priorities``
    the base policy: ordered ``stages``, each an ordered list of rules; exactly one is in force
    on any date the program ran.
``overlay``
    later policy that amends the base (the victims memo, minor traffic, the 2012 detainer
    guidance): its stages run after the base's, in order of effective date.
``removal_statistics``
    ICE's removal categories; reuses stages of another rulebook by ``include_stages``.

A rule is ``{id, description, when, set}`` (or ``flag`` in an ``all``-mode stage). ``derived``
defines facts computed from the case (counts of charges/convictions matching a record
predicate, whole years since a date); its names are one vocabulary across all rulebooks, so a
name defined twice must be defined identically. ``parameters`` is free-form and ignored by
the engine: it only holds YAML anchors that rules reuse.

Everything is checked when the set loads, for every combination of versions that is ever in
force: unknown facts, unknown codes, outputs outside their domain, overlapping base versions,
and agreement of the catalog's ``sc_level_2008`` column with the 2008 offense-level rulebook.
Errors are :class:`InvalidInput` naming the file and the rule.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scomm.domain.errors import InvalidInput
from scomm.policy.catalog import OffenseCatalog, load_catalog
from scomm.policy.conditions import (
    Always,
    Condition,
    RAlways,
    Record,
    RecordPredicate,
    Scalar,
    matches,
    parse_condition,
    parse_record_predicate,
    referenced_facts,
)
from scomm.policy.facts import FACT_NAMES

Kind = Literal["offense_levels", "priorities", "overlay", "removal_statistics"]
RecordSource = Literal["convictions", "pending_charges", "records"]

ACTIONS = ("detainer", "conditional_detainer", "no_action", "not_removable")
REMOVAL_CATEGORIES = (
    "convicted_level1",
    "convicted_level2",
    "convicted_level3",
    "ice_fugitive",
    "prior_removal_return",
    "ewi_visa_overstay",
)
OUTPUT_DOMAINS: Mapping[str, tuple[Scalar, ...] | type] = {
    "removable": (True, False, None),
    "conviction_level": (1, 2, 3, None),
    "priority": (1, 2, 3, None),
    "recommended_action": ACTIONS,
    "reason": str,
    "action_basis": str,
    "detainer_basis": str,
    "removal_category": REMOVAL_CATEGORIES,
}
"""What a rule may ``set``: the engine's output vocabulary, not policy."""

LEVEL_FACTS = ("offense_level", "charge_offense_level", "conviction_offense_level")
"""Facts an ``offense_levels`` rulebook provides: the most serious (lowest) level over all
records, over the current charges, and over the convictions."""

PROGRAM_START = dt.date(2008, 10, 27)


# ---------------------------------------------------------------- raw file schema


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RawFlag(_Raw):
    factor: str = Field(min_length=1)
    direction: Literal["positive", "negative"]


class _RawRule(_Raw):
    id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    when: Any
    set: dict[str, Any] | None = None
    flag: _RawFlag | None = None


class _RawStage(_Raw):
    name: str = Field(min_length=1)
    mode: Literal["first", "all"] = "first"
    rules: list[_RawRule] = Field(min_length=1)


class _RawLevelRule(_Raw):
    id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    level: Literal[1, 2, 3]
    when: Any


class _RawInclude(_Raw):
    version: str
    stage: str


class _RawRulebook(_Raw):
    kind: Kind
    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    effective_from: dt.date
    effective_until: dt.date | None = None
    source: str = Field(min_length=1)
    notes: str | None = None
    parameters: dict[str, Any] | None = None
    derived: dict[str, dict[str, Any]] = Field(default_factory=dict)
    include_stages: list[_RawInclude] = Field(default_factory=list)
    stages: list[_RawStage] = Field(default_factory=list)
    record_levels: list[_RawLevelRule] = Field(default_factory=list)


# ---------------------------------------------------------------- compiled rulebook


@dataclass(frozen=True, slots=True)
class Flag:
    """A discretion factor a rule flags for the officer (never changes the outcome itself)."""

    factor: str
    direction: Literal["positive", "negative"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule; ``written`` is its ``when`` as the file states it, kept so that ``policy show``
    and ``policy diff`` print the rule in the rulebook's own words rather than a rendering."""

    id: str
    description: str
    when: Condition
    sets: Mapping[str, Scalar] = field(default_factory=dict)
    flag: Flag | None = None
    written: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    mode: Literal["first", "all"]
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class LevelRule:
    id: str
    description: str
    level: int
    when: RecordPredicate
    written: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CountDerived:
    """How many charges/convictions match ``where`` (through the catalog)."""

    name: str
    of: RecordSource
    where: RecordPredicate
    defined_in: str


@dataclass(frozen=True, slots=True)
class YearsSinceDerived:
    """Whole years from a date fact to the decision date (None if the date is unknown)."""

    name: str
    fact: str
    defined_in: str


Derived = CountDerived | YearsSinceDerived


@dataclass(frozen=True, slots=True)
class Rulebook:
    file: str
    kind: Kind
    name: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    source: str
    derived: Mapping[str, Derived]
    stages: tuple[Stage, ...]
    record_levels: tuple[LevelRule, ...]
    include_stages: tuple[tuple[str, str], ...]
    derived_specs: Mapping[str, Any]

    def in_force(self, on: dt.date) -> bool:
        """Whether ``on`` falls within this version's effective dates (both inclusive)."""
        return self.effective_from <= on and (
            self.effective_until is None or on <= self.effective_until
        )

    def level_of(self, record: Record) -> LevelRule:
        """The first offense-level rule matching one charge or conviction."""
        for rule in self.record_levels:
            if matches(rule.when, record):
                return rule
        raise InvalidInput(self.file, f"no record_levels rule matched {record.code}")


@dataclass(frozen=True, slots=True)
class Composition:
    """The rulebook versions in force together on one date, in the order they apply."""

    levels: Rulebook | None
    books: tuple[Rulebook, ...]
    stages: tuple[tuple[Rulebook, Stage], ...]

    @property
    def policy_version(self) -> str:
        """The versions in force joined with ``+`` (stored with every decision)."""
        return "+".join(b.version for b in self.books)


def _compile(raw: _RawRulebook, file: str, catalog: OffenseCatalog) -> Rulebook:
    if raw.effective_until is not None and raw.effective_until < raw.effective_from:
        raise InvalidInput(f"{file}:effective_until", "is before effective_from")
    derived: dict[str, Derived] = {}
    for name, spec in raw.derived.items():
        where = f"{file}: derived {name}"
        if name in FACT_NAMES or name in OUTPUT_DOMAINS or name in LEVEL_FACTS:
            raise InvalidInput(where, "name is already a base fact or an output")
        if set(spec) == {"count", "where"}:
            of = spec["count"]
            if of not in ("convictions", "pending_charges", "records"):
                raise InvalidInput(where, "count must be convictions, pending_charges or records")
            pred = parse_record_predicate(spec["where"], f"{where}.where", catalog)
            derived[name] = CountDerived(name, of, pred, file)
        elif set(spec) == {"years_since"}:
            fact = spec["years_since"]
            if fact not in ("last_entry_on", "final_order_on"):
                raise InvalidInput(where, "years_since needs a date fact")
            derived[name] = YearsSinceDerived(name, fact, file)
        else:
            raise InvalidInput(where, "must be {count, where} or {years_since}")
    stages: list[Stage] = []
    seen: set[str] = set()  # rule ids are unique per book: a trace names (version, rule id)
    for raw_stage in raw.stages:
        rules: list[Rule] = []
        for raw_rule in raw_stage.rules:
            where = f"{file}: rule {raw_rule.id}"
            if raw_rule.id in seen:
                raise InvalidInput(where, "duplicate rule id in this rulebook")
            seen.add(raw_rule.id)
            cond = parse_condition(raw_rule.when, f"{where}: when")
            sets = dict(raw_rule.set or {})
            for key, value in sets.items():
                domain = OUTPUT_DOMAINS.get(key)
                if domain is None:
                    raise InvalidInput(
                        where, f"cannot set {key!r}; outputs: {list(OUTPUT_DOMAINS)}"
                    )
                ok = (
                    isinstance(value, domain)
                    if isinstance(domain, type)
                    else any(value == d and type(value) is type(d) for d in domain)
                )
                if not ok:
                    raise InvalidInput(where, f"{key}={value!r} is outside its domain {domain}")
            flag: Flag | None = None
            if raw_stage.mode == "all":
                if sets or raw_rule.flag is None:
                    raise InvalidInput(where, "in an 'all' stage a rule needs a flag and no set")
                flag = Flag(raw_rule.flag.factor, raw_rule.flag.direction)
            elif raw_rule.flag is not None or not sets:
                raise InvalidInput(where, "in a 'first' stage a rule needs a set and no flag")
            rules.append(Rule(raw_rule.id, raw_rule.description.strip(), cond, sets, flag,
                              written=raw_rule.when))
        stages.append(Stage(raw_stage.name, raw_stage.mode, tuple(rules)))
    levels = tuple(
        LevelRule(
            r.id,
            r.description.strip(),
            r.level,
            parse_record_predicate(r.when, f"{file}: rule {r.id}: when", catalog),
            written=r.when,
        )
        for r in raw.record_levels
    )
    level_ids = [r.id for r in levels]
    if len(set(level_ids)) != len(level_ids):
        raise InvalidInput(file, f"duplicate record_levels rule ids in {level_ids}")
    if (raw.kind == "offense_levels") != bool(levels):
        raise InvalidInput(file, "record_levels belong to (and only to) an offense_levels book")
    if raw.kind == "offense_levels" and not isinstance(levels[-1].when, RAlways):
        raise InvalidInput(
            f"{file}: rule {levels[-1].id}", "the last record_levels rule must be always"
        )
    if raw.kind in ("priorities", "removal_statistics"):
        for stage in stages:
            if stage.mode == "first" and not isinstance(stage.rules[-1].when, Always):
                raise InvalidInput(
                    f"{file}: rule {stage.rules[-1].id}",
                    f"the last rule of base stage {stage.name} must be 'when: always'",
                )
    if raw.include_stages and raw.kind != "removal_statistics":
        raise InvalidInput(file, "include_stages is only for removal_statistics books")
    return Rulebook(
        file=file,
        kind=raw.kind,
        name=raw.name,
        version=raw.version,
        effective_from=raw.effective_from,
        effective_until=raw.effective_until,
        source=" ".join(raw.source.split()),
        derived=derived,
        stages=tuple(stages),
        record_levels=levels,
        include_stages=tuple((i.version, i.stage) for i in raw.include_stages),
        derived_specs=raw.derived,
    )


def parse_rulebook(text: str, file: str, catalog: OffenseCatalog | None = None) -> Rulebook:
    """Parse and compile one rulebook file; errors name ``file`` and the rule."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(file, f"not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise InvalidInput(file, "must be a YAML mapping")
    try:
        raw = _RawRulebook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        rule_hint = _rule_hint(data, first["loc"])
        raise InvalidInput(f"{file}{rule_hint}: {loc}", first["msg"]) from exc
    return _compile(raw, file, load_catalog() if catalog is None else catalog)


def _rule_hint(data: Mapping[str, Any], loc: Sequence[int | str]) -> str:
    """`` rule <id>`` when a schema error sits inside a rule, so the message names it."""
    try:
        if loc[0] == "stages" and loc[2] == "rules":
            return f": rule {data['stages'][loc[1]]['rules'][loc[3]]['id']}"
        if loc[0] == "record_levels":
            return f": rule {data['record_levels'][loc[1]]['id']}"
    except (IndexError, KeyError, TypeError):
        return ""
    return ""


class RulebookSet:
    """All rulebook versions, validated together; picks the versions in force on a date."""

    def __init__(self, books: Iterable[Rulebook], catalog: OffenseCatalog | None = None) -> None:
        self.books: tuple[Rulebook, ...] = tuple(
            sorted(books, key=lambda b: (b.effective_from, b.kind, b.version))
        )
        self.catalog = load_catalog() if catalog is None else catalog
        by_version: dict[str, Rulebook] = {}
        for book in self.books:
            if book.version in by_version:
                raise InvalidInput(
                    book.file, f"version {book.version} also in {by_version[book.version].file}"
                )
            by_version[book.version] = book
        self._by_version = by_version
        self.derived = self._merge_derived()
        for kind in ("offense_levels", "priorities"):
            self._no_overlap([b for b in self.books if b.kind == kind])
        for on in self.boundaries():
            if on >= PROGRAM_START:
                self._check_references(self.composition(on))
        for book in self.books:
            if book.kind == "removal_statistics":
                self._check_references(self.removal_composition(book))
        self._check_catalog_levels()

    # -- selection

    def boundaries(self) -> tuple[dt.date, ...]:
        """Every date on which the set of versions in force changes."""
        days = {b.effective_from for b in self.books}
        days |= {b.effective_until + dt.timedelta(days=1) for b in self.books if b.effective_until}
        return tuple(sorted(days))

    def composition(self, on: dt.date) -> Composition:
        """The offense-level book, the base priorities and the overlays in force on ``on``."""
        live = [b for b in self.books if b.in_force(on)]
        levels = [b for b in live if b.kind == "offense_levels"]
        bases = [b for b in live if b.kind == "priorities"]
        if len(levels) != 1 or len(bases) != 1:
            raise InvalidInput(
                "on",
                f"no complete policy is in force on {on.isoformat()} (Secure Communities "
                f"rules start {PROGRAM_START.isoformat()}): found {len(levels)} offense-level "
                f"and {len(bases)} priorities rulebooks",
            )
        overlays = [b for b in live if b.kind == "overlay"]
        ordered = (levels[0], bases[0], *overlays)
        stages = tuple((b, s) for b in (bases[0], *overlays) for s in b.stages)
        return Composition(levels=levels[0], books=ordered, stages=stages)

    def removal_composition(self, book: Rulebook | None = None) -> Composition:
        """The stages ICE's removal categories are computed with (no date needed)."""
        if book is None:
            candidates = [b for b in self.books if b.kind == "removal_statistics"]
            if len(candidates) != 1:
                raise InvalidInput("rulebooks", "need exactly one removal_statistics rulebook")
            book = candidates[0]
        stages: list[tuple[Rulebook, Stage]] = []
        for version, stage_name in book.include_stages:
            source = self._by_version.get(version)
            found = [s for s in source.stages if s.name == stage_name] if source else []
            if source is None or not found:
                raise InvalidInput(book.file, f"include_stages: no stage {stage_name} in {version}")
            stages.append((source, found[0]))
        stages.extend((book, s) for s in book.stages)
        return Composition(levels=None, books=(book,), stages=tuple(stages))

    def by_version(self, version: str) -> Rulebook:
        try:
            return self._by_version[version]
        except KeyError:
            raise InvalidInput("version", f"no rulebook version {version!r}") from None

    # -- validation

    def _merge_derived(self) -> dict[str, Derived]:
        merged: dict[str, Derived] = {}
        specs: dict[str, tuple[Any, str]] = {}
        for book in self.books:
            for name, derived in book.derived.items():
                spec = book.derived_specs[name]
                if name in specs and specs[name][0] != spec:
                    raise InvalidInput(
                        f"{book.file}: derived {name}",
                        f"defined differently in {specs[name][1]}; one name, one meaning",
                    )
                specs.setdefault(name, (spec, book.file))
                merged.setdefault(name, derived)
        return merged

    @staticmethod
    def _no_overlap(books: Sequence[Rulebook]) -> None:
        for earlier, later in itertools.pairwise(books):
            if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
                raise InvalidInput(
                    later.file,
                    f"effective dates overlap {earlier.file} (which must end before "
                    f"{later.effective_from.isoformat()})",
                )

    def _check_references(self, comp: Composition) -> None:
        known = set(FACT_NAMES) | set(self.derived)
        if comp.levels is not None:
            known |= set(LEVEL_FACTS)
        for book, stage in comp.stages:
            produced: set[str] = set()
            for rule in stage.rules:
                missing = referenced_facts(rule.when) - known
                if missing:
                    raise InvalidInput(
                        f"{book.file}: rule {rule.id}",
                        f"refers to unknown facts {sorted(missing)} (with {comp.policy_version})",
                    )
                produced |= set(rule.sets)
            known |= produced

    def _check_catalog_levels(self) -> None:
        levels = [b for b in self.books if b.kind == "offense_levels"]
        if not levels:
            return
        first = levels[0]
        for code in self.catalog.codes():
            offense = self.catalog.get(code)
            rule = first.level_of(Record(code, code, offense, None))
            if rule.level != offense.sc_level_2008:
                raise InvalidInput(
                    f"ncic_offenses.csv ({code}):sc_level_2008",
                    f"is {offense.sc_level_2008} but {first.file} rule {rule.id} gives "
                    f"{rule.level}",
                )


def rulebook_texts() -> dict[str, str]:
    """The packaged rulebook files (name -> text), participation excluded."""
    folder = resources.files("scomm.policy").joinpath("rulebooks")
    return {
        entry.name: entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml") and entry.name != "participation.yaml"
    }


@cache
def load_rulebooks() -> RulebookSet:
    """The packaged rulebooks, validated once per process."""
    catalog = load_catalog()
    texts = rulebook_texts()
    return RulebookSet(
        (parse_rulebook(text, name, catalog) for name, text in sorted(texts.items())), catalog
    )
