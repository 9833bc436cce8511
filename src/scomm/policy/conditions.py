"""The small condition language rulebooks are written in, parsed once and checked at load.

Two kinds of condition exist because rules ask two kinds of question:

* **fact conditions** (``when:`` of a rule) test named facts of the case::

      {all: [{fact: removable, eq: true}, {fact: conviction_level, is_null: false}]}

  operators: ``eq ne in not_in gt gte lt lte is_null``; combinators ``all any not``; and the
  bare string ``always``.
* **record predicates** (``where:`` of a derived count, ``when:`` of an offense-level rule)
  test one charge or conviction through the offense catalog::

      {all: [{series: ["35"]}, {max_sentence_days: {gt: 365}}]}

  keys: ``series codes violent minor_traffic official grade af_class max_sentence_days
  sentence_days aggravated_felony``; the same combinators and ``always``.

The rulebook stays data and this module stays generic: nothing here knows what a priority or
a detainer is. A typo in a rulebook (unknown operator, unknown code, wrong value type) is an
:class:`~scomm.domain.errors.InvalidInput` that names the file, the rule and the path inside
the condition, raised when the rulebooks load rather than when a case happens to reach it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scomm.domain.errors import InvalidInput
from scomm.policy.catalog import AGGRAVATED_FELONY_CLASSES, Offense, OffenseCatalog
from scomm.policy.facts import ConvictionRecord

Scalar = str | int | bool | dt.date | None

COMPARE_OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_null")
_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: bool(a > b),
    "gte": lambda a, b: bool(a >= b),
    "lt": lambda a, b: bool(a < b),
    "lte": lambda a, b: bool(a <= b),
}


# ---------------------------------------------------------------- fact conditions


@dataclass(frozen=True, slots=True)
class Always:
    """Matches every case (the last rule of a stage, the default)."""


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


@dataclass(frozen=True, slots=True)
class Compare:
    fact: str
    op: str
    value: Scalar | tuple[Scalar, ...]


Condition = Always | AllOf | AnyOf | Not | Compare


def _scalar(value: object, where: str) -> Scalar:
    if value is None or isinstance(value, str | int | bool | dt.date):
        return value
    raise InvalidInput(where, f"value must be a string, number, boolean, date or null: {value!r}")


def parse_condition(raw: object, where: str) -> Condition:
    """Parse the ``when:`` of a rule; ``where`` is ``file: rule id`` for error messages."""
    if raw == "always":
        return Always()
    if not isinstance(raw, Mapping):
        raise InvalidInput(where, f"condition must be 'always' or a mapping, got {raw!r}")
    if set(raw) == {"all"} or set(raw) == {"any"}:
        (key,) = raw
        items = raw[key]
        if not isinstance(items, Sequence) or isinstance(items, str) or not items:
            raise InvalidInput(f"{where}.{key}", "must be a non-empty list of conditions")
        parsed = tuple(parse_condition(c, f"{where}.{key}[{i}]") for i, c in enumerate(items))
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if set(raw) == {"not"}:
        return Not(parse_condition(raw["not"], f"{where}.not"))
    if "fact" in raw:
        ops = [k for k in raw if k != "fact"]
        if len(ops) != 1 or ops[0] not in COMPARE_OPS:
            raise InvalidInput(
                where, f"a fact test needs exactly one operator of {COMPARE_OPS}, got {ops}"
            )
        op = ops[0]
        fact = raw["fact"]
        if not isinstance(fact, str) or not fact:
            raise InvalidInput(where, f"fact must be a name, got {fact!r}")
        value = raw[op]
        if op in ("in", "not_in"):
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise InvalidInput(f"{where}.{op}", f"must be a list, got {value!r}")
            return Compare(fact, op, tuple(_scalar(v, f"{where}.{op}") for v in value))
        if op == "is_null" and not isinstance(value, bool):
            raise InvalidInput(f"{where}.is_null", f"must be true or false, got {value!r}")
        if op in _ORDER_OPS and (value is None or isinstance(value, bool)):
            raise InvalidInput(f"{where}.{op}", f"must be a number or date, got {value!r}")
        return Compare(fact, op, _scalar(value, f"{where}.{op}"))
    raise InvalidInput(where, f"unknown condition keys {sorted(raw)}")


def referenced_facts(cond: Condition) -> frozenset[str]:
    """Every fact name a condition reads (for load-time reference checks)."""
    if isinstance(cond, Compare):
        return frozenset({cond.fact})
    if isinstance(cond, AllOf | AnyOf):
        return frozenset().union(*(referenced_facts(c) for c in cond.items))
    if isinstance(cond, Not):
        return referenced_facts(cond.item)
    return frozenset()


def evaluate(cond: Condition, lookup: Callable[[str], object]) -> bool:
    """Evaluate with ``lookup(name) -> value``; unknown values never satisfy an order test.

    ``lookup`` is called only for the facts actually consulted (``all``/``any`` short-circuit),
    so the caller can record exactly the facts that decided the outcome.
    """
    if isinstance(cond, Always):
        return True
    if isinstance(cond, AllOf):
        return all(evaluate(c, lookup) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(evaluate(c, lookup) for c in cond.items)
    if isinstance(cond, Not):
        return not evaluate(cond.item, lookup)
    value = lookup(cond.fact)
    if cond.op == "is_null":
        return (value is None) is cond.value
    if cond.op == "eq":
        return value == cond.value and type(value) is type(cond.value)
    if cond.op == "ne":
        return not (value == cond.value and type(value) is type(cond.value))
    if cond.op in ("in", "not_in"):
        assert isinstance(cond.value, tuple)
        found = any(value == v and type(value) is type(v) for v in cond.value)
        return found if cond.op == "in" else not found
    if value is None or isinstance(value, bool):
        return False
    try:
        return _ORDER_OPS[cond.op](value, cond.value)
    except TypeError as exc:
        raise InvalidInput(cond.fact, f"cannot compare {value!r} with {cond.value!r}") from exc


# ---------------------------------------------------------------- record predicates


@dataclass(frozen=True, slots=True)
class Record:
    """One charge or conviction as a predicate sees it: its label, its offense and, for a
    conviction, the court record (sentence, loss)."""

    label: str
    code: str
    offense: Offense
    conviction: ConvictionRecord | None


@dataclass(frozen=True, slots=True)
class RAlways:
    pass


@dataclass(frozen=True, slots=True)
class RAll:
    items: tuple[RecordPredicate, ...]


@dataclass(frozen=True, slots=True)
class RAny:
    items: tuple[RecordPredicate, ...]


@dataclass(frozen=True, slots=True)
class RNot:
    item: RecordPredicate


@dataclass(frozen=True, slots=True)
class RMember:
    """The offense's attribute (series, code, grade, af_class) is one of ``values``."""

    attribute: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class RFlag:
    """A boolean catalog column (violent, minor_traffic, official) equals ``value``."""

    attribute: str
    value: bool


@dataclass(frozen=True, slots=True)
class RNumber:
    """``max_sentence_days`` (statutory, from the catalog) or ``sentence_days`` (imposed, on a
    conviction only) compared with a number."""

    attribute: str
    op: str
    value: int


@dataclass(frozen=True, slots=True)
class AggravatedFelonyTerms:
    """Extra conditions a class needs (e.g. F and G need a term of at least one year)."""

    min_sentence_days: int | None = None
    min_loss_usd: int | None = None


@dataclass(frozen=True, slots=True)
class RAggravatedFelony:
    """A conviction whose catalog class is listed and whose court record meets its terms."""

    classes: Mapping[str, AggravatedFelonyTerms]


RecordPredicate = RAlways | RAll | RAny | RNot | RMember | RFlag | RNumber | RAggravatedFelony

_MEMBER_KEYS = {"series": "series", "codes": "code", "grade": "grade", "af_class": "af_class"}
_FLAG_KEYS = ("violent", "minor_traffic", "official")
_NUMBER_KEYS = ("max_sentence_days", "sentence_days")


def _string_list(raw: object, where: str) -> frozenset[str]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise InvalidInput(where, f"must be a non-empty list, got {raw!r}")
    if not all(isinstance(v, str) for v in raw):
        raise InvalidInput(where, f'must list strings (quote codes like "0101"), got {raw!r}')
    return frozenset(raw)


def parse_record_predicate(raw: object, where: str, catalog: OffenseCatalog) -> RecordPredicate:
    """Parse a record predicate; codes and series must exist in the catalog."""
    if raw == "always":
        return RAlways()
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise InvalidInput(
            where, f"record predicate must be 'always' or a one-key mapping: {raw!r}"
        )
    ((key, value),) = raw.items()
    here = f"{where}.{key}"
    if key in ("all", "any"):
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            raise InvalidInput(here, "must be a non-empty list")
        items = tuple(
            parse_record_predicate(v, f"{here}[{i}]", catalog) for i, v in enumerate(value)
        )
        return RAll(items) if key == "all" else RAny(items)
    if key == "not":
        return RNot(parse_record_predicate(value, here, catalog))
    if key in _MEMBER_KEYS:
        values = _string_list(value, here)
        if key == "codes":
            unknown = sorted(v for v in values if v not in catalog)
            if unknown:
                raise InvalidInput(here, f"codes not in the offense catalog: {unknown}")
        if key == "series":
            unknown = sorted(v for v in values if v not in catalog.categories())
            if unknown:
                raise InvalidInput(here, f"series not in the offense catalog: {unknown}")
        if key == "grade" and not values <= {"felony", "misdemeanor", "infraction"}:
            raise InvalidInput(here, f"unknown grade in {sorted(values)}")
        if key == "af_class" and not values <= AGGRAVATED_FELONY_CLASSES:
            raise InvalidInput(here, f"unknown INA 101(a)(43) class in {sorted(values)}")
        return RMember(_MEMBER_KEYS[key], values)
    if key in _FLAG_KEYS:
        if not isinstance(value, bool):
            raise InvalidInput(here, f"must be true or false, got {value!r}")
        return RFlag(key, value)
    if key in _NUMBER_KEYS:
        if not isinstance(value, Mapping) or len(value) != 1:
            raise InvalidInput(here, "must be one comparison like {gt: 365}")
        ((op, number),) = value.items()
        if op not in _ORDER_OPS or not isinstance(number, int) or isinstance(number, bool):
            raise InvalidInput(here, f"must be one of {sorted(_ORDER_OPS)} with a number")
        return RNumber(key, op, number)
    if key == "aggravated_felony":
        if not isinstance(value, Mapping) or not value:
            raise InvalidInput(here, "must map INA 101(a)(43) classes to their terms")
        classes: dict[str, AggravatedFelonyTerms] = {}
        for letter, raw_terms in value.items():
            if letter not in AGGRAVATED_FELONY_CLASSES:
                raise InvalidInput(f"{here}.{letter}", "not an INA 101(a)(43) subparagraph")
            terms = raw_terms or {}
            if not isinstance(terms, Mapping) or not set(terms) <= {
                "min_sentence_days",
                "min_loss_usd",
            }:
                raise InvalidInput(f"{here}.{letter}", "terms: min_sentence_days, min_loss_usd")
            for name, number in terms.items():
                if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                    raise InvalidInput(f"{here}.{letter}.{name}", "must be a whole number")
            classes[letter] = AggravatedFelonyTerms(**terms)
        return RAggravatedFelony(classes)
    raise InvalidInput(here, "unknown record predicate key")


def matches(pred: RecordPredicate, record: Record) -> bool:
    """Whether one charge or conviction satisfies the predicate."""
    offense = record.offense
    if isinstance(pred, RAlways):
        return True
    if isinstance(pred, RAll):
        return all(matches(p, record) for p in pred.items)
    if isinstance(pred, RAny):
        return any(matches(p, record) for p in pred.items)
    if isinstance(pred, RNot):
        return not matches(pred.item, record)
    if isinstance(pred, RMember):
        attribute = {
            "series": offense.series,
            "code": offense.code,
            "grade": offense.grade,
            "af_class": offense.aggravated_felony_class,
        }[pred.attribute]
        return attribute in pred.values
    if isinstance(pred, RFlag):
        return bool(getattr(offense, pred.attribute)) is pred.value
    if isinstance(pred, RNumber):
        if pred.attribute == "max_sentence_days":
            number = offense.max_sentence_days
        elif record.conviction is None:
            return False
        else:
            number = record.conviction.sentence_days
        return _ORDER_OPS[pred.op](number, pred.value)
    conviction = record.conviction
    letter = offense.aggravated_felony_class
    if conviction is None or letter is None or letter not in pred.classes:
        return False
    terms = pred.classes[letter]
    if terms.min_sentence_days is not None and conviction.sentence_days < terms.min_sentence_days:
        return False
    if terms.min_loss_usd is not None:
        return conviction.loss_usd is not None and conviction.loss_usd >= terms.min_loss_usd
    return True
