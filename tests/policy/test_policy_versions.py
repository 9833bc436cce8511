"""`policy show` / `policy diff` / replay answer from the rulebooks the evaluator runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from scomm.policy.catalog import load_catalog
from scomm.policy.evaluator import decide
from scomm.policy.rulebooks import RulebookSet, load_rulebooks, parse_rulebook, rulebook_texts
from scomm.policy.versions import StoredDecision, diff, policy_on, replay

Build = Callable[..., Any]


def test_show_lists_every_rule_the_evaluator_can_fire(make_facts: Build,
                                                     make_conviction: Build) -> None:
    view = policy_on(date(2012, 6, 1))
    comp = load_rulebooks().composition(date(2012, 6, 1))
    assert view.policy_version == comp.policy_version
    shown = {(r.version, r.rule_id) for r in view.rules}
    for book, stage in comp.stages:
        assert {(book.version, rule.id) for rule in stage.rules} <= shown
    facts = make_facts(status="overstay", convictions=(make_conviction("1399", days=400),))
    fired = {(t.version, t.rule_id) for t in decide(facts, date(2012, 6, 1)).trace}
    assert fired <= shown
    rule = next(r for r in view.rules if r.rule_id == "R-citizen")
    assert "naturalized_citizen" in rule.when and rule.effect == "removable=False"


def test_diff_2010_to_2012_names_the_memos() -> None:
    d = diff(date(2010, 6, 1), date(2012, 6, 1))
    assert [b.version for b in d.books_removed] == ["priorities-2008-10-27"]
    assert {b.version for b in d.books_added} == {
        "priorities-2011-03-02", "discretion-2011-06-17", "minor-traffic-2012-04-27"}
    added = {c.key for c in d.rules if c.change == "added"}
    assert ("minor-traffic", "minor_traffic", "MT-conditional-detainer") in added
    assert ("priorities", "priority", "P1-convicted") in added
    assert d.count("removed") >= 1
    # the removability rules are the same in both base versions: not reported as changes
    assert all(c.key[1] != "removability" for c in d.rules)


def test_diff_of_a_date_with_itself_is_empty() -> None:
    d = diff(date(2011, 7, 1), date(2011, 8, 1))
    assert d.rules == () and d.books_added == () and d.books_removed == ()


def _with_2012_priorities(change: str, to: str) -> RulebookSet:
    texts = rulebook_texts()
    old = texts["priorities_2011.yaml"]
    assert change in old
    new = (old.replace("version: priorities-2011-03-02", "version: priorities-2012-01-01")
           .replace("effective_from: 2011-03-02", "effective_from: 2012-01-01")
           .replace(change, to))
    texts["priorities_2011.yaml"] = old.replace(
        "effective_from: 2011-03-02", "effective_from: 2011-03-02\neffective_until: 2011-12-31")
    texts["priorities_2012.yaml"] = new
    catalog = load_catalog()
    return RulebookSet((parse_rulebook(t, n, catalog) for n, t in sorted(texts.items())),
                       catalog)


def test_a_rule_kept_under_its_id_but_reworded_is_changed() -> None:
    books = _with_2012_priorities("U.S. citizens (born or naturalized) are not removable",
                                  "Citizens are not removable")
    d = diff(date(2011, 6, 1), date(2012, 6, 1), rulebooks=books)
    changed = [c for c in d.rules if c.change == "changed"]
    assert [(c.key, c.fields) for c in changed] == [
        (("priorities", "removability", "R-citizen"), ("description",))]


def test_replay_moves_exactly_the_cases_whose_outcome_differs(make_facts: Build,
                                                             make_conviction: Build) -> None:
    facts = {
        "felon": make_facts(convictions=(make_conviction("1399", days=400),)),
        "charges-only": make_facts(charges=("2399",)),
        "citizen": make_facts(status="citizen"),
    }
    on = date(2012, 6, 1)
    stored = []
    for case_id, f in facts.items():
        d = decide(f, on)
        stored.append(StoredDecision(case_id, on, d.policy_version, f, d.action, d.priority,
                                     d.conviction_level))
    same = replay(stored, on)
    assert same.cases == 3 and same.moved == ()
    assert sum(same.transitions.values()) == 3
    old = replay(stored, date(2010, 6, 1))
    for m in old.moved:
        d = decide(facts[m.case_id], on, policy_on=date(2010, 6, 1))
        assert m.after == (d.action, d.priority, d.conviction_level)
    moved = {m.case_id for m in old.moved}
    assert "citizen" not in moved
    assert "felon" in moved  # the 2008 rules have no priorities or conviction levels
