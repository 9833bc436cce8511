"""``scomm policy …`` and ``scomm participation``: the rules, asked from the command line.

Every answer here comes from the packaged rulebooks through the same functions the flow uses
(``policy.evaluator``, ``policy.versions``, ``policy.participation``), so what an analyst
prints is what the field office and the router apply. ``--json`` gives the machine form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scomm.domain.errors import InvalidInput, ScommError
from scomm.entrypoints.console import DbOption, fail, out, print_json, store_url

policy_app = typer.Typer(no_args_is_help=True,
                         help="Versioned rulebooks: decide, show, diff, explain, replay.")

OnOption = Annotated[str, typer.Option("--on", help="Date (YYYY-MM-DD)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]
CLI_ACTOR = "cli:policy"


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(where, f"must be a date YYYY-MM-DD, got {text!r}") from None


@policy_app.command("decide")
def policy_decide(
    facts_file: Annotated[Path, typer.Argument(metavar="FACTS.json")],
    on: Annotated[str | None, typer.Option(
        "--on", help="Decision date [default: the date of the latest fact's as_of]")] = None,
    rules_of: Annotated[str | None, typer.Option(
        "--rules-of", help="Apply the rules in force on this date instead")] = None,
) -> None:
    """Decide one case from a facts file (schema: `scomm policy schema`) and print the
    decision, its rule trace and its discretion flags as JSON."""
    from scomm.policy.evaluator import decide
    from scomm.policy.facts import parse_facts

    try:
        try:
            data = json.loads(facts_file.read_text("utf-8"))
        except OSError as exc:
            raise InvalidInput(str(facts_file), f"not a readable file: {exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(str(facts_file), f"not a readable JSON file: {exc}") from None
        facts = parse_facts(data)
        day = _date(on, "--on") if on else max(
            getattr(facts, name).as_of for name in type(facts).model_fields
            if getattr(facts, name) is not None).date()
        decision = decide(facts, day, policy_on=_date(rules_of, "--rules-of") if rules_of
                          else None)
    except ScommError as exc:
        raise fail(exc) from None
    sys.stdout.write(decision.model_dump_json(indent=2) + "\n")


@policy_app.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of the facts a decision takes (also docs/policy-facts.schema.json)."""
    from scomm.policy.facts import DecisionFacts

    sys.stdout.write(json.dumps(DecisionFacts.model_json_schema(), indent=2) + "\n")


@policy_app.command("show")
def policy_show(on: OnOption, as_json: JsonOption = False) -> None:
    """The rulebook versions in force on a date and every rule they apply, in order."""
    from scomm.policy.versions import policy_on

    try:
        view = policy_on(_date(on, "--on"))
    except ScommError as exc:
        raise fail(exc) from None
    if as_json:
        print_json(view)
        return
    out.print(f"policy in force on {view.on.isoformat()}: [bold]{view.policy_version}[/bold]")
    for book in view.books:
        until = book.effective_until.isoformat() if book.effective_until else "-"
        out.print(f"  {book.version} ({book.kind}, {book.file}, {book.effective_from} .. "
                  f"{until})\n    source: {book.source}", highlight=False)
    table = Table(title=f"rules in force on {view.on.isoformat()}, in the order they apply")
    for c in ("rulebook", "stage", "rule", "when (as written)", "effect"):
        table.add_column(c, overflow="fold")
    for r in view.rules:
        table.add_row(r.rulebook, r.stage, r.rule_id, r.when, r.effect)
    out.print(table)


@policy_app.command("diff")
def policy_diff(
    before: Annotated[str, typer.Argument(metavar="DATE1")],
    after: Annotated[str, typer.Argument(metavar="DATE2")],
    as_json: JsonOption = False,
) -> None:
    """What changed in the rules between two dates: rulebooks and rules added, removed,
    changed."""
    from scomm.policy.versions import diff

    try:
        d = diff(_date(before, "DATE1"), _date(after, "DATE2"))
    except ScommError as exc:
        raise fail(exc) from None
    if as_json:
        print_json(d)
        return
    out.print(f"{d.before.isoformat()}: {d.version_before}\n{d.after.isoformat()}: "
              f"{d.version_after}", highlight=False)
    for label, books in (("added", d.books_added), ("removed", d.books_removed)):
        for b in books:
            out.print(f"rulebook {label}: {b.version} (from {b.effective_from}) — {b.source}",
                      highlight=False)
    table = Table(title=f"rules: {d.count('added')} added, {d.count('removed')} removed, "
                        f"{d.count('changed')} changed")
    for c in ("change", "rulebook", "stage", "rule", "what", "effect"):
        table.add_column(c, overflow="fold")
    for ch in d.rules:
        view = ch.after or ch.before
        assert view is not None
        what = ", ".join(ch.fields) if ch.change == "changed" else view.description
        effect = view.effect if ch.change != "changed" or ch.before is None else (
            f"{ch.before.effect} -> {view.effect}")
        table.add_row(ch.change, view.rulebook, view.stage, view.rule_id, what, effect)
    out.print(table)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@policy_app.command("explain")
def policy_explain(case_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A stored decision: the rules that fired, the facts each read with their sources, and
    whether the same facts re-decided under the same rules reproduce it."""
    from scomm.adapters.db import make_engine
    from scomm.oversight.decisions import explain

    engine = make_engine(store_url(db))
    try:
        with engine.begin() as conn:
            e = explain(conn, case_id, actor=CLI_ACTOR, at=_now())
    except ScommError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()
    if as_json:
        print_json({"case_id": e.stored.case_id, "decided_at": e.decided_at, "officer": e.officer,
                     "policy_version": e.stored.policy_version,
                     "recommended_action": e.stored.recommended_action, "action": e.action,
                     "followed_recommendation": e.followed_recommendation,
                     "override_reason": e.override_reason, "priority": e.stored.priority,
                     "conviction_level": e.stored.conviction_level, "reason": e.reason,
                     "trace": [t.model_dump(mode="json") for t in e.trace],
                     "approval": e.approval, "requested_action": e.requested_action,
                     "supervisor": e.supervisor,
                     "review_note": e.review_note, "amendments": list(e.amendments),
                     "reproduced": e.reproduced})
        return
    s = e.stored
    out.print(f"case {e.stored.case_id}, decided {e.decided_at.isoformat()} by officer {e.officer} "
              f"under {s.policy_version}", highlight=False)
    override = "" if e.followed_recommendation else f" (override: {e.override_reason})"
    out.print(f"recommended {s.recommended_action}, priority {s.priority}, conviction level "
              f"{s.conviction_level}; action taken {e.action}{override}\nreason: {e.reason}",
              highlight=False)
    if e.approval != "none":
        out.print(f"override to {e.requested_action} ({e.override_reason}) {e.approval} by "
                  f"supervisor {e.supervisor}: {e.review_note}", highlight=False)
    for a in e.amendments:
        out.print(f"amended {a['amended_at']}: was {a['action']} ({a['reason']}); {a['why']}",
                  highlight=False)
    table = Table(title="rule trace, in the order the rules fired")
    for c in ("#", "rulebook version", "rule", "description", "fact", "value", "source",
              "as of"):
        table.add_column(c, overflow="fold")
    for i, t in enumerate(e.trace, 1):
        rows = [(name, json.dumps(used.value), used.source,
                 used.as_of.isoformat() if used.as_of else "")
                for name, used in t.facts_used.items()] or [("", "", "", "")]
        for j, row in enumerate(rows):
            head = (str(i), t.version, t.rule_id, t.description) if j == 0 else ("",) * 4
            table.add_row(*head, *row)
    out.print(table)
    verdict = ("reproduced: the same facts under the same rules give the same decision and trace"
               if e.reproduced else
               f"NOT reproduced: re-deciding gives {e.redecided.action} under "
               f"{e.redecided.policy_version}")
    out.print(verdict, highlight=False)


@policy_app.command("replay")
def policy_replay(
    on: OnOption,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="List at most this many moved cases")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Re-decide every stored case, with the facts it read, under the rules in force on
    --on; print what moved."""
    from scomm.adapters.db import make_engine
    from scomm.oversight.decisions import replay_stored

    engine = make_engine(store_url(db))
    try:
        with engine.begin() as conn:
            r = replay_stored(conn, _date(on, "--on"), actor=CLI_ACTOR, at=_now())
    except ScommError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()
    if as_json:
        print_json({"policy_on": r.policy_on, "policy_version": r.policy_version,
                     "cases": r.cases, "moved": len(r.moved),
                     "transitions": [{"from": a, "to": b, "cases": n}
                                     for (a, b), n in r.transitions.items()],
                     "moved_cases": [dataclasses.asdict(m) for m in r.moved[:limit]]})
        return
    out.print(f"{r.cases} stored decisions re-decided under {r.policy_version} (rules of "
              f"{r.policy_on.isoformat()}): {len(r.moved)} moved", highlight=False)
    table = Table(title="recommended action: stored -> replayed")
    for c in ("stored", "replayed", "cases"):
        table.add_column(c, justify="right" if c == "cases" else "left")
    for (a, b), n in r.transitions.items():
        table.add_row(a, b, str(n), style=None if a == b else "bold")
    out.print(table)
    if r.moved and limit > 0:
        moved = Table(title=f"moved cases (first {min(limit, len(r.moved))} of {len(r.moved)})")
        for c in ("case", "decided", "stored (action, priority, level)", "replayed",
                  "rules that fired"):
            moved.add_column(c, overflow="fold")
        for m in r.moved[:limit]:
            moved.add_row(m.case_id, m.decided_on.isoformat(), str(m.before), str(m.after),
                          " ".join(dict.fromkeys(m.rules_after)))
        out.print(moved)


def participation(
    on: OnOption,
    state: Annotated[str | None, typer.Option(help="State (2 letters), e.g. CA")] = None,
    county: Annotated[str | None, typer.Option(
        help="County FIPS code (5 digits); needs --state")] = None,
    as_json: JsonOption = False,
) -> None:
    """What was optional on a date (OIG-12-66 recommendation 1); with --state (and --county),
    the state's MOA and the one official answer to "may we opt out?"."""
    from scomm.policy.participation import (
        may_opt_out,
        moa_on,
        optional_aspects_on,
        participation_definition_on,
    )

    try:
        day = _date(on, "--on")
        if county is not None and state is None:
            raise InvalidInput("--county", "needs --state (the state whose MOA applies)")
        definition = participation_definition_on(day)
        aspects = optional_aspects_on(day)
        moa = moa_on(state, day) if state else None
        answer = may_opt_out(day, state, county) if state else None
    except ScommError as exc:
        raise fail(exc) from None
    if as_json:
        print_json({"on": day, "definition": definition.model_dump(mode="json")
                     if definition else None, "optional_aspects": aspects,
                     "moa": dataclasses.asdict(moa) if moa else None,
                     "may_opt_out": dataclasses.asdict(answer) if answer else None})
        return
    if definition is None:
        out.print(f"{day.isoformat()}: before Secure Communities began; nothing was optional")
    else:
        out.print(f"{day.isoformat()}: definition {definition.id} (from "
                  f"{definition.effective_from})\n  {definition.summary}\n  source: "
                  f"{definition.source}", highlight=False)
        out.print("optional on this date:" if aspects else "nothing was optional on this date",
                  highlight=False)
        for a in aspects:
            out.print(f"  - {a}", highlight=False)
    if moa is not None:
        signed = (f"signed by ICE {moa.ice_signed_on}, by the state {moa.state_signed_on}; in "
                  f"force from {moa.in_force_from}; either side may terminate on "
                  f"{moa.termination_notice_days} days' written notice; all MOAs cancelled "
                  f"{moa.cancelled_on}" if moa.in_force_from else "no MOA signed")
        out.print(f"{moa.state_abbr} MOA on {day.isoformat()}: {moa.state} ({signed})",
                  highlight=False)
    if answer is not None:
        out.print(f"may we opt out? {answer.text}", highlight=False)


def jurisdiction(
    fips5: Annotated[list[str], typer.Argument(metavar="FIPS...", help="County FIPS codes")],
    on: OnOption,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Counties on a date as the flow treats them: activation, area of responsibility,
    whether their prints are shared with IDENT and their agencies receive the responses, and
    the state's choice on minor-offense prints (read from the store's jurisdictions and
    elections)."""
    from scomm.adapters.db import make_engine
    from scomm.adapters.reference import ReferenceData
    from scomm.policy.participation import jurisdiction_on

    engine = make_engine(store_url(db))
    try:
        day = _date(on, "--on")
        reference = ReferenceData()
        reference.refresh(engine)
        views = [jurisdiction_on(reference.jurisdiction(f), day, reference.elections)
                 for f in fips5]
    except ScommError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()
    if as_json:
        print_json([dataclasses.asdict(v) for v in views])
        return
    table = Table(title=f"jurisdictions on {day.isoformat()}")
    for c in ("FIPS", "county", "st", "AOR", "activated", "shared with IDENT",
              "agency receives", "minor-offense prints", "MOA", "rule"):
        table.add_column(c, overflow="fold")
    for v in views:
        j = v.jurisdiction
        table.add_row(j.fips5, j.county_name, j.state_abbr, j.aor,
                      f"{'yes' if v.activated else 'no'} ({j.activation_date or 'no date'})",
                      "yes" if v.routing.shared else "no",
                      "yes" if v.routing.lea_receives else "no",
                      "sent to the FBI" if v.minor_offense_prints_sent else "withheld by the state",
                      v.moa.state, v.routing.rule_id)
    out.print(table)
    for v in views:
        out.print(f"{v.jurisdiction.fips5}: {v.routing.reason}", highlight=False)
