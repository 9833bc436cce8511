"""What the rules said on a date, what changed between two dates, and what a change moves.

The program's rules changed often and officers could not always tell which applied (OIG-12-64,
OIG-12-66). These answers come from the same validated rulebooks the evaluator runs, never from
a separate description, so ``policy show`` cannot disagree with a decision:

* :func:`policy_on`: the versions in force on a date and every rule they apply, in order.
* :func:`diff`: the rulebooks and rules added, removed or changed between two dates.
* :func:`replay`: stored decisions re-decided under the rules of another date; what moved.

Rules are matched across versions by (rulebook name, stage, rule id): the 2008 and 2011
priorities are two versions of one rulebook, so a rule kept under the same id is "changed"
when its condition, outputs or description differ, and "added"/"removed" otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scomm.policy.evaluator import Decision, decide
from scomm.policy.facts import DecisionFacts
from scomm.policy.rulebooks import LevelRule, Rule, Rulebook, RulebookSet, load_rulebooks


def _written(spec: Any) -> str:
    """A rule's condition as written in its file, on one line (dates as ISO strings)."""
    if isinstance(spec, str):
        return spec
    return json.dumps(spec, default=str, separators=(", ", ": "))


@dataclass(frozen=True, slots=True)
class BookView:
    """One rulebook version: its file, kind, dates and source."""

    file: str
    kind: str
    name: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    source: str

    @classmethod
    def of(cls, book: Rulebook) -> BookView:
        return cls(book.file, book.kind, book.name, book.version, book.effective_from,
                   book.effective_until, book.source)


@dataclass(frozen=True, slots=True)
class RuleView:
    """One rule as ``policy show`` prints it: where it sits, when it fires, what it does."""

    rulebook: str
    version: str
    stage: str
    rule_id: str
    description: str
    when: str
    effect: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rulebook, self.stage, self.rule_id)


def _effect(rule: Rule | LevelRule) -> str:
    if isinstance(rule, LevelRule):
        return f"offense level {rule.level}"
    if rule.flag is not None:
        return f"flag {rule.flag.factor} ({rule.flag.direction})"
    return ", ".join(f"{k}={v}" for k, v in rule.sets.items())


def _rule_views(book: Rulebook) -> list[tuple[RuleView, Rule | LevelRule]]:
    views: list[tuple[RuleView, Rule | LevelRule]] = [
        (RuleView(book.name, book.version, "record_levels", r.id, r.description,
                  _written(r.written), _effect(r)), r)
        for r in book.record_levels
    ]
    for stage in book.stages:
        views.extend(
            (RuleView(book.name, book.version, stage.name, r.id, r.description,
                      _written(r.written), _effect(r)), r)
            for r in stage.rules
        )
    return views


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The rules in force on one date, in the order the evaluator applies them."""

    on: dt.date
    policy_version: str
    books: tuple[BookView, ...]
    rules: tuple[RuleView, ...]


def policy_on(on: dt.date, *, rulebooks: RulebookSet | None = None) -> PolicyView:
    """The versions in force on ``on`` and all their rules (offense levels first)."""
    comp = (load_rulebooks() if rulebooks is None else rulebooks).composition(on)
    rules = tuple(view for book in comp.books for view, _ in _rule_views(book))
    return PolicyView(on, comp.policy_version, tuple(BookView.of(b) for b in comp.books), rules)


ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One rule that differs between the two dates; ``fields`` names what changed."""

    change: ChangeKind
    before: RuleView | None
    after: RuleView | None
    fields: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        view = self.after or self.before
        assert view is not None
        return view.key


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """What changed between the rules in force on ``before`` and on ``after``."""

    before: dt.date
    after: dt.date
    version_before: str
    version_after: str
    books_added: tuple[BookView, ...]
    books_removed: tuple[BookView, ...]
    rules: tuple[RuleChange, ...]

    def count(self, change: ChangeKind) -> int:
        return sum(1 for r in self.rules if r.change == change)


def _changed_fields(a: Rule | LevelRule, b: Rule | LevelRule) -> tuple[str, ...]:
    names = ["description", "when"]
    names += ["level"] if isinstance(a, LevelRule) else ["sets", "flag"]
    return tuple(n for n in names if getattr(a, n, None) != getattr(b, n, None))


def diff(before: dt.date, after: dt.date, *, rulebooks: RulebookSet | None = None) -> PolicyDiff:
    """The rulebooks and rules that differ between the policy of ``before`` and of ``after``."""
    books = load_rulebooks() if rulebooks is None else rulebooks
    old, new = books.composition(before), books.composition(after)
    old_rules = {v.key: (v, r) for b in old.books for v, r in _rule_views(b)}
    new_rules = {v.key: (v, r) for b in new.books for v, r in _rule_views(b)}
    changes: list[RuleChange] = []
    for key, (view, rule) in old_rules.items():
        if key not in new_rules:
            changes.append(RuleChange("removed", view, None, ()))
            continue
        new_view, new_rule = new_rules[key]
        fields = _changed_fields(rule, new_rule)
        if fields:
            changes.append(RuleChange("changed", view, new_view, fields))
    changes.extend(RuleChange("added", None, view, ())
                   for key, (view, _) in new_rules.items() if key not in old_rules)
    old_versions = {b.version for b in old.books}
    new_versions = {b.version for b in new.books}
    return PolicyDiff(
        before, after, old.policy_version, new.policy_version,
        books_added=tuple(BookView.of(b) for b in new.books if b.version not in old_versions),
        books_removed=tuple(BookView.of(b) for b in old.books if b.version not in new_versions),
        rules=tuple(changes),
    )


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A decision as the store keeps it: the facts it read and what the policy recommended."""

    case_id: str
    decided_on: dt.date
    policy_version: str
    facts: DecisionFacts
    recommended_action: str
    priority: int | None
    conviction_level: int | None


@dataclass(frozen=True, slots=True)
class Moved:
    """A case whose recommendation differs under the replayed rules."""

    case_id: str
    decided_on: dt.date
    before: tuple[str, int | None, int | None]
    after: tuple[str, int | None, int | None]
    rules_after: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Replay:
    """Stored decisions re-decided with the facts they read and the rules of ``policy_on``."""

    policy_on: dt.date
    policy_version: str
    cases: int
    moved: tuple[Moved, ...]
    transitions: Mapping[tuple[str, str], int]


def replay(
    stored: Iterable[StoredDecision], policy_on: dt.date, *, rulebooks: RulebookSet | None = None
) -> Replay:
    """Re-decide each stored case on its own decision date under the rules of ``policy_on``.

    The facts are the ones the decision read (as stored with it), so a difference is due to the
    rules alone. A case "moves" when the recommended action, priority or conviction level
    differs; ``transitions`` counts recommended actions from -> to over all cases, moved or not.
    """
    books = load_rulebooks() if rulebooks is None else rulebooks
    version = books.composition(policy_on).policy_version
    moved: list[Moved] = []
    transitions: Counter[tuple[str, str]] = Counter()
    n = 0
    for case in stored:
        n += 1
        d: Decision = decide(case.facts, case.decided_on, policy_on=policy_on, rulebooks=books)
        before = (case.recommended_action, case.priority, case.conviction_level)
        after = (d.action, d.priority, d.conviction_level)
        transitions[(case.recommended_action, d.action)] += 1
        if before != after:
            moved.append(Moved(case.case_id, case.decided_on, before, after,
                               tuple(f"{t.version}/{t.rule_id}" for t in d.trace)))
    return Replay(policy_on, version, n, tuple(moved), dict(sorted(transitions.items())))
