"""Turn researched facts into a recommended action under the policy in force, with its trace.

``decide`` is generic: it picks the rulebook versions in force on a date, gives every charge
and conviction its offense-based level, then runs the stages of the base rulebook and of the
overlays in order (first matching rule per stage), recording every rule that fired with the
facts it read and their sources. Nothing here encodes a policy: change a YAML file and the
decision changes, with the new version in ``policy_version`` (DESIGN invariant 3).

The result is deterministic: the same facts, date and rulebooks give an equal ``Decision``,
trace included; no clock, randomness or unordered iteration is involved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import AwareDatetime, Field, JsonValue

from scomm.domain.booking import Frozen
from scomm.domain.errors import InvalidInput
from scomm.policy.catalog import OffenseCatalog
from scomm.policy.conditions import Record, evaluate, matches
from scomm.policy.facts import FACT_NAMES, DecisionFacts, Sourced
from scomm.policy.rulebooks import (
    LEVEL_FACTS,
    Composition,
    CountDerived,
    Rule,
    Rulebook,
    RulebookSet,
    YearsSinceDerived,
    load_rulebooks,
)

Action = Literal["detainer", "conditional_detainer", "no_action", "not_removable"]
NOT_IN_DOSSIER = "not in dossier"


class FactUsed(Frozen):
    """A fact a rule read: its value (JSON form), where it came from, and as of when."""

    value: JsonValue
    source: str
    as_of: AwareDatetime | None = None


class RuleFired(Frozen):
    """One rule that fired, in order: which rulebook version, which rule, on which facts."""

    rulebook: str
    version: str
    rule_id: str
    description: str
    facts_used: dict[str, FactUsed]


class DiscretionFlag(Frozen):
    """A June 17, 2011 discretion factor present in the case, for the officer to weigh."""

    factor: str
    direction: Literal["positive", "negative"]
    description: str
    rule_id: str


class Decision(Frozen):
    """The policy's recommendation for one case, explainable from its trace."""

    decided_on: dt.date
    policy_on: dt.date
    policy_version: str
    offense_level: int | None
    conviction_level: int | None
    priority: int | None
    action: Action = Field(description="the recommended action (an officer may override it)")
    reason: str
    discretion_flags: tuple[DiscretionFlag, ...]
    trace: tuple[RuleFired, ...]

    @property
    def recommended_action(self) -> Action:
        """Alias of ``action``: what the policy recommends, before any officer override."""
        return self.action

    @property
    def operative_upon_conviction(self) -> bool:
        """A conditional detainer takes effect only if the person is convicted (I-247 box)."""
        return self.action == "conditional_detainer"


def _json(value: object) -> JsonValue:
    """The JSON form of a fact value for the stored trace (dates as ISO strings)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Frozen):
        dumped: JsonValue = value.model_dump(mode="json")
        return dumped
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _whole_years(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


class _Case:
    """The facts of one case as rules see them, resolved lazily and remembered with sources."""

    def __init__(
        self,
        facts: DecisionFacts,
        on: dt.date | None,
        rulebooks: RulebookSet,
        levels: Rulebook | None,
    ) -> None:
        self.facts = facts
        self.on = on
        self.rulebooks = rulebooks
        self.catalog: OffenseCatalog = rulebooks.catalog
        self.levels = levels
        self.trace: list[RuleFired] = []
        self.flags: list[DiscretionFlag] = []
        self._raw: dict[str, object] = {}
        self._used: dict[str, FactUsed] = {}
        self._reading: dict[str, FactUsed] = {}

    # -- records

    def records(self, of: str) -> list[Record]:
        out: list[Record] = []
        if of in ("convictions", "records"):
            for i, c in enumerate(self.facts.convictions.value):
                out.append(
                    Record(f"convictions[{i}]", c.ncic_code, self.catalog.get(c.ncic_code), c)
                )
        if of in ("pending_charges", "records"):
            for i, code in enumerate(self.facts.pending_charges.value):
                out.append(Record(f"pending_charges[{i}]", code, self.catalog.get(code), None))
        return out

    def _provenance(self, of: str) -> list[tuple[str, dt.datetime]]:
        """(source, as_of) of the record lists a count or a level was computed from."""
        out: list[tuple[str, dt.datetime]] = []
        if of in ("convictions", "records"):
            out.append((self.facts.convictions.source, self.facts.convictions.as_of))
        if of in ("pending_charges", "records"):
            out.append((self.facts.pending_charges.source, self.facts.pending_charges.as_of))
        return out

    # -- fact lookup

    def lookup(self, name: str) -> object:
        if name not in self._raw:
            self._resolve(name)
        self._reading[name] = self._used[name]
        return self._raw[name]

    def assign(self, name: str, value: object, book: Rulebook, rule: Rule) -> None:
        self._raw[name] = value
        self._used[name] = FactUsed(value=_json(value), source=f"rule {book.version}/{rule.id}")

    def _resolve(self, name: str) -> None:
        if name in FACT_NAMES:
            field = getattr(self.facts, name)
            if field is None:
                self._raw[name] = None
                self._used[name] = FactUsed(value=None, source=NOT_IN_DOSSIER)
            else:
                self._raw[name] = field.value
                self._used[name] = FactUsed(
                    value=_json(field.value), source=field.source, as_of=field.as_of
                )
            return
        if name in LEVEL_FACTS:
            self.compute_levels()
            return
        derived = self.rulebooks.derived.get(name)
        if derived is None:
            raise InvalidInput(
                name, "no such fact (the rulebook set validation should prevent this)"
            )
        if isinstance(derived, CountDerived):
            self._count(derived)
        else:
            self._years_since(derived)

    def _count(self, d: CountDerived) -> None:
        records = self.records(d.of)
        hits = [r for r in records if matches(d.where, r)]
        inputs = self._provenance(d.of)
        matched = ", ".join(f"{r.label}={r.code}" for r in hits) or "none"
        self._raw[d.name] = len(hits)
        self._used[d.name] = FactUsed(
            value=len(hits),
            source=(
                f"derived {d.defined_in}#{d.name}: count of {d.of} matching (through the "
                f"offense catalog); matched {matched}; from "
                + "; ".join(source for source, _ in inputs)
            ),
            as_of=max(as_of for _, as_of in inputs),
        )

    def _years_since(self, d: YearsSinceDerived) -> None:
        field: Sourced[dt.date] | None = getattr(self.facts, d.fact)
        if self.on is None:
            raise InvalidInput(d.name, "needs a decision date")
        if field is None:
            self._raw[d.name] = None
            self._used[d.name] = FactUsed(value=None, source=f"{d.fact}: {NOT_IN_DOSSIER}")
            return
        years = _whole_years(field.value, self.on)
        self._raw[d.name] = years
        self._used[d.name] = FactUsed(
            value=years,
            source=(
                f"derived {d.defined_in}#{d.name}: whole years from {d.fact} "
                f"{field.value.isoformat()} ({field.source}) to {self.on.isoformat()}"
            ),
            as_of=field.as_of,
        )

    def compute_levels(self) -> None:
        """Give every charge and conviction its offense-based level (traced), then the minima."""
        if "offense_level" in self._raw:
            return
        if self.levels is None:
            raise InvalidInput("offense_level", "no offense-level rulebook in this composition")
        per_kind: dict[str, list[int]] = {"convictions": [], "pending_charges": []}
        for record in self.records("records"):
            rule = self.levels.level_of(record)
            kind = "convictions" if record.conviction is not None else "pending_charges"
            per_kind[kind].append(rule.level)
            ((source, as_of),) = self._provenance(kind)
            value: dict[str, JsonValue] = {
                "ncic_code": record.code,
                "catalog_code": record.offense.code,
                "literal": record.offense.literal,
            }
            self.trace.append(
                RuleFired(
                    rulebook=self.levels.name,
                    version=self.levels.version,
                    rule_id=rule.id,
                    description=f"{rule.description} [{record.label} {record.code}]",
                    facts_used={record.label: FactUsed(value=value, source=source, as_of=as_of)},
                )
            )
        everything = per_kind["convictions"] + per_kind["pending_charges"]
        results = {
            "offense_level": min(everything, default=None),
            "charge_offense_level": min(per_kind["pending_charges"], default=None),
            "conviction_offense_level": min(per_kind["convictions"], default=None),
        }
        for name, level in results.items():
            self._raw[name] = level
            self._used[name] = FactUsed(
                value=level,
                source=(
                    f"rulebook {self.levels.version}: most serious (lowest) level over "
                    + {
                        "offense_level": "charges and convictions",
                        "charge_offense_level": "current charges",
                        "conviction_offense_level": "convictions",
                    }[name]
                ),
            )

    # -- stages

    def run(self, comp: Composition) -> None:
        for book, stage in comp.stages:
            # In a first-match stage the rule that fires is explained by the facts every
            # earlier rule read as well (why they did not match), so reading accumulates.
            self._reading = {}
            for rule in stage.rules:
                if stage.mode == "all":
                    self._reading = {}
                if not evaluate(rule.when, self.lookup):
                    continue
                self.trace.append(
                    RuleFired(
                        rulebook=book.name,
                        version=book.version,
                        rule_id=rule.id,
                        description=rule.description,
                        facts_used=dict(self._reading),
                    )
                )
                if rule.flag is not None:
                    self.flags.append(
                        DiscretionFlag(
                            factor=rule.flag.factor,
                            direction=rule.flag.direction,
                            description=rule.description,
                            rule_id=rule.id,
                        )
                    )
                for key, value in rule.sets.items():
                    self.assign(key, value, book, rule)
                if stage.mode == "first":
                    break

    def output(self, name: str) -> object:
        return self._raw.get(name)


def _check_dates(facts: DecisionFacts, on: dt.date) -> None:
    """Facts dated after the decision cannot have been known then: refuse, don't guess."""
    for i, c in enumerate(facts.convictions.value):
        if c.convicted_on > on:
            raise InvalidInput(f"convictions[{i}].convicted_on", f"is after the decision date {on}")
    for name in ("last_entry_on", "final_order_on"):
        field: Sourced[dt.date] | None = getattr(facts, name)
        if field is not None and field.value > on:
            raise InvalidInput(name, f"{field.value} is after the decision date {on}")


def decide(
    facts: DecisionFacts,
    on: dt.date,
    *,
    policy_on: dt.date | None = None,
    rulebooks: RulebookSet | None = None,
) -> Decision:
    """The recommended action for ``facts`` on ``on`` under the rules in force then.

    ``policy_on`` applies the rules in force on another date to the same facts (to compare
    versions, e.g. what the 2008 plan would have said about a 2012 case); by default the rules
    of the decision date apply. ``rulebooks`` defaults to the packaged, validated set.
    """
    if not isinstance(facts, DecisionFacts):
        raise InvalidInput("facts", f"must be DecisionFacts, got {type(facts).__name__}")
    _check_dates(facts, on)
    books = load_rulebooks() if rulebooks is None else rulebooks
    rules_date = policy_on or on
    comp = books.composition(rules_date)
    case = _Case(facts, on, books, comp.levels)
    case.compute_levels()
    case.run(comp)
    action, reason = case.output("recommended_action"), case.output("reason")
    if not isinstance(action, str) or not isinstance(reason, str):
        raise InvalidInput(comp.policy_version, "the rulebooks set no recommended_action/reason")
    offense_level = case.output("offense_level")
    conviction_level = case.output("conviction_level")
    priority = case.output("priority")
    return Decision.model_validate(
        {
            "decided_on": on,
            "policy_on": rules_date,
            "policy_version": comp.policy_version,
            "offense_level": offense_level,
            "conviction_level": conviction_level,
            "priority": priority,
            "action": action,
            "reason": reason,
            "discretion_flags": tuple(case.flags),
            "trace": tuple(case.trace),
        }
    )


def removal_category(facts: DecisionFacts, *, rulebooks: RulebookSet | None = None) -> str:
    """ICE's removal-statistics category for a removed person.

    ``convicted_level1``/``2``/``3`` (conviction-based level) take precedence, then
    ``ice_fugitive``, ``prior_removal_return``, else ``ewi_visa_overstay`` (the rules are in
    ``removal_categories.yaml``). It describes a removal; it does not judge whether the
    removal was right, so it is computed whatever the recorded status.
    """
    books = load_rulebooks() if rulebooks is None else rulebooks
    case = _Case(facts, None, books, None)
    case.run(books.removal_composition())
    category = case.output("removal_category")
    if not isinstance(category, str):
        raise InvalidInput("removal_categories.yaml", "set no removal_category")
    return category


def sc_offense_level(
    ncic_codes: Sequence[str], on: dt.date, *, rulebooks: RulebookSet | None = None
) -> int | None:
    """The offense-based level of the most serious of ``ncic_codes`` under the rules of ``on``
    (what the support center reports as a match's level); None for no codes."""
    books = load_rulebooks() if rulebooks is None else rulebooks
    levels = books.composition(on).levels
    if levels is None:
        raise InvalidInput("on", f"no offense-level rulebook in force on {on.isoformat()}")
    return min(
        (levels.level_of(Record(c, c, books.catalog.get(c), None)).level for c in ncic_codes),
        default=None,
    )
