"""Scenario files: what to replay, where, at what scale, and which behaviours to inject.

A scenario is YAML validated by the pydantic models below (``scomm scenario schema`` prints
the JSON Schema; docs/scenarios.md explains each field). Any error names the exact field, as
``scenario.behaviours[1].rate``, and nothing runs until the whole file is valid.

Injected behaviours are how a scenario says "the world misbehaves here": a jail that holds past
the 48-hour limit, a field office that leaves matches undocumented, a county that elects
limited participation. Later issues add more kinds to ``Behaviour`` (e.g. pretextual arrests).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scomm.adapters.sources import default_profiles
from scomm.domain.errors import InvalidInput

SCENARIOS = Path(__file__).parent / "scenarios"


Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A probability or a share of cases, between 0 and 1."""


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Period(Strict):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.start < date(2008, 1, 1) or self.end > date(2014, 12, 31):
            raise ValueError("the program ran 2008-10-27 to 2014-11-20; stay within 2008-2014")
        return self


class Where(Strict):
    """Where a behaviour applies: counties, states, or field offices (empty = everywhere)."""

    counties: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    aors: tuple[str, ...] = ()
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None

    def covers(self, fips5: str, state: str, aor: str, on: date) -> bool:
        if self.from_ and on < self.from_:
            return False
        if self.until and on > self.until:
            return False
        return self.applies_to(fips5, state, aor)

    def applies_to(self, fips5: str, state: str, aor: str) -> bool:
        """Whether the place is in scope, on some day or other."""
        scoped = self.counties or self.states or self.aors
        return not scoped or fips5 in self.counties or state in self.states or aor in self.aors


class RatedBehaviour(Where):
    """Something the world does in a share of the cases it could."""

    rate: Share


class HoldPastLimit(RatedBehaviour):
    """Jails that keep people past the detainer's 48-hour limit when ICE is late."""

    kind: Literal["hold_past_limit"]


class UndocumentedMatches(RatedBehaviour):
    """Officers who leave a share of matches without an encounter or disposition."""

    kind: Literal["undocumented_matches"]


class OfficerDeviation(RatedBehaviour):
    """Officers who act against the policy's recommendation at a rate (with a stated reason)."""

    kind: Literal["officer_deviation"]


class PretextualArrests(Where):
    """Officers in chosen counties arrest one group for minor traffic offences more often
    (the pattern Gardner & Kohli found in Irving, TX: about +150% in Hispanic petty arrests
    once ICE could be called from the jail). ``multiplier`` 2.5 means 2.5 times the group's
    usual minor-traffic bookings; the extra bookings carry only a minor traffic charge."""

    kind: Literal["pretextual_arrests"]
    group: str = Field(default="Hispanic", description="the booking's recorded ethnicity")
    multiplier: float = Field(ge=1.0, le=20.0)

    def extra_per_day(self, bookings_per_day: float, usual_share: float) -> float:
        """The expected extra bookings a day in a county booking ``bookings_per_day`` people,
        ``usual_share`` of whose bookings are of the group for minor traffic offences only."""
        return bookings_per_day * usual_share * (self.multiplier - 1)


class ParticipationElection(Strict):
    """A county or state asks for a participation mode on a date (OIG-12-66 Appendix E)."""

    kind: Literal["participation_election"]
    county: str | None = None
    state: str | None = None
    mode: Literal["limited", "postponed", "no_minor_offense_prints", "full"]
    requested_on: date

    @model_validator(mode="after")
    def _one_scope(self) -> ParticipationElection:
        if (self.county is None) == (self.state is None):
            raise ValueError("give exactly one of county or state")
        return self


Behaviour = Annotated[
    HoldPastLimit | UndocumentedMatches | OfficerDeviation | PretextualArrests
    | ParticipationElection,
    Field(discriminator="kind"),
]


class Officers(Strict):
    """Baseline officer conduct, anchored on OIG-12-64's FY2011 sample (766 cases)."""

    omit_documentation: Share = Field(
        default=0.056, description="43 of 766 FY2011 cases lacked records (OIG-12-64)")
    omit_documentation_after_nov_2011: Share = Field(
        default=0.01, description="after ICE's July and November 2011 documentation instructions")
    deviate_from_policy: Share = Field(
        default=0.034,
        description="25 of 723 assessable cases were not consistent with policy (OIG-12-64)")
    late_decision: Share = 0.03
    pickup_on_reminder: Share = Field(
        default=0.9, description="late pickups that arrive within the limit once the system "
        "reminds the transport desk 12 hours before it [assumption]")
    late_hotline_review: Share = Field(
        default=0.0, description="reviews of hotline calls finished after their deadline "
        "[assumption: none by default; inject to see the overdue count and its case list]")


class Supervisors(Strict):
    """What a field office supervisor does with the cases put before them."""

    approve_unfounded_override: Share = Field(
        default=0.0, description="overrides approved although they cite no ground the policy "
        "recognises (the simulated officers' deviations cite none)")
    late_review: Share = Field(default=0.02, description="rulings after the 24-hour deadline")


class Hotline(Strict):
    """Who calls the detainer hotline once served the I-247 (from 2011-12-29), and who flags.

    [assumption: the HSAC report and ICE's FAQ describe the hotline but publish no call
    volumes; these shares make the path exercised and measurable]"""

    citizen_calls: Share = 0.6
    victim_calls: Share = 0.4
    false_citizen_claims: Share = Field(
        default=0.02, description="non-citizens served a detainer who claim citizenship")
    agency_flags_victims: Share = Field(
        default=0.5, description="victims or witnesses the arresting agency flags to ICE")
    proof_found: Share = Field(
        default=0.98, description="true claims the reviewing officer can verify in time")


class Nation(Strict):
    """Knobs of the synthetic population that are not calibrated from the county table."""

    ident_background_factor: float = Field(
        default=1.0, ge=0.0, le=100.0,
        description="IDENT identities never booked in the run, per IDENT identity in the pool")
    pool_factor: float = Field(
        default=1.0, gt=0.0, le=5.0,
        description="people in a county's arrestee pool per expected booking (repeats follow)")


class Scenario(Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    period: Period
    states: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    scale: float = Field(gt=0.0, le=1.0, description="fraction of the real booking volume")
    seed: int = Field(default=0, ge=0)
    settle_days: int = Field(default=120, ge=0, le=730,
                             description="days simulated after the period with no new bookings")
    officers: Officers = Officers()
    supervisors: Supervisors = Supervisors()
    hotline: Hotline = Hotline()
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per record source, changes to its latency and "
        "availability profile (adapters/data/sources.yaml), e.g. {EOIR: {availability: 0.5}}")
    nation: Nation = Nation()
    behaviours: tuple[Behaviour, ...] = ()

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        default_profiles().with_overrides(v)
        return v

    @model_validator(mode="after")
    def _somewhere(self) -> Scenario:
        if not self.states and not self.counties:
            raise ValueError("name at least one state or county")
        return self


def _where(loc: tuple[int | str, ...]) -> str:
    out = "scenario"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse(data: Any) -> Scenario:
    """Validate scenario data; raise ``InvalidInput`` naming the first bad field."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p in {
            "hold_past_limit", "undocumented_matches", "officer_deviation",
            "participation_election"}))
        raise InvalidInput(_where(loc), first["msg"]) from None
    from scomm.sim.jurisdictions import select

    select(scenario.states, scenario.counties, where_states="scenario.states",
           where_counties="scenario.counties")
    return scenario


def load(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(str(path), f"cannot read scenario file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise InvalidInput(f"{path} ({at})", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(str(path), "a scenario is a YAML mapping of fields")
    return parse(data)


def builtin(name: str) -> Path:
    path = SCENARIOS / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
        raise InvalidInput("--scenario", f"no built-in scenario {name!r} (known: {known})")
    return path
