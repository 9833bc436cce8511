"""The ``scomm`` command line.

Every command that reads the store takes ``--db URL``, defaulting to ``SCOMM_DATABASE_URL``,
else the main job's ``./out/scomm.db``. Errors in what the user gave (a scenario field, a
booking file) are printed as ``error: <where>: <problem>`` and exit with status 2, having
changed nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scomm.domain.errors import ScommError
from scomm.entrypoints.audit_cli import audit_app
from scomm.entrypoints.console import DbOption, err, fail, open_store, out, store_url
from scomm.entrypoints.oversight_cli import oversight_app
from scomm.entrypoints.policy_cli import jurisdiction, participation, policy_app
from scomm.entrypoints.service_cli import account_app, serve

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Secure Communities reference implementation on synthetic people.")
scenario_app = typer.Typer(no_args_is_help=True, help="Scenario files for the main job.")
booking_app = typer.Typer(no_args_is_help=True, help="Submit bookings as a jail would.")
detainer_app = typer.Typer(no_args_is_help=True, help="Detainers and the 48-hour limit.")
db_app = typer.Typer(no_args_is_help=True, help="The store's schema.")
app.add_typer(audit_app, name="audit")
app.add_typer(booking_app, name="booking")
app.add_typer(detainer_app, name="detainer")
app.add_typer(db_app, name="db")
app.add_typer(scenario_app, name="scenario")
app.add_typer(policy_app, name="policy")
app.add_typer(oversight_app, name="oversight")
app.add_typer(account_app, name="account")
app.command("serve")(serve)
app.command("participation")(participation)
app.command("jurisdiction")(jurisdiction)


@app.command()
def simulate(
    scenario: Annotated[str, typer.Option(
        help="Scenario YAML file, or the name of a built-in scenario")] = "default",
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed")] = None,
    scale: Annotated[float | None, typer.Option(
        help="Override the scenario's scale (fraction of the real booking volume)")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("out"),
    db: DbOption = None,
    quiet: Annotated[bool, typer.Option(help="No progress bars")] = False,
) -> None:
    """Replay a scenario end to end and write scomm.db, statistics.csv, report.html,
    Parquet snapshots and metrics.json to --out."""
    from scomm.sim import scenario as scenarios
    from scomm.sim.run import simulate as run

    try:
        path = Path(scenario)
        spec = scenarios.load(path if path.suffix in {".yaml", ".yml"} or path.exists()
                              else scenarios.builtin(scenario))
        overrides: dict[str, Any] = {}
        if seed is not None:
            overrides["seed"] = seed
        if scale is not None:
            overrides["scale"] = scale
        if overrides:
            spec = scenarios.parse({**spec.model_dump(mode="json", by_alias=True), **overrides})
        result = run(spec, out_dir, url=db or _env_url(), console=err, quiet=quiet)
    except ScommError as exc:
        raise fail(exc) from None
    _print_statistics(result.statistics)
    _print_comparison(result.comparison)
    m = result.metrics
    keys = ("bookings", "submissions", "ident_matches", "detainers", "removals", "seconds")
    out.print(" ".join(f"{k}={m[k]}" for k in keys), highlight=False)
    for name, t in m["targets"].items():
        verdict = "met" if t["met"] else f"MISSED ({len(t['cases'])} cases in report.html)"
        out.print(f"  {name}={t['value']} (target {t['target']}): {verdict}", highlight=False)
    store = "scomm.db " if result.store_url.startswith("sqlite") else ""
    out.print(f"wrote {result.out_dir}/: {store}statistics.csv report.html metrics.json "
              f"parquet/ (store: {result.store_url})", highlight=False)


def _env_url() -> str | None:
    import os

    return os.environ.get("SCOMM_DATABASE_URL")


def _print_statistics(rows: list[Any]) -> None:
    from scomm.oversight.statistics import COUNT_COLUMNS, totals

    table = Table(title="IDENT/IAFIS interoperability statistics (simulated)")
    short = {"submissions": "subm", "ident_matches_level1": "L1", "ident_matches_level2_3": "L2/3",
             "ident_matches_total": "matches", "removals_convicted_level1": "rem L1",
             "removals_convicted_level2": "rem L2", "removals_convicted_level3": "rem L3",
             "removals_ice_fugitives": "fugit", "removals_prior_removals_returns": "prior",
             "removals_ewi_visa_violators_overstays": "EWI/visa", "removals_total": "removals"}
    for c in ("county", "st", "AOR", "activated"):
        table.add_column(c)
    for c in COUNT_COLUMNS:
        table.add_column(short[c], justify="right")
    for r in rows:
        table.add_row(r.county, r.state, r.ice_aor, str(r.activation_date or ""),
                      *(str(getattr(r, c)) for c in COUNT_COLUMNS))
    t = totals(rows)
    table.add_row("TOTAL", "", "", "", *(str(t[c]) for c in COUNT_COLUMNS), style="bold")
    out.print(table)


def _print_comparison(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Simulated vs real (scaled), same window")
    for c in ("county", "st", "subm sim", "subm real", "match sim", "match real"):
        table.add_column(c, justify="left" if c in {"county", "st"} else "right")
    for r in rows:
        table.add_row(r["county"], r["state"], str(r["sim_submissions"]),
                      f"{r['real_submissions']:.1f}", str(r["sim_matches"]),
                      f"{r['real_matches']:.1f}")
    sims = sum(r["sim_submissions"] for r in rows)
    reals = sum(r["real_submissions"] for r in rows)
    simm = sum(r["sim_matches"] for r in rows)
    realm = sum(r["real_matches"] for r in rows)
    table.add_row("TOTAL", "", str(sims), f"{reals:.1f}", str(simm), f"{realm:.1f}",
                  style="bold")
    out.print(table)


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the JSON Schema of scenario files."""
    from scomm.sim.scenario import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


@scenario_app.command("check")
def scenario_check(path: Path) -> None:
    """Validate a scenario file without running it."""
    from scomm.sim import scenario as scenarios

    try:
        spec = scenarios.load(path)
    except ScommError as exc:
        raise fail(exc) from None
    out.print(f"{path}: valid scenario {spec.name!r}")


@app.command("stats")
def stats(db: DbOption = None) -> None:
    """Print the statistics table of a stored run."""
    from scomm.adapters.db import make_engine
    from scomm.oversight.statistics import county_table

    engine = make_engine(store_url(db))
    with engine.connect() as conn:
        _print_statistics(county_table(conn))
    engine.dispose()


@booking_app.command("submit")
def booking_submit(path: Path, db: DbOption = None) -> None:
    """Submit a booking (JSON, or an ANSI/NIST-ITL EBTS CAR file such as a livescan's .eft or
    .an2) to a store and run it through the flow. The format is told by the file's first bytes."""
    from datetime import UTC, datetime

    from scomm.adapters.clock import ManualClock
    from scomm.adapters.db import make_engine
    from scomm.bootstrap import bootstrap
    from scomm.domain.booking import parse_booking
    from scomm.domain.errors import InvalidInput
    from scomm.domain.messages import SubmitBooking, mid
    from scomm.formats.ansi_nist import car_to_booking, looks_like_ansi_nist

    try:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(str(path), f"not a readable file: {exc}") from None
        if looks_like_ansi_nist(raw):
            booking = car_to_booking(raw).booking
        else:
            try:
                data = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InvalidInput(str(path), f"not a readable JSON file: {exc}") from None
            booking = parse_booking(data)
        engine = make_engine(store_url(db))
        clock = ManualClock(max(booking.booked_at, datetime.now(UTC)))
        system = bootstrap(engine, clock)
        applied = system.bus.handle(SubmitBooking(
            message_id=mid("SubmitBooking", booking.booking_id), occurred_at=clock.now(),
            booking=booking))
        if not applied:
            raise InvalidInput("booking.booking_id",
                               f"{booking.booking_id!r} was already submitted; nothing changed")
    except ScommError as exc:
        raise fail(exc) from None
    out.print(f"booking {booking.booking_id} submitted and processed")


@detainer_app.command("deadline")
def detainer_deadline(
    release: Annotated[str, typer.Option(
        help="When the person would otherwise be released: ISO 8601 local time with its UTC "
             "offset, e.g. 2010-12-30T17:00:00-07:00")],
    tz: Annotated[str | None, typer.Option(
        help="The facility's IANA time zone (e.g. America/Denver) so that calendar days follow "
             "its daylight-saving rules [default: the fixed offset of --release]")] = None,
) -> None:
    """Print the latest time (ISO 8601, UTC) a detainer may hold the person: 48 hours not
    counting Saturdays, Sundays and federal holidays where the person is held (8 CFR 287.7(d))."""
    from datetime import UTC, datetime

    from scomm.domain.detainer_clock import detainer_deadline as deadline
    from scomm.domain.errors import InvalidInput

    try:
        try:
            released = datetime.fromisoformat(release)
        except ValueError:
            raise InvalidInput("--release", f"not an ISO 8601 date-time: {release!r}") from None
        if released.tzinfo is None:
            raise InvalidInput("--release", "needs its UTC offset, e.g. 2010-12-30T17:00:00-07:00")
        result = deadline(released, tz or released.tzinfo)
    except ScommError as exc:
        raise fail(exc) from None
    out.print(result.astimezone(UTC).isoformat().replace("+00:00", "Z"), highlight=False)


@detainer_app.command("notice")
def detainer_notice(
    detainer_id: str,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for DETAINER_ID.html and .pdf")]
    = Path("."),
    db: DbOption = None,
) -> None:
    """Write a lodged detainer's I-247 as HTML and PDF: the request to the booking agency and
    the subject's copy with the notice in six languages and the hotline."""
    from scomm.adapters.clock import SystemClock
    from scomm.adapters.reference import ReferenceData
    from scomm.adapters.uow import UnitOfWork
    from scomm.agencies.detainer_notice import notice_for
    from scomm.formats.i247 import render_html, render_pdf

    try:
        engine = open_store(db)
    except ScommError as exc:
        raise fail(exc) from None
    try:
        reference = ReferenceData()
        reference.refresh(engine)
        with UnitOfWork(engine, SystemClock(), actor="cli") as uow:
            notice = notice_for(uow, reference, detainer_id)
            uow.commit()  # the reads are audited even though nothing else changes
    except ScommError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / detainer_id.replace("/", "_")
    stem.with_suffix(".html").write_text(render_html(notice), encoding="utf-8")
    stem.with_suffix(".pdf").write_bytes(render_pdf(notice))
    out.print(f"wrote {stem}.html and {stem}.pdf ({notice.form_revision})", highlight=False)


@app.command("queue")
def queue(
    aor: Annotated[str, typer.Argument(help="the field office (area of responsibility), e.g. ELP")],
    at: Annotated[str | None, typer.Option(
        help="ISO 8601 instant to judge overdue items by [default: now]")] = None,
    db: DbOption = None,
) -> None:
    """A field office's work queue: cases to decide, overrides awaiting a supervisor, matches
    to document and hotline reviews, soonest due first, overdue ones marked."""
    from datetime import UTC, datetime

    from scomm.agencies.queue import work_queue
    from scomm.domain.errors import InvalidInput

    try:
        try:
            now = datetime.fromisoformat(at) if at else datetime.now(UTC)
        except ValueError:
            raise InvalidInput("--at", f"not an ISO 8601 date-time: {at!r}") from None
        if now.tzinfo is None:
            raise InvalidInput("--at", "needs its UTC offset, e.g. 2011-06-01T12:00:00+00:00")
        engine = open_store(db)
    except ScommError as exc:
        raise fail(exc) from None
    try:
        with engine.connect() as conn:
            items = work_queue(conn, aor.upper(), now)
    finally:
        engine.dispose()
    table = Table(title=f"{aor.upper()} work queue at {now.isoformat()}: {len(items)} items")
    for c in ("case or call", "booking", "waiting for", "due (UTC)", "overdue"):
        table.add_column(c)
    for i in items:
        table.add_row(i.ref_id, i.booking_id, i.waiting_for,
                      i.due_at.isoformat() if i.due_at else "", "OVERDUE" if i.overdue else "")
    out.print(table)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring a store's schema to this version of scomm (Alembic migrations; idempotent)."""
    from scomm.adapters.db import make_engine, migrate, schema_behind

    engine = make_engine(store_url(db))
    try:
        before = schema_behind(engine)
        migrate(engine)
    finally:
        engine.dispose()
    out.print("already current" if before is None else
              f"upgraded from {before[0] or 'an empty store'} to {before[1]}", highlight=False)
