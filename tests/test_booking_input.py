"""A malformed booking is refused with an error naming the field, and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from scomm.adapters import db
from scomm.adapters import tables as t
from scomm.domain.booking import parse_booking
from scomm.domain.errors import InvalidInput
from scomm.entrypoints.cli import app
from scomm.sim.run import RunResult


def good() -> dict[str, Any]:
    import numpy as np

    from scomm.biometrics.synthetic import impress, make_master_tenprint
    from scomm.biometrics.template import encode_tenprint

    rng = np.random.default_rng(5)
    return {"booking_id": "35013-20110801-9001", "ori": "NM0130000", "fips5": "35013",
            "booked_at": "2011-08-01T10:15:00-06:00",
            "biographic": {"last_name": "Ravoki", "first_name": "Tesu",
                           "date_of_birth": "1984-02-03", "sex": "M", "place_of_birth": "MM"},
            "charges": [{"ncic_code": "5404"}],
            "monitoring": {"ethnicity": "Hispanic"},
            "prints": encode_tenprint(impress(make_master_tenprint(rng), rng))}


@pytest.mark.parametrize("change, where", [
    (lambda b: b["charges"][0].update(ncic_code="54A4"), "booking.charges[0].ncic_code"),
    (lambda b: b.update(charges=[]), "booking.charges"),
    (lambda b: b.update(booked_at="2011-08-01T10:15:00"), "booking.booked_at"),
    (lambda b: b.update(ori="NM01"), "booking.ori"),
    (lambda b: b.update(fips5="3501"), "booking.fips5"),
    (lambda b: b["biographic"].update(sex="Q"), "booking.biographic.sex"),
    (lambda b: b.update(race="White"), "booking.race"),
    (lambda b: b.pop("prints"), "booking.prints"),
])
def test_parse_names_the_bad_field(change: Any, where: str) -> None:
    data = good()
    change(data)
    with pytest.raises(InvalidInput) as exc:
        parse_booking(data)
    assert exc.value.where == where


def _counts(url: str) -> dict[str, int]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        out = {tb.name: int(conn.execute(select(func.count()).select_from(tb)).scalar_one())
               for tb in (t.bookings, t.outbox, t.inbox, t.audit_log, t.iafis_subjects,
                          t.lea_responses)}
    engine.dispose()
    return out


@pytest.fixture
def store(tiny_run: RunResult) -> RunResult:
    return tiny_run


@pytest.mark.parametrize("change, expected", [
    (lambda b: b.update(prints="not-a-template"), "booking.prints"),
    (lambda b: b.update(fips5="99999"), "fips5"),
    (lambda b: b["charges"][0].update(ncic_code="12"), "booking.charges[0].ncic_code"),
    ("existing", "already submitted"),
])
def test_cli_refuses_bad_bookings_and_changes_nothing(store: RunResult, tmp_path: Path,
                                                      change: Any, expected: str) -> None:
    url = db.default_url(store.out_dir)
    data = good()
    if change == "existing":
        engine = db.make_engine(url)
        with engine.connect() as conn:
            data["booking_id"] = conn.execute(select(t.bookings.c.booking_id)).scalars().first()
        engine.dispose()
    else:
        change(data)
    path = tmp_path / "booking.json"
    path.write_text(json.dumps(data))
    before = _counts(url)
    result = CliRunner().invoke(app, ["booking", "submit", str(path), "--db", url])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert _counts(url) == before


def test_cli_accepts_a_good_booking(store: RunResult, tmp_path: Path) -> None:
    url = db.default_url(store.out_dir)
    path = tmp_path / "booking.json"
    path.write_text(json.dumps(good()))
    before = _counts(url)
    result = CliRunner().invoke(app, ["booking", "submit", str(path), "--db", url])
    assert result.exit_code == 0, result.output
    after = _counts(url)
    assert after["bookings"] == before["bookings"] + 1
    assert after["lea_responses"] > before["lea_responses"]


def test_cli_refuses_unreadable_json(store: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "booking.json"
    path.write_text("{not json")
    result = CliRunner().invoke(app, ["booking", "submit", str(path), "--db",
                                      db.default_url(store.out_dir)])
    assert result.exit_code == 2 and "not a readable JSON file" in result.output


def test_cli_accepts_an_ansi_nist_car_file(store: RunResult, tmp_path: Path) -> None:
    from scomm.formats.ansi_nist import booking_to_car

    url = db.default_url(store.out_dir)
    data = good()
    data["booking_id"] = "35013-20110801-9002"
    path = tmp_path / "booking.eft"
    path.write_bytes(booking_to_car(parse_booking(data)))
    before = _counts(url)
    result = CliRunner().invoke(app, ["booking", "submit", str(path), "--db", url])
    assert result.exit_code == 0, result.output
    assert "35013-20110801-9002" in result.output
    assert _counts(url)["bookings"] == before["bookings"] + 1


def test_cli_refuses_a_truncated_car_file(store: RunResult, tmp_path: Path) -> None:
    from scomm.formats.ansi_nist import booking_to_car

    url = db.default_url(store.out_dir)
    data = good()
    data["booking_id"] = "35013-20110801-9003"
    path = tmp_path / "booking.an2"
    path.write_bytes(booking_to_car(parse_booking(data))[:-10])
    before = _counts(url)
    result = CliRunner().invoke(app, ["booking", "submit", str(path), "--db", url])
    assert result.exit_code == 2, result.output
    assert "runs past the end" in result.output
    assert _counts(url) == before
