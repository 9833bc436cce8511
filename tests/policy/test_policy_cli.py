"""`scomm policy …` and `scomm participation` on real files and a real stored run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from scomm.adapters import db
from scomm.adapters.tables import audit_log, decisions
from scomm.entrypoints.cli import app
from scomm.policy.evaluator import decide
from scomm.policy.facts import DecisionFacts
from scomm.sim.run import RunResult

DOCS = Path(__file__).parents[2] / "docs"
runner = CliRunner()


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture
def store(tiny_run: RunResult) -> RunResult:
    return tiny_run


def _write(tmp_path: Path, facts: DecisionFacts | dict[str, Any]) -> Path:
    data = facts.model_dump(mode="json") if isinstance(facts, DecisionFacts) else facts
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data))
    return path


def test_decide_prints_the_evaluators_decision(tmp_path: Path,
                                               make_facts: Callable[..., DecisionFacts],
                                               make_conviction: Callable[..., Any]) -> None:
    facts = make_facts(convictions=(make_conviction("1399", days=400),))
    path = _write(tmp_path, facts)
    result = _invoke("policy", "decide", str(path), "--on", "2012-06-01")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == decide(facts, date(2012, 6, 1)).model_dump(mode="json")
    # without --on: the date of the research (the latest as_of of the facts)
    default = json.loads(_invoke("policy", "decide", str(path)).stdout)
    assert default["decided_on"] == "2012-06-01"
    older = json.loads(_invoke("policy", "decide", str(path), "--on", "2012-06-01",
                               "--rules-of", "2010-06-01").stdout)
    assert older["policy_version"] == "sc-levels-2008-10-27+priorities-2008-10-27"


@pytest.mark.parametrize("change, where", [
    (lambda d: d["pending_charges"].update(value=["9999"]), "facts.pending_charges.value[0]"),
    (lambda d: d["convictions"]["value"].append(
        {"ncic_code": "1399", "convicted_on": "2013-01-01", "sentence_days": 0}),
     "convictions[0].convicted_on"),
    (lambda d: d.update(race={"value": "x", "source": "booking", "as_of": "2012-06-01T00:00:00Z"}),
     "facts.race"),
    (lambda d: d["status"].update(value="martian"), "facts.status.value"),
    (lambda d: d["status"].pop("source"), "facts.status.source"),
])
def test_bad_facts_get_a_clear_error(tmp_path: Path, make_facts: Callable[..., DecisionFacts],
                                     change: Callable[[dict[str, Any]], None],
                                     where: str) -> None:
    data = make_facts().model_dump(mode="json")
    change(data)
    result = _invoke("policy", "decide", str(_write(tmp_path, data)), "--on", "2012-06-01")
    assert result.exit_code == 2
    assert where in result.output and result.stdout == ""


def test_decide_refuses_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "facts.json"
    bad.write_text("{not json")
    result = _invoke("policy", "decide", str(bad))
    assert result.exit_code == 2 and "not a readable JSON file" in result.output


def test_schema_is_published_in_docs() -> None:
    result = _invoke("policy", "schema")
    assert result.exit_code == 0
    published = json.loads((DOCS / "policy-facts.schema.json").read_text())
    assert json.loads(result.stdout) == published
    assert not {"race", "ethnicity", "language", "appearance"} & set(published["properties"])


def test_show_and_diff(tmp_path: Path) -> None:
    show = json.loads(_invoke("policy", "show", "--on", "2012-06-01", "--json").stdout)
    assert show["policy_version"].endswith("minor-traffic-2012-04-27")
    assert any(r["rule_id"] == "MT-conditional-detainer" for r in show["rules"])
    text = _invoke("policy", "diff", "2010-06-01", "2012-06-01")
    assert text.exit_code == 0 and "rulebook added: minor-traffic-2012-04-27" in text.output
    assert _invoke("policy", "show", "--on", "2007-01-01").exit_code == 2
    assert "--on" in _invoke("policy", "show", "--on", "June").output


def test_explain_reproduces_a_stored_decision_and_is_audited(store: RunResult) -> None:
    url = db.default_url(store.out_dir)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        case_id = conn.execute(select(decisions.c.case_id).limit(1)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    result = _invoke("policy", "explain", case_id, "--db", url, "--json")
    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    assert explained["reproduced"] is True and explained["trace"]
    assert all(f["source"] for t in explained["trace"] for f in t["facts_used"].values())
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    engine.dispose()
    assert after == entries + 1 and (last.entity, last.entity_id) == ("decision", case_id)
    assert "reproduced" in _invoke("policy", "explain", case_id, "--db", url).output
    missing = _invoke("policy", "explain", "no-such-case", "--db", url)
    assert missing.exit_code == 2 and "no-such-case" in missing.output


def test_replay_under_the_2008_rules(store: RunResult) -> None:
    url = db.default_url(store.out_dir)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(decisions)).scalar_one()
    engine.dispose()
    result = _invoke("policy", "replay", "--on", "2010-06-01", "--db", url, "--json")
    assert result.exit_code == 0, result.output
    replayed = json.loads(result.stdout)
    assert replayed["cases"] == stored > 0
    assert sum(t["cases"] for t in replayed["transitions"]) == stored
    assert replayed["policy_version"] == "sc-levels-2008-10-27+priorities-2008-10-27"
    assert "stored decisions re-decided" in _invoke(
        "policy", "replay", "--on", "2010-06-01", "--db", url).output


def test_participation_command() -> None:
    result = _invoke("participation", "--on", "2010-07-15", "--state", "CA", "--county",
                     "06037", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["definition"]["id"] == "def4-2010-07"
    assert data["moa"]["state"] == "in force" and data["may_opt_out"]["may_opt_out"] is True
    later = _invoke("participation", "--on", "2011-09-01", "--state", "CA")
    assert "may we opt out? No." in later.output
    assert _invoke("participation", "--on", "2010-07-15", "--county", "06037").exit_code == 2


def test_jurisdiction_view_is_the_routing_the_flow_applied(store: RunResult) -> None:
    from scomm.adapters.tables import bookings, criminal_searches

    url = db.default_url(store.out_dir)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(criminal_searches.c.fips5, bookings.c.booked_at,
                                  criminal_searches.c.routing_rule,
                                  criminal_searches.c.shared_with_ident)
                           .join(bookings, bookings.c.booking_id == criminal_searches.c.booking_id)
                           .limit(1)).one()
    engine.dispose()
    result = _invoke("jurisdiction", row.fips5, "--on", row.booked_at.date().isoformat(),
                     "--db", url, "--json")
    assert result.exit_code == 0, result.output
    (view,) = json.loads(result.stdout)
    assert view["routing"]["rule_id"] == row.routing_rule
    assert view["routing"]["shared"] == row.shared_with_ident
    assert view["jurisdiction"]["aor"] and view["minor_offense_prints_sent"] in (True, False)
    missing = _invoke("jurisdiction", "99999", "--on", "2011-06-01", "--db", url)
    assert missing.exit_code == 2 and "99999" in missing.output
