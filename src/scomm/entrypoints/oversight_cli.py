"""`scomm oversight ...`: the oversight analyst's commands (read-only on the store)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from scomm.domain.errors import InvalidInput, ScommError
from scomm.entrypoints.console import DbOption, fail, open_store, out, print_json

oversight_app = typer.Typer(no_args_is_help=True, help="Oversight: audit samples and reports.")
sample_app = typer.Typer(no_args_is_help=True, help="Attribute sampling (plan, draw, evaluate).")
oversight_app.add_typer(sample_app, name="sample")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(option, f"not an ISO date: {value!r}") from None


def _write_csv(path: Path, table: list[dict[str, object]]) -> Path:
    """``table`` as CSV with its keys as the header (an empty file for no rows)."""
    import csv

    with path.open("w", newline="") as f:
        if table:
            w = csv.DictWriter(f, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
    return path


@sample_app.command("plan")
def sample_plan(
    tolerable: Annotated[float, typer.Option(help="tolerable deviation rate, e.g. 0.05")],
    risk: Annotated[float, typer.Option(help="risk of overreliance")] = 0.05,
    expected: Annotated[float, typer.Option(help="expected deviation rate")] = 0.0,
    population: Annotated[int | None, typer.Option(help="population size (finite)")] = None,
) -> None:
    """The sample size for an attribute (AICPA Appendix A rule)."""
    from scomm.oversight.sampling import plan

    try:
        p = plan(tolerable, risk=risk, expected_rate=expected, population=population)
    except ScommError as exc:
        raise fail(exc) from None
    print_json(p)


@sample_app.command("evaluate")
def sample_evaluate(
    sampled: Annotated[int, typer.Option(help="cases sampled")],
    deviations: Annotated[int, typer.Option(help="assessed cases not in compliance")],
    incomplete: Annotated[int, typer.Option(help="cases that could not be assessed")] = 0,
    risk: float = 0.05,
    tolerable: Annotated[float | None, typer.Option(help="tolerable deviation rate")] = None,
) -> None:
    """What a sample found: rates, intervals, the upper deviation limit (JSON)."""
    from scomm.oversight.sampling import evaluate

    try:
        e = evaluate(sampled, incomplete, deviations, risk=risk, tolerable_rate=tolerable)
    except ScommError as exc:
        raise fail(exc) from None
    print_json(e)


@sample_app.command("draw")
def sample_draw(
    n: Annotated[int, typer.Option(help="sample size")],
    seed: Annotated[int, typer.Option(help="recorded seed: same store, same seed, same sample")],
    start: Annotated[str, typer.Option(help="first decision date (ISO), e.g. 2010-10-01")],
    end: Annotated[str, typer.Option(help="last decision date (ISO), e.g. 2011-09-30")],
    by_office: Annotated[bool, typer.Option(help="stratify by field office")] = False,
    db: DbOption = None,
) -> None:
    """Draw a reproducible sample of the IDENT matches opened in a period (case ids, CSV)."""
    from sqlalchemy import select

    from scomm.adapters.audit import AuditWriter
    from scomm.adapters.tables import cases
    from scomm.oversight.sampling import draw

    try:
        first, last = _day(start, "--start"), _day(end, "--end")
        engine = open_store(db)
        try:
            with engine.begin() as conn:
                rows = conn.execute(select(cases.c.case_id, cases.c.aor).where(
                    cases.c.opened_at >= datetime.combine(first, datetime.min.time(), UTC),
                    cases.c.opened_at < datetime.combine(last, datetime.max.time(), UTC))).all()
                units = [r.case_id for r in rows]
                sample = draw(units, n, seed,
                              {r.case_id: r.aor for r in rows} if by_office else None)
                audit = AuditWriter(conn)
                audit.append(datetime.now(UTC), "cli", "read", "case_sample",
                             f"{first}..{last}:{seed}", {"n": n, "population": len(units)})
                audit.flush()
        finally:
            engine.dispose()
    except ScommError as exc:
        raise fail(exc) from None
    out.print("case_id", highlight=False)
    for case_id in sample:
        out.print(case_id, highlight=False)


@oversight_app.command("costs")
def costs(
    start: Annotated[str | None, typer.Option(help="first issue date (ISO)")] = None,
    end: Annotated[str | None, typer.Option(help="last issue date (ISO)")] = None,
    per_diem: Annotated[float | None, typer.Option(
        help="daily jail cost for every jurisdiction [default: oversight/data/per_diem.yaml]")]
    = None,
    db: DbOption = None,
) -> None:
    """The detainer cost ledger per jurisdiction: holds, extra jail days, cost, holds past
    the 48-hour limit."""
    from rich.table import Table

    from scomm.oversight.costs import ledger, load_per_diem

    try:
        first = _day(start, "--start") if start else None
        last = _day(end, "--end") if end else None
        rates = load_per_diem(per_diem)
        engine = open_store(db)
        try:
            with engine.connect() as conn:
                rows = ledger(conn, rates, first, last)
        finally:
            engine.dispose()
    except ScommError as exc:
        raise fail(exc) from None
    table = Table(title=f"detainer cost ledger ({rates.currency})")
    for c in ("fips5", "county", "state", "detainers", "holds", "extra jail days", "per diem",
              "cost", "past 48 h", "hours past"):
        table.add_column(c, justify="left" if c in ("fips5", "county", "state") else "right")
    for r in rows:
        table.add_row(r.fips5, r.county, r.state, str(r.detainers), str(r.holds),
                      str(r.extra_jail_days), f"{r.per_diem:,.2f}" if r.per_diem else "",
                      f"{r.cost:,.2f}", str(r.holds_past_limit), f"{r.hours_past_limit:.1f}")
    out.print(table)


@oversight_app.command("compliance")
def compliance_report(
    as_of: Annotated[str, typer.Option(help="documentation counted up to this ISO instant")],
    start: Annotated[str | None, typer.Option(help="first month of matches, YYYY-MM")] = None,
    end: Annotated[str | None, typer.Option(help="last month of matches, YYYY-MM")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for compliance.html/.csv")]
    = Path("."),
    db: DbOption = None,
) -> None:
    """OIG-12-64 rec. 2: per field office and month, the matches still without an encounter
    or a disposition, with Wilson intervals, the cases, and a funnel plot across offices."""
    import csv

    from jinja2 import Environment, PackageLoader, select_autoescape

    from scomm.oversight.compliance import by_office, compliance, funnel_svg, outside_limits

    try:
        try:
            cutoff = datetime.fromisoformat(as_of)
            first = datetime.strptime(start, "%Y-%m").replace(tzinfo=UTC) if start else None
            last = datetime.strptime(end, "%Y-%m").replace(tzinfo=UTC) if end else None
        except ValueError as exc:
            raise InvalidInput("--as-of/--start/--end", str(exc)) from None
        if cutoff.tzinfo is None:
            raise InvalidInput("--as-of", "needs its UTC offset, e.g. 2011-12-31T00:00:00+00:00")
        if last is not None:
            last = last.replace(year=last.year + last.month // 12, month=last.month % 12 + 1)
        engine = open_store(db)
        try:
            with engine.connect() as conn:
                rows = compliance(conn, cutoff, first, last)
        finally:
            engine.dispose()
    except ScommError as exc:
        raise fail(exc) from None
    offices = by_office(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "compliance.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["aor", "month", "matches", "undocumented", "share", "wilson_low",
                    "wilson_high", "documented_late", "cases"])
        for r in rows:
            w.writerow([r.aor, r.month, r.matches, r.undocumented, f"{r.share:.4f}",
                        f"{r.wilson[0]:.4f}", f"{r.wilson[1]:.4f}", r.late, " ".join(r.cases)])
    env = Environment(loader=PackageLoader("scomm.oversight"), autoescape=select_autoescape())
    (out_dir / "compliance.html").write_text(env.get_template("compliance.html").render(
        rows=rows, offices=offices, outside=outside_limits(offices), funnel=funnel_svg(offices),
        as_of=cutoff.isoformat(), period=f"{start or 'from the start'} to {end or 'the end'}"),
        encoding="utf-8")
    missing = sum(o.undocumented for o in offices)
    late = sum(o.late for o in offices)
    out.print(f"{missing} of {sum(o.matches for o in offices)} matches undocumented, {late} "
              f"documented late; wrote "
              f"{out_dir}/compliance.html and compliance.csv", highlight=False)


@oversight_app.command("statistics")
def statistics(
    published: Annotated[bool, typer.Option(
        help="ICE's own county table through 2012-08-31 instead of a store")] = False,
    by: Annotated[str, typer.Option(help="county or state")] = "county",
    monthly: Annotated[bool, typer.Option(help="per month and cumulative (a store only)")]
    = False,
    min_cell: Annotated[int, typer.Option(help="counts 1 to min_cell-1 are suppressed")] = 10,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the CSV")] = Path("."),
    db: DbOption = None,
) -> None:
    """Transparency statistics in ICE's interoperability columns, with the small-cell rule
    applied to everything written (docs/oversight.md)."""
    from scomm.oversight import statistics as stats
    from scomm.oversight import transparency as t

    try:
        if by not in ("county", "state"):
            raise InvalidInput("--by", f"county or state, not {by!r}")
        if monthly and (published or by != "county"):
            raise InvalidInput("--monthly", "monthly figures come from a store, by county")
        if published:
            from scomm.sim.jurisdictions import ice_table_path

            rows = t.published(ice_table_path())
        else:
            engine = open_store(db)
            try:
                with engine.connect() as conn:
                    rows = stats.county_table(conn)
                    months = t.monthly(conn) if monthly else []
            finally:
                engine.dispose()
        shown = t.by_state(rows) if by == "state" else rows
        table: list[dict[str, object]] = [dict(r) for r in t.publishable(shown, min_cell)]
        if monthly:
            table = [{**{k: r[k] for k in ("fips5", "state", "county", "month")},
                      **t.suppress({k: int(str(v)) for k, v in r.items()
                                    if k not in ("fips5", "state", "county", "month")},
                                   min_cell)} for r in months]
    except ScommError as exc:
        raise fail(exc) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"statistics_{'published_' if published else ''}{by}{'_monthly' if monthly else ''}"
    path = _write_csv(out_dir / f"{name}.csv", table)
    total = t.national(rows)
    out.print(f"national: {total['submissions']:,} submissions, "
              f"{total['ident_matches_total']:,} matches, {total['removals_total']:,} "
              f"removals; wrote {path} ({len(table)} rows, cells under {min_cell} suppressed)",
              highlight=False)


@oversight_app.command("monitor")
def profiling_monitor(
    published: Annotated[bool, typer.Option(
        help="ICE's own county table through 2012-08-31 instead of a store")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the results")] = Path("."),
    db: DbOption = None,
) -> None:
    """The profiling monitor's screen: every jurisdiction and quarter of a store to
    monitor.csv, or ICE's county table screened naively and corrected (docs/oversight.md)."""
    from collections import Counter
    from dataclasses import asdict

    from rich.table import Table

    try:
        if published:
            from scomm.oversight.county_monitor import funnel_svg, screen_counties
            from scomm.oversight.transparency import published as ice_rows
            from scomm.sim.jurisdictions import ice_table_path

            summaries, rows = screen_counties(ice_rows(ice_table_path()))
            table = [asdict(r) for r in rows]
            name = "monitor_published_counties"
        else:
            from scomm.oversight.monitor import monitor
            from scomm.policy.catalog import load_catalog

            engine = open_store(db)
            try:
                with engine.connect() as conn:
                    table = [asdict(r) for r in monitor(conn, load_catalog())]
            finally:
                engine.dispose()
            name = "monitor"
    except ScommError as exc:
        raise fail(exc) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _write_csv(out_dir / f"{name}.csv", table)
    if published:
        shown = Table("indicator", "target", "counties", "phi", "tau", "naive",
                      "multiplicative", "additive", "BH q<0.05", "BH high")
        for s in summaries:
            shown.add_row(s.indicator, s.target, f"{s.counties:,}", f"{s.phi}", f"{s.tau}",
                          f"{s.naive:,}", f"{s.multiplicative:,}", f"{s.additive:,}",
                          f"{s.fdr:,}", f"{s.fdr_high:,}")
        out.print(shown)
        plot = out_dir / "monitor_published_funnel.svg"
        plot.write_text(funnel_svg(rows, summaries[0]), encoding="utf-8")
        out.print(f"wrote {path} ({len(table):,} rows) and {plot}", highlight=False)
        return
    flagged = Counter((str(r["quarter"]), str(r["indicator"])) for r in table if r["flagged"])
    out.print(f"wrote {path} ({len(table):,} rows); flagged: "
              + (", ".join(f"{q} {i} {k}" for (q, i), k in sorted(flagged.items())) or "none"),
              highlight=False)


@oversight_app.command("rollout")
def rollout_analysis(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the results")] = Path("."),
    db: DbOption = None,
) -> None:
    """The rollout's effect on the Hispanic share of minor-traffic arrests (staggered DiD with
    its event study) and the activation-equity check (docs/oversight.md)."""
    import json
    from dataclasses import asdict

    from scomm.oversight import rollout
    from scomm.oversight.monitor import units_from_store
    from scomm.policy.catalog import load_catalog

    try:
        engine = open_store(db)
        try:
            with engine.connect() as conn:
                units = units_from_store(conn, load_catalog())
                counties = rollout.counties_from_store(conn, units)
        finally:
            engine.dispose()
        estimate = rollout.staggered_did(rollout.panel(units))
        equity = rollout.activation_equity(counties)
    except ScommError as exc:
        raise fail(exc) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rollout.json").write_text(json.dumps(
        {"did": asdict(estimate), "activation_equity": asdict(equity)}, indent=1),
        encoding="utf-8")
    (out_dir / "rollout_event_study.svg").write_text(rollout.event_svg(estimate),
                                                      encoding="utf-8")
    out.print(f"ATT {estimate.att:+.4f} [{estimate.low:+.4f}, {estimate.high:+.4f}] over "
              f"{estimate.counties} counties (TWFE {estimate.twfe:+.4f}); activation equity: "
              f"{equity.note} (p {equity.p:.3g}); wrote {out_dir}/rollout.json and "
              "rollout_event_study.svg", highlight=False)


@oversight_app.command("report")
def quarter_report(
    quarter: Annotated[str, typer.Option(help="e.g. 2011Q3")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the report")] = Path("."),
    per_diem: Annotated[float | None, typer.Option(help="daily jail cost")] = None,
    db: DbOption = None,
) -> None:
    """One quarter's oversight report: HTML with plots, and every table as CSV and Parquet."""
    from scomm.oversight.costs import load_per_diem
    from scomm.oversight.quarter import Quarter, build

    try:
        q = Quarter.parse(quarter)
        rates = load_per_diem(per_diem)
        engine = open_store(db)
        try:
            with engine.connect() as conn:
                counts = build(conn, q, out_dir, rates)
        finally:
            engine.dispose()
    except ScommError as exc:
        raise fail(exc) from None
    out.print(f"wrote {out_dir}/oversight_{q.label}.html and "
              + ", ".join(f"{n} ({k} rows)" for n, k in counts.items()), highlight=False)
