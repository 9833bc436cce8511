"""`scomm oversight sample plan | evaluate | draw`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scomm.adapters import db
from scomm.entrypoints.cli import app

runner = CliRunner()


def test_evaluate_prints_json_an_analyst_can_read() -> None:
    result = runner.invoke(app, ["oversight", "sample", "evaluate", "--sampled", "766",
                                 "--incomplete", "43", "--deviations", "25"])
    assert result.exit_code == 0, result.output
    e = json.loads(result.stdout)
    assert e["assessed"] == 723 and round(e["upper_deviation_limit"], 4) == 0.048


def test_bad_input_exits_2_naming_the_field() -> None:
    result = runner.invoke(app, ["oversight", "sample", "plan", "--tolerable", "0.05",
                                 "--expected", "0.07"])
    assert result.exit_code == 2 and "expected_rate" in result.output


def test_draw_is_reproducible_from_the_store(tiny_run: Any, tmp_path: Path) -> None:
    args = ["oversight", "sample", "draw", "--n", "5", "--seed", "11", "--start", "2011-05-01",
            "--end", "2011-09-30", "--by-office", "--db", db.default_url(tiny_run.out_dir)]
    first, again = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    lines = first.stdout.split()
    assert lines[0] == "case_id" and len(lines) == 6 and first.stdout == again.stdout
