"""The pages in a real browser (Debian's chromium driven by Playwright), one screenshot each.

An officer signs in, finds a new match in the queue, decides it and fills in the
documentation form; the jail reports the release and the detainer board's clock counts down
live; an analyst reads the oversight dashboards; anyone reads the jurisdiction table and the
statistics and files a complaint. Screenshots go to ``out/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from served import PASSWORD, Served
from sqlalchemy import select

from scomm.adapters.tables import bookings, cases
from scomm.entrypoints.api.app import create_app

SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live(served: Served) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(served.service), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no chromium at {CHROMIUM}: apt-get install chromium")
        pytest.skip("Debian's chromium is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _sign_in(page: Page, live: str, user: str) -> None:
    page.goto(f"{live}/signin")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#signin")
    page.wait_for_url(f"{live}/")


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _new_match(served: Served) -> str:
    """A second booking of a person with a detainer in the tiny run: a new, undecided case."""
    with served.engine.connect() as conn:
        row = conn.execute(select(bookings).where(
            bookings.c.booking_id == served.ids["booking"])).one()
    body = {"booking_id": "WEB-0001", "ori": row.ori, "fips5": row.fips5,
            "booked_at": served.clock.now().isoformat(), "biographic": row.biographic,
            "charges": row.charges, "prints": row.prints}
    r = served.client.post("/api/bookings", json=body, headers=served.headers("jail_own"))
    assert r.status_code == 202, r.text
    served.worker.drain()
    with served.engine.connect() as conn:
        return str(conn.execute(select(cases.c.case_id).where(
            cases.c.booking_id == "WEB-0001")).scalar_one())


def test_officer_decides_and_documents_a_match(served: Served, live: str,
                                               browser: Browser) -> None:
    case_id = _new_match(served)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live}/signin")
    _shot(page, "signin")
    page.fill("#username", "officer_own")
    page.fill("#password", "not the password")
    page.click("#signin")
    assert "wrong user name or password" in page.inner_text("[role=alert]")
    _sign_in(page, live, "officer_own")
    _shot(page, "home")
    page.goto(f"{live}/queue")
    assert page.locator(f"#queue-ELP >> text={case_id}").count() == 1
    _shot(page, "queue")
    page.click(f"#queue-ELP >> text={case_id}")
    assert page.locator("#dossier tr").count() > 1
    page.click("#decide")
    served.worker.drain()
    page.reload()
    action = page.inner_text("#action")
    assert page.locator("#trace tr").count() > 1
    _shot(page, "case")
    served.clock.advance_to(served.clock.now() + timedelta(hours=3))  # the research's time
    served.tokens.clear()  # the API sessions idled out too
    page.reload()
    page.wait_for_url(f"{live}/signin")  # three idle hours ended the session (AC-11)
    _sign_in(page, live, "officer_own")
    page.goto(f"{live}/cases/{case_id}")
    page.fill("#encountered_at", (served.clock.now() - timedelta(minutes=30))
              .strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#method", "telephone")
    page.check("input[name=subject_contacted]")
    page.fill("#location", "Dona Ana County Detention Center")
    page.fill("#narrative", "Interviewed by telephone; detainer lodged with the jail.")
    page.click("#document")
    served.worker.drain()
    page.reload()
    assert "Disposition" in page.inner_text("#disposition")
    _shot(page, "case_documented")
    assert action in ("detainer", "conditional_detainer")
    detainer = f"D-{case_id}"
    r = served.client.post(f"/api/detainers/{detainer}/release",
                           headers=served.headers("jail_own"),
                           json={"release_at": (served.clock.now() + timedelta(hours=2))
                                 .isoformat(), "facility_tz": "America/Denver"})
    assert r.status_code == 202, r.text
    served.worker.drain()
    page.goto(f"{live}/detainers")
    clock = page.locator("#detainers .clock").first
    first = clock.inner_text()
    page.wait_for_timeout(1500)
    assert clock.inner_text() != first and "left" in first, first
    _shot(page, "detainers")
    page.click("#signout")
    page.wait_for_url(f"{live}/signin")
    page.close()


def test_analyst_reads_the_oversight_dashboards(served: Served, live: str,
                                                browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live, "analyst")
    page.goto(f"{live}/oversight")
    assert page.locator("#compliance-funnel svg").count() == 1
    assert page.locator("#monitor-funnel svg").count() == 1
    assert int(page.inner_text("#monitor-flags")) > 0
    _shot(page, "oversight")
    page.close()


def test_public_pages_and_a_complaint(served: Served, live: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live}/jurisdictions?state=NM&on=2011-06-01")
    assert page.locator("#jurisdictions tr").count() == 34  # 33 NM counties and the header
    _shot(page, "jurisdictions")
    page.goto(f"{live}/statistics")
    assert int(page.inner_text("#total-submissions")) > 0
    _shot(page, "statistics")
    page.goto(f"{live}/complaints/new")
    page.select_option("#category", "profiling")
    page.fill("#allegation", "I was stopped and booked because of how I look.")
    page.fill("#fips5", "35013")
    page.fill("#complainant_name", "A. Person")
    page.fill("#complainant_contact", "PO Box 12, Las Cruces")
    _shot(page, "complaint_form")
    page.click("#file")
    assert page.inner_text("#receipt").startswith("CRCL-")
    _shot(page, "complaint_receipt")
    page.goto(f"{live}/queue")
    page.wait_for_url(f"{live}/signin")
    page.close()
