"""The reports read the same from a DuckDB warehouse over the Parquet snapshot as from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scomm.adapters import db
from scomm.adapters.warehouse import open_warehouse
from scomm.domain.errors import InvalidInput
from scomm.entrypoints.cli import app
from scomm.oversight import compliance, costs, discretion, monitor, statistics
from scomm.policy.catalog import load_catalog


def test_every_report_reads_the_same_from_the_snapshot(tiny_run: Any) -> None:
    as_of = datetime(2012, 1, 1, tzinfo=UTC)
    per_diem = costs.load_per_diem(None)
    reports = {
        "compliance": lambda c: compliance.compliance(c, as_of),
        "statistics": statistics.county_table,
        "costs": lambda c: costs.ledger(c, per_diem),
        "discretion": discretion.outcomes,
        "monitor": lambda c: monitor.monitor(c, load_catalog()),
    }
    store = db.make_engine(db.default_url(tiny_run.out_dir))
    warehouse = open_warehouse(tiny_run.out_dir / "parquet")
    with store.connect() as a, warehouse.connect() as b:
        for name, report in reports.items():
            assert report(a) == report(b), name
    store.dispose()
    warehouse.dispose()


def test_a_folder_that_is_not_a_snapshot_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cases.parquet").write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"no jurisdictions\.parquet"):
        open_warehouse(tmp_path)


def test_the_published_county_screen_naive_against_corrected(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["oversight", "monitor", "--published",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "monitor_published_counties.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    national = [r for r in rows if (r["indicator"], r["target"]) ==
                ("identification_rate", "national")]
    assert len(national) == 2982
    assert sum(r["flagged_naive"] == "True" for r in national) == 1907
    assert sum(r["flagged_additive"] == "True" for r in national) == 56
    assert sum(r["flagged_fdr"] == "True" for r in national) == 52
    assert (tmp_path / "monitor_published_funnel.svg").read_text().startswith("<svg")
