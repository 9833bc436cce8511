"""The whole flow on a small scenario, on SQLite and PostgreSQL: outputs, truth, determinism,
and the same final state after injected crashes (invariant 7)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from scomm.adapters import audit, db
from scomm.adapters import tables as t
from scomm.adapters.bus import SimulatedCrash
from scomm.adapters.index import GalleryStore, gallery_dir
from scomm.domain.messages import Message
from scomm.oversight.statistics import COLUMNS
from scomm.sim import scenario as scenarios
from scomm.sim.run import RunResult, simulate

TINY = Path(__file__).parent / "data" / "tiny.yaml"
METRICS = ("bookings", "submissions", "ident_matches", "detainers", "uscs_detained",
           "detainers_past_limit", "matches_undocumented_at_close",
           "decisions_consistent_with_policy", "repeat_research_without_reason",
           "hotline_reviews_overdue")


def _run(tmp: Path, url: str | None = None, **kw: Any) -> RunResult:
    return simulate(scenarios.load(TINY), tmp, url=url, quiet=True, **kw)


def _state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The domain tables' contents, minus delivery bookkeeping that legitimately differs."""
    out = {}
    for table in (t.bookings, t.submissions, t.criminal_searches, t.iafis_history,
                  t.immigration_searches, t.cases, t.dossier_facts, t.decisions, t.detainers,
                  t.encounters, t.dispositions, t.custody, t.alerts, t.deadlines,
                  t.lea_responses, t.source_queries, t.hotline_reviews):
        cols = [c for c in table.columns if c.name not in {"query_id"}]
        with engine.connect() as conn:
            out[table.name] = sorted(tuple(map(str, r)) for r in conn.execute(select(*cols)))
    with engine.connect() as conn:
        out["outbox"] = sorted((r.message_id,) for r in conn.execute(select(t.outbox.c.message_id)))
    return out


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return _run(tmp_path_factory.mktemp("run"))


def test_outputs_are_written(sqlite_run: RunResult) -> None:
    out = sqlite_run.out_dir
    metrics = json.loads((out / "metrics.json").read_text())
    for key in METRICS:
        assert key in metrics
    assert metrics["bookings"] > 100
    assert 0 < metrics["submissions"] <= metrics["bookings"]
    assert 0 < metrics["ident_matches"] < metrics["submissions"]
    assert metrics["detainers"] > 0
    assert metrics["detainers_past_limit"] > 0  # the tiny scenario injects late holds
    missed = metrics["targets"]["detainers_past_limit"]
    assert not missed["met"] and len(missed["cases"]) == metrics["detainers_past_limit"]
    assert set(metrics["targets"]) == {
        "uscs_detained", "detainers_past_limit", "matches_undocumented_at_close",
        "repeat_research_without_reason", "decisions_consistent_with_policy",
        "hotline_reviews_overdue"}
    with (out / "statistics.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS
    assert rows[-1]["fips5"] == "TOTAL"
    assert int(rows[-1]["submissions"]) == metrics["submissions"]
    assert int(rows[-1]["ident_matches_total"]) == metrics["ident_matches"]
    html = (out / "report.html").read_text()
    assert all(case in html for case in missed["cases"])  # a missed target lists its cases
    assert (html.count("<svg") >= 3 and "Dona Ana" in html) or "Doña Ana" in html
    assert {p.name for p in (out / "parquet").iterdir()} >= {"bookings.parquet",
                                                              "decisions.parquet"}


def test_metrics_are_measured_against_truth(sqlite_run: RunResult) -> None:
    m = sqlite_run.metrics
    assert m["ident_true_matches"] + m["ident_false_matches"] == m["ident_matches"]
    assert m["decisions"] == m["ident_matches"] - m["matches_undecided"]
    share = m["decisions_consistent_with_policy"]
    assert 0.8 < share <= 1.0
    assert m["uscs_detained"] <= m["uscs_with_detainer"]


def test_audit_chain_of_a_run_verifies(sqlite_run: RunResult) -> None:
    engine = db.make_engine(db.default_url(sqlite_run.out_dir))
    with engine.connect() as conn:
        assert audit.verify(conn).entries > sqlite_run.metrics["bookings"]
    engine.dispose()


def test_the_run_keeps_its_galleries_and_a_restart_reopens_them(sqlite_run: RunResult) -> None:
    """Seeding writes the galleries next to the tables; the run's system reopened them and
    kept them current, so a restarted service finds them agreeing with the tables."""
    engine = db.make_engine(db.default_url(sqlite_run.out_dir))
    for table, key in ((t.iafis_subjects, "fbi_number"), (t.ident_subjects, "ident_id")):
        path = gallery_dir(sqlite_run.out_dir / "galleries", table)
        before = (path / "manifest.json").stat().st_mtime_ns
        store = GalleryStore(table, key, path)
        with engine.connect() as conn:
            ids = set(conn.execute(select(table.c[key])).scalars())
        assert store.load(engine) == len(ids) > 0
        assert store.gallery is not None and set(store.gallery.subject_ids()) == ids
        assert (path / "manifest.json").stat().st_mtime_ns == before  # reopened, not rebuilt
        store.gallery.close()
    engine.dispose()


def test_same_seed_same_run(sqlite_run: RunResult, tmp_path: Path) -> None:
    again = _run(tmp_path)
    for key in METRICS:
        assert again.metrics[key] == sqlite_run.metrics[key]


def test_searching_ahead_changes_no_answer(sqlite_run: RunResult, tmp_path: Path) -> None:
    searches = sqlite_run.metrics["searches"]
    assert searches["iafis_settled"] > 0.8 * sqlite_run.metrics["submissions"]
    assert 0 < searches["ident_settled"] <= searches["ident_searched_ahead"]
    one_by_one = _run(tmp_path, search_ahead=False)
    assert one_by_one.metrics["searches"]["iafis_searched_ahead"] == 0
    a = db.make_engine(db.default_url(sqlite_run.out_dir))
    b = db.make_engine(db.default_url(tmp_path))
    assert _state(a) == _state(b)
    a.dispose()
    b.dispose()


@pytest.mark.postgres
def test_postgres_run_matches_sqlite(sqlite_run: RunResult, pg_url: str,
                                     tmp_path: Path) -> None:
    pg = _run(tmp_path, url=pg_url)
    for key in METRICS:
        assert pg.metrics[key] == sqlite_run.metrics[key], key
    lite = db.make_engine(db.default_url(sqlite_run.out_dir))
    post = db.make_engine(pg_url)
    assert _state(lite)["decisions"] == _state(post)["decisions"]
    lite.dispose()
    post.dispose()


def test_crashes_anywhere_leave_the_same_final_state(sqlite_run: RunResult,
                                                     tmp_path: Path) -> None:
    rng = random.Random(11)
    crashes = {"n": 0}

    def fault(point: str, consumer: str, msg: Message) -> None:
        if rng.random() < 0.02:
            crashes["n"] += 1
            raise SimulatedCrash(f"{point} {consumer} {msg.message_id}")

    crashed = _run(tmp_path, fault=fault)
    assert crashes["n"] > 50
    for key in METRICS:
        assert crashed.metrics[key] == sqlite_run.metrics[key], key
    a = db.make_engine(db.default_url(sqlite_run.out_dir))
    b = db.make_engine(db.default_url(tmp_path))
    assert _state(a) == _state(b)
    a.dispose()
    b.dispose()
