"""`scomm oversight report --quarter`: the HTML, the tables in CSV and Parquet, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from alembic import command
from typer.testing import CliRunner

from scomm.adapters import db
from scomm.entrypoints.cli import app

runner = CliRunner()


def test_quarter_report_of_a_run(tiny_run: Any, tmp_path: Path) -> None:
    result = runner.invoke(app, ["oversight", "report", "--quarter", "2011Q2", "--out",
                                 str(tmp_path), "--db", db.default_url(tiny_run.out_dir)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "oversight_2011Q2.html").read_text()
    assert "<svg" in html and "Detainer cost ledger" in html
    for name in ("compliance", "costs", "statistics_by_state", "discretion_outcomes",
                 "complaints", "monitor"):
        assert (tmp_path / f"{name}_2011Q2.csv").exists()
        pq.read_table(tmp_path / f"{name}_2011Q2.parquet")
    header = (tmp_path / "monitor.csv").read_text().splitlines()[0].split(",")
    assert {"fips5", "quarter", "indicator", "value", "expected", "flagged"} <= set(header)
    doj = json.loads((tmp_path / "doj_export_2011Q2.json").read_text())
    assert doj["quarter"] == "2011Q2" and "flagged" in doj and "complaints_referred" in doj
    costs = pq.read_table(tmp_path / "costs_2011Q2.parquet").to_pylist()
    assert costs[-1]["fips5"] == "TOTAL" and costs[-1]["detainers"] > 0


def test_bad_quarter_and_old_store_are_refused(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["oversight", "report", "--quarter", "2011Q5"])
    assert bad.exit_code == 2 and "--quarter" in bad.output
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0002")
    engine.dispose()
    old = runner.invoke(app, ["oversight", "report", "--quarter", "2011Q2", "--out",
                              str(tmp_path), "--db", url])
    assert old.exit_code == 2 and "scomm db upgrade" in old.output
    assert runner.invoke(app, ["db", "upgrade", "--db", url]).exit_code == 0
    again = runner.invoke(app, ["oversight", "report", "--quarter", "2011Q2", "--out",
                                str(tmp_path), "--db", url])
    assert again.exit_code == 0, again.output
