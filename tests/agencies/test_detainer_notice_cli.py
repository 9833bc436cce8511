"""`scomm detainer notice` writes a stored detainer's I-247 from the records it is about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from scomm.adapters import db
from scomm.adapters.tables import audit_log, bookings, detainers
from scomm.entrypoints.cli import app

runner = CliRunner()


def test_notice_of_a_stored_detainer(tiny_run: Any, tmp_path: Path) -> None:
    url = db.default_url(tiny_run.out_dir)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(detainers.c.detainer_id, bookings.c.biographic).join(
            bookings, bookings.c.booking_id == detainers.c.booking_id).limit(1)).one()
        audited = conn.execute(select(audit_log.c.seq)).all()
    result = runner.invoke(app, ["detainer", "notice", row.detainer_id, "--out",
                                 str(tmp_path), "--db", url])
    assert result.exit_code == 0, result.output
    html = (tmp_path / f"{row.detainer_id}.html").read_text()
    assert row.biographic["last_name"] in html and "(855) 448-6903" in html
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / f"{row.detainer_id}.pdf")
                   .pages)
    assert row.biographic["last_name"] in text and "448-6903" in text
    with engine.connect() as conn:
        assert len(conn.execute(select(audit_log.c.seq)).all()) == len(audited) + 2
    engine.dispose()


def test_notice_of_an_unknown_detainer(tiny_run: Any, tmp_path: Path) -> None:
    result = runner.invoke(app, ["detainer", "notice", "D-NONE", "--out", str(tmp_path),
                                 "--db", db.default_url(tiny_run.out_dir)])
    assert result.exit_code == 2
    assert "detainer_id" in result.output and "D-NONE" in result.output
    assert list(tmp_path.iterdir()) == []
