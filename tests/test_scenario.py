"""Scenario files: valid ones load; every malformed one names its field and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scomm.domain.errors import InvalidInput
from scomm.entrypoints.cli import app
from scomm.sim import scenario as scenarios

GOOD = {"name": "t", "period": {"start": "2010-01-01", "end": "2010-12-31"},
        "states": ["NM"], "scale": 0.01}


def test_builtin_scenarios_are_valid() -> None:
    for name in ("default", "southwest", "national"):
        spec = scenarios.load(scenarios.builtin(name))
        assert spec.name == name
    assert scenarios.load(Path(__file__).parent / "data" / "tiny.yaml").counties == ("35013",)


@pytest.mark.parametrize("change, where", [
    ({"scale": 2}, "scenario.scale"),
    ({"scale": "lots"}, "scenario.scale"),
    ({"period": {"start": "2011-01-01", "end": "2010-01-01"}}, "scenario.period"),
    ({"period": {"start": "2011-02-30", "end": "2012-01-01"}}, "scenario.period.start"),
    ({"states": ["NM", "XX"]}, "scenario.states[1]"),
    ({"counties": ["99999"]}, "scenario.counties[0]"),
    ({"bogus": 1}, "scenario.bogus"),
    ({"behaviours": [{"kind": "hold_past_limit", "rate": 0.2},
                     {"kind": "hold_past_limit", "rate": 1.5}]}, "scenario.behaviours[1].rate"),
    ({"behaviours": [{"kind": "teleport"}]}, "scenario.behaviours[0]"),
    ({"behaviours": [{"kind": "participation_election", "mode": "limited",
                      "requested_on": "2010-08-01"}]}, "scenario.behaviours[0]"),
    ({"officers": {"omit_documentation": -0.1}}, "scenario.officers.omit_documentation"),
])
def test_bad_fields_are_named(change: dict[str, object], where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        scenarios.parse({**GOOD, **change})
    assert exc.value.where == where


def test_missing_required_field_is_named() -> None:
    data = dict(GOOD)
    del data["period"]
    with pytest.raises(InvalidInput, match=r"scenario\.period: Field required"):
        scenarios.parse(data)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nperiod: {start: 2010-01-01, end: [\n")
    with pytest.raises(InvalidInput, match="line 3"):
        scenarios.load(bad)


def test_cli_refuses_a_bad_scenario_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nperiod: {start: 2010-01-01, end: 2010-06-30}\n"
                   "states: [NM]\nscale: 0.01\nbehaviours:\n  - {kind: hold_past_limit, rate: 7}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", "--scenario", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "scenario.behaviours[0].rate" in result.output
    assert not out.exists()


def test_cli_check_and_schema(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["scenario", "check", str(scenarios.builtin("default"))])
    assert ok.exit_code == 0 and "valid scenario 'default'" in ok.output
    schema = runner.invoke(app, ["scenario", "schema"])
    assert schema.exit_code == 0 and '"behaviours"' in schema.output
