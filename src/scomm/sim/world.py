"""The world around the system: jails booking people, officers working cases, courts deciding.

The system's agencies react to messages; everything that people outside it do is played here,
as timed events on one queue: bookings arrive per county and day at the calibrated rate, an
officer decides and documents each case (or fails to, as a scenario may inject), jails report
release times and release or hand over the person, and immigration courts conclude cases by
each person's true status. Reactions are scheduled from the system's outgoing messages, which
is all the world learns of the system.
"""

from __future__ import annotations

import heapq
import itertools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np

from scomm.adapters.bus import SimulatedCrash
from scomm.adapters.clock import ManualClock
from scomm.adapters.deadlines import next_due
from scomm.adapters.uow import UnitOfWork
from scomm.bootstrap import System
from scomm.domain.booking import Biographic, Booking, Charge, MonitoringFields
from scomm.domain.detainer_clock import detainer_deadline
from scomm.domain.messages import (
    CaseAssigned,
    Command,
    CompleteHotlineReview,
    ConcludeProceedings,
    DecideCase,
    DecisionRecorded,
    DetainerAssumed,
    DetainerCancelled,
    DetainerIssued,
    DocumentationEscalated,
    ExpireDeadlines,
    HotlineCallReceived,
    Message,
    OverrideRequested,
    PickupDue,
    ReceiveHotlineCall,
    RecordConviction,
    RecordCustodyTransfer,
    RecordDetainerServed,
    RecordDisposition,
    RecordEncounter,
    RecordJailRelease,
    ReportRelease,
    ReviewOverride,
    SubmitBooking,
    mid,
)
from scomm.sim.calibration import CountyRates
from scomm.sim.jurisdictions import Jurisdiction
from scomm.sim.nation import (
    CITIZEN_STATUSES,
    STREAM_BOOKINGS,
    STREAM_WORLD,
    ChargeModel,
    Nation,
    Person,
    claim_is_true,
    is_victim_or_witness,
    pick,
    rng_for,
)
from scomm.sim.scenario import (
    HoldPastLimit,
    OfficerDeviation,
    PretextualArrests,
    RatedBehaviour,
    Scenario,
    UndocumentedMatches,
)
from scomm.sim.seed import impression_of
from scomm.sim.truth import sim_bookings

STREAM_PRETEXT = 6  # the injected pretextual arrests draw from their own stream
DOCUMENTATION_POLICY_DATE = date(2011, 11, 1)  # ICE reiterated: document every match (Nov 2011)
HOTLINE_OPENED = date(2011, 12, 29)  # the I-247 (12/11) and its toll-free hotline
DETAINER_ACTIONS = frozenset({"detainer", "conditional_detainer"})
#: The disposition a simulated officer records for each decided action.
DISPOSITION_OF = {"detainer": "detainer_lodged",
                  "conditional_detainer": "conditional_detainer_lodged",
                  "not_removable": "no_action_lawful_status",
                  "no_action": "no_action_not_priority"}


@dataclass
class BookingTruth:
    """What really happens to a booking, decided when it is made (jail and court behaviour)."""

    booking_id: str
    person: Person
    fips5: str
    booked_at: datetime
    release_at: datetime
    convicted_before_release: bool
    current_codes: tuple[str, ...]


def _hours(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(hours=float(rng.uniform(low, high)))


def _mixture(rng: np.random.Generator, parts: list[dict[str, float]]) -> timedelta | None:
    shares = [p["share"] for p in parts]
    total = sum(shares)
    u = rng.random()
    if u >= total:
        return None
    acc = 0.0
    for part in parts:
        acc += part["share"]
        if u < acc:
            return _hours(rng, part["low"], part["high"])
    return None


class World:
    def __init__(self, scenario: Scenario, nation: Nation, system: System, clock: ManualClock,
                 jurisdictions: dict[str, Jurisdiction], rates: dict[str, CountyRates],
                 charges: ChargeModel, search_ahead: bool = True) -> None:
        self.s = scenario
        self.search_ahead = search_ahead
        self.nation = nation
        self.system = system
        self.clock = clock
        self.j = jurisdictions
        self.rates = rates
        self.charges = charges
        self.p = nation.params
        self.rng = rng_for(scenario.seed, STREAM_WORLD)
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.truth: dict[str, BookingTruth] = {}
        self.case_booking: dict[str, str] = {}
        self.bookings_made = 0
        self.bookings_built = 0
        self.events_run = 0
        self._seen: set[str] = set()
        self._next_deadline: datetime | None = None
        self._deadlines_changed = True
        self.truth_rows: list[dict[str, Any]] = []
        self.officer_of: dict[str, str] = {}
        self.decided: dict[str, DecisionRecorded] = {}
        self.jail_plan: dict[str, list[str]] = {}
        self.late_pickup: dict[str, str] = {}
        self.withdrawn: set[str] = set()
        self._group_pools: dict[tuple[str, str], tuple[list[int], float]] = {}

    # ------------------------------------------------------------------ queue
    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (max(when, self.clock.now()), next(self._seq), action))

    def command(self, when: datetime, kind: type[Command], key: str, **fields: Any) -> str:
        """At ``when``, send a ``kind`` command about ``key`` (its id is derived from both);
        returns the id, by which a later turn of events can withdraw it."""
        message_id = mid(kind.__name__, key)

        def fire() -> None:
            if message_id in self.withdrawn:
                return
            self.send(kind(message_id=message_id, occurred_at=self.clock.now(), **fields))

        self.at(when, fire)
        return message_id

    def send(self, command: Command) -> None:
        """Deliver a command; after an injected crash, send it again as a restarted client would.

        The repeat carries the same message id, so whatever the crash left half done is
        finished exactly once by the inbox and the outbox relay (invariant 7).
        """
        for _ in range(1000):
            self._deadlines_changed = True
            try:
                self.system.bus.handle(command)
                return
            except SimulatedCrash:
                continue
        raise RuntimeError(f"{command.message_id}: still crashing after 1000 attempts")

    def _fire_deadlines(self, until: datetime) -> None:
        """Fire the system's deadlines due by ``until``, each at its own instant.

        Deadlines are only created or ended by the system's handlers, so the next due time is
        re-read only after a command has run.
        """
        while True:
            if self._deadlines_changed:
                with UnitOfWork(self.system.engine, self.clock) as uow:
                    self._next_deadline = next_due(uow)
                self._deadlines_changed = False
            due = self._next_deadline
            if due is None or due > until:
                return
            self.clock.advance_to(due)
            self.send(ExpireDeadlines(
                message_id=mid("ExpireDeadlines", due.isoformat()), occurred_at=due))

    def run(self, end: datetime) -> None:
        """Process events in time order until the queue is empty or ``end`` is reached."""
        while self._queue and self._queue[0][0] <= end:
            when, _, action = heapq.heappop(self._queue)
            self._fire_deadlines(when)
            self.clock.advance_to(when)
            action()
            self.events_run += 1
        self._fire_deadlines(end)
        self.clock.advance_to(end)

    # ------------------------------------------------------------------ bookings
    def schedule_days(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            self.at(datetime.combine(day, time(0), tzinfo=UTC), partial(self._book_day, day))
            day += timedelta(days=1)

    def _book_day(self, day: date) -> None:
        """Draw the day's bookings in every county, schedule each at its hour, and let the
        system search their prints as one batch (:meth:`System.expect`) unless told not to."""
        rng = rng_for(self.s.seed, STREAM_BOOKINGS, day.toordinal())
        bookings = []
        for fips5 in sorted(self.nation.pools):
            rate = self.rates[fips5].bookings_per_day * self.s.scale
            for n in range(int(rng.poisson(rate))):
                pool = self.nation.pools[fips5]
                person = self.nation.people[pool[int(rng.integers(len(pool)))]]
                tz = ZoneInfo(self.j[fips5].tz)
                local = datetime.combine(day, time(0), tzinfo=tz) + timedelta(
                    seconds=float(rng.uniform(0, 86400)))
                booked_at = local.astimezone(UTC)
                booking = self._booking(f"{fips5}-{day:%Y%m%d}-{n:04d}", person, booked_at,
                                        fips5)
                bookings.append(booking)
                self.at(booked_at, partial(self._submit, booking))
            for booking in self._pretextual(day, fips5, rate):
                bookings.append(booking)
                self.at(booking.booked_at, partial(self._submit, booking))
        if self.search_ahead:
            self.system.expect(bookings)

    def _group_pool(self, fips5: str, group: str) -> tuple[list[int], float]:
        """The county's arrestees of ``group``, and the share of the county's bookings that
        are theirs for minor traffic only (the pool is fixed for the run: worked out once)."""
        key = (fips5, group)
        if key not in self._group_pools:
            everyone = self.nation.pools[fips5]
            pool = [i for i in everyone if self.nation.people[i].ethnicity == group]
            usual = sum(self.charges.minor_traffic_only_chance(self.nation.people[i])
                        for i in pool) / len(everyone)
            self._group_pools[key] = (pool, usual)
        return self._group_pools[key]

    def _pretextual(self, day: date, fips5: str, rate: float) -> list[Booking]:
        """The injected extra minor-traffic arrests of one group (``PretextualArrests``), on
        their own random stream so that a scenario without them is drawn exactly as before."""
        j = self.j[fips5]
        out: list[Booking] = []
        for b in self.s.behaviours:
            if not isinstance(b, PretextualArrests) or not b.covers(
                    fips5, j.state_abbr, j.aor or "", day):
                continue
            pool, usual = self._group_pool(fips5, b.group)
            if not pool:
                continue
            rng = rng_for(self.s.seed, STREAM_PRETEXT, day.toordinal(), int(fips5))
            extra = b.extra_per_day(rate, usual)
            tz = ZoneInfo(j.tz)
            for n in range(int(rng.poisson(extra))):
                person = self.nation.people[pool[int(rng.integers(len(pool)))]]
                local = datetime.combine(day, time(0), tzinfo=tz) + timedelta(
                    seconds=float(rng.uniform(0, 86400)))
                out.append(self._booking(f"{fips5}-{day:%Y%m%d}-P{n:03d}", person,
                                         local.astimezone(UTC), fips5,
                                         codes=(self.charges.draw_minor_traffic(rng),)))
        return out

    def _booking(self, booking_id: str, person: Person, booked_at: datetime,
                 fips5: str, codes: tuple[str, ...] | None = None) -> Booking:
        rng = rng_for(self.s.seed, STREAM_BOOKINGS, zlib.crc32(booking_id.encode()))
        # drawn even when given, so the later draws stay put
        drawn = self.charges.booking_codes(rng, person)
        codes = codes or drawn
        stay = _mixture(rng, self.p["release_after_hours"]) or timedelta(hours=24)
        convicted = bool(rng.random() < self.p["conviction_rate_current_charge"])
        truth = BookingTruth(booking_id=booking_id, person=person, fips5=fips5,
                             booked_at=booked_at, release_at=booked_at + stay,
                             convicted_before_release=convicted and stay > timedelta(hours=48),
                             current_codes=codes)
        self.truth[booking_id] = truth
        j = self.j[fips5]
        booking = Booking(
            booking_id=booking_id, ori=f"{j.state_abbr}{fips5[2:]}0000", fips5=fips5,
            booked_at=booked_at,
            biographic=Biographic(last_name=person.last_name, first_name=person.first_name,
                                  date_of_birth=person.born_on, sex=person.sex,
                                  place_of_birth=person.place_of_birth),
            charges=tuple(Charge(ncic_code=c) for c in codes),
            monitoring=MonitoringFields(race=person.race, ethnicity=person.ethnicity,
                                        language=person.language),
            prints=impression_of(self.nation, person, 100 + self.bookings_built))
        self.truth_rows.append({
            "booking_id": booking_id, "person_id": person.person_id, "fips5": fips5,
            "booked_at": booked_at,
            "detail": {"release_at": truth.release_at.isoformat(),
                       "convicted_before_release": truth.convicted_before_release}})
        self.bookings_built += 1
        return booking

    def _submit(self, booking: Booking) -> None:
        self.bookings_made += 1
        self.send(SubmitBooking(message_id=mid("SubmitBooking", booking.booking_id),
                                occurred_at=booking.booked_at, booking=booking))

    def save_truth(self) -> None:
        """Write the bookings' ground truth (who was really booked) for evaluation."""
        if self.truth_rows:
            with self.system.engine.begin() as conn:
                conn.execute(sim_bookings.insert(), self.truth_rows)
            self.truth_rows = []

    # ------------------------------------------------------------------ reactions
    def listener(self, msg: Message) -> None:
        if msg.message_id in self._seen:
            return
        self._seen.add(msg.message_id)
        reaction = self._reactions.get(type(msg))
        if reaction is not None:
            reaction(self, msg)

    def _behaviour_rate(self, kind: type[RatedBehaviour], fips5: str, on: date) -> float:
        j = self.j[fips5]
        rate = 0.0
        for b in self.s.behaviours:
            if isinstance(b, kind) and b.covers(fips5, j.state_abbr, j.aor or "", on):
                rate = max(rate, float(b.rate))
        return rate

    def _victim(self, booking_id: str) -> bool:
        return is_victim_or_witness(self.truth[booking_id].person,
                                    float(self.p["victim_or_witness_share"]))

    def _officer(self, msg: CaseAssigned) -> None:
        now = self.clock.now()
        truth = self.truth[msg.booking_id]
        self.case_booking[msg.case_id] = msg.booking_id
        officers = self.s.officers
        rng = self.rng
        late = rng.random() < officers.late_decision
        decide_at = now + (_hours(rng, 25, 72) if late else _hours(rng, 0.5, 12))
        deviate_rate = max(officers.deviate_from_policy,
                           self._behaviour_rate(OfficerDeviation, truth.fips5, now.date()))
        override: tuple[str, str] | None = None
        if rng.random() < deviate_rate:
            if msg.recommended_action in DETAINER_ACTIONS:
                override = ("no_action", "officer discretion: detention resources")
            elif msg.recommended_action == "no_action":
                override = ("detainer", "officer judgment: criminal history")
        officer = f"{msg.aor}-{int(rng.integers(1, 40)):03d}"
        self.officer_of[msg.case_id] = officer
        case = msg.case_id
        self.command(decide_at, DecideCase, case, case_id=case, officer=officer,
                     override_action=override[0] if override else None,
                     override_reason=override[1] if override else None)
        if self._victim(msg.booking_id) and rng.random() < self.s.hotline.agency_flags_victims:
            self.command(now + _hours(rng, 1, 12), ReceiveHotlineCall, f"flag-{case}",
                         call_id=f"flag-{case}", booking_id=msg.booking_id,
                         channel="agency_flag", claim="victim")

    def _supervise_override(self, msg: OverrideRequested) -> None:
        """The sim's overrides cite no ground the policy recognises; a supervisor rejects
        them unless the scenario says supervisors wave some through."""
        rng = self.rng
        late = rng.random() < self.s.supervisors.late_review
        approve = rng.random() < self.s.supervisors.approve_unfounded_override
        self.command(self.clock.now() + (_hours(rng, 25, 48) if late else _hours(rng, 0.5, 8)),
                     ReviewOverride, msg.case_id, case_id=msg.case_id,
                     supervisor=f"{msg.aor}-SUP", approve=approve,
                     note="approved" if approve else "no recognised ground for the override")

    def _document(self, msg: DecisionRecorded) -> None:
        """The officer records the encounter and the disposition, or omits them at the
        scenario's rate (OIG-12-64: 43 of 766 FY2011 cases had no record)."""
        now = self.clock.now()
        truth = self.truth[msg.booking_id]
        officers = self.s.officers
        rng = self.rng
        omit = (officers.omit_documentation if now.date() < DOCUMENTATION_POLICY_DATE
                else officers.omit_documentation_after_nov_2011)
        omit = max(omit, self._behaviour_rate(UndocumentedMatches, truth.fips5, now.date()))
        skip = int(rng.integers(3)) if rng.random() < omit else -1  # 0 enc, 1 disp, 2 both
        self.decided[msg.case_id] = msg
        if skip not in (0, 2):
            self._encounter(now + _hours(rng, 1, 72), msg.case_id, msg.officer)
        if skip not in (1, 2):
            self._disposition(now + _hours(rng, 2, 96), msg.case_id, msg.officer)

    def _encounter(self, when: datetime, case: str, officer: str) -> None:
        in_person = self.rng.random() >= 0.6
        truth = self.truth[self.case_booking[case]]
        self.command(when, RecordEncounter, case, case_id=case, officer=officer,
                     method="in_person" if in_person else "telephone",
                     encountered_at=when - timedelta(minutes=30),
                     location=f"county jail {truth.fips5}" if in_person else "by telephone",
                     subject_contacted=in_person or self.rng.random() < 0.8)

    def _disposition(self, when: datetime, case: str, officer: str) -> None:
        decided = self.decided[case]
        code = DISPOSITION_OF[decided.action]
        if decided.action == "no_action" and "victim" in decided.reason.lower():
            code = "no_action_victim_witness"
        self.command(when, RecordDisposition, case, case_id=case, officer=officer,
                     disposition=code, narrative=f"{decided.action}: {decided.reason}"[:400])

    def _escalated(self, msg: DocumentationEscalated) -> None:
        """The supervisor sees the missing pieces recorded (by the officer who owns the case)."""
        when = self.clock.now() + _hours(self.rng, 2, 48)
        officer = self.officer_of.get(msg.case_id, f"{msg.aor}-SUP")
        if "encounter" in msg.missing:
            self._encounter(when, msg.case_id, officer)
        if "disposition" in msg.missing and "decision" not in msg.missing:
            self._disposition(when + timedelta(minutes=5), msg.case_id, officer)

    def _served(self, msg: DetainerIssued) -> None:
        """The jail serves the I-247; a served person who is a citizen or a victim may call."""
        truth = self.truth[msg.booking_id]
        now = self.clock.now()
        rng = self.rng
        served_at = now + _hours(rng, 0.5, 6)
        if served_at >= truth.release_at:
            return
        self._jail(served_at, RecordDetainerServed, msg.booking_id, served_at=served_at)
        if served_at.date() < HOTLINE_OPENED:
            return
        hotline = self.s.hotline
        citizen = truth.person.status in CITIZEN_STATUSES
        claim: str | None = None
        if citizen and rng.random() < hotline.citizen_calls:
            claim = "citizen"
        elif self._victim(msg.booking_id) and rng.random() < hotline.victim_calls:
            claim = "victim"
        elif not citizen and rng.random() < hotline.false_citizen_claims:
            claim = "citizen"
        if claim is not None:
            call = f"call-{msg.case_id}"
            self.command(served_at + _hours(rng, 0.2, 12), ReceiveHotlineCall, call,
                         call_id=call, booking_id=msg.booking_id, channel="hotline", claim=claim)

    def _review_call(self, msg: HotlineCallReceived) -> None:
        """The field office checks the claim: a true one is upheld when the proof is found."""
        if msg.case_id is None or msg.due_at is None:
            return
        person = self.truth[msg.booking_id].person
        rng = self.rng
        now = self.clock.now()
        upheld = (claim_is_true(person, msg.claim, float(self.p["victim_or_witness_share"]))
                  and rng.random() < self.s.hotline.proof_found)
        window = (msg.due_at - now).total_seconds() / 3600
        late = rng.random() < self.s.officers.late_hotline_review
        when = now + (_hours(rng, window + 1, window + 24) if late
                      else _hours(rng, 0.1, max(0.2, window * 0.8)))
        verified = None
        if upheld and msg.claim == "citizen":
            verified = ("naturalized_citizen" if person.status == "naturalized_citizen"
                        else "citizen")
        self.command(when, CompleteHotlineReview, msg.call_id, call_id=msg.call_id,
                     officer=self.officer_of.get(msg.case_id, "LESC-HOTLINE"),
                     outcome="substantiated" if upheld else "not_substantiated",
                     narrative=("proof of the claim verified" if upheld
                                else "no record or document supports the claim"),
                     verified_status=verified)

    def _jail(self, when: datetime, kind: type[Command], booking_id: str,
              key: str | None = None, **fields: Any) -> str:
        """A command the jail will send about a detained person, kept so that a cancelled
        detainer can withdraw whatever the jail still had to do for ICE."""
        planned = self.command(when, kind, key or booking_id, booking_id=booking_id, **fields)
        self.jail_plan.setdefault(booking_id, []).append(planned)
        return planned

    def _cancelled(self, msg: DetainerCancelled) -> None:
        self.withdrawn.update(self.jail_plan.pop(msg.booking_id, []))

    def _jail_detainer(self, msg: DetainerIssued) -> None:
        self._served(msg)
        truth = self.truth[msg.booking_id]
        now = self.clock.now()
        b = msg.booking_id
        if msg.operative_upon_conviction and truth.convicted_before_release:
            conv_at = max(now, truth.release_at - timedelta(hours=1))
            self._jail(conv_at, RecordConviction, b, ncic_code=truth.current_codes[0],
                       sentence_days=30)
        tz = self.j[truth.fips5].tz
        if truth.release_at <= now:
            self._jail(now, RecordJailRelease, b)
            return
        release = truth.release_at
        self._jail(release, ReportRelease, b, release_at=release, facility_tz=tz)
        if msg.operative_upon_conviction and not truth.convicted_before_release:
            return
        deadline = detainer_deadline(release, tz)
        rng = self.rng
        pickup = _mixture(rng, self.p["pickup_after_release_hours"])
        holds = rng.random() < self._behaviour_rate(HoldPastLimit, truth.fips5, release.date())
        extra = self.p["hold_past_limit_extra_hours"]
        if pickup is not None and release + pickup <= deadline:
            when: datetime | None = release + pickup
        elif holds:
            when = deadline + _hours(rng, extra["low"], extra["high"])
        else:
            when = None
        if when is not None:
            planned = self._jail(when, RecordCustodyTransfer, b)
        else:
            planned = self._jail(deadline, RecordJailRelease, b)
        if (when is None or when > deadline) and (pickup is not None or holds):
            self.late_pickup[b] = planned  # ICE means to come, but after the limit

    def _reminded(self, msg: PickupDue) -> None:
        """The system's reminder reaches the transport desk; it may still make the limit."""
        planned = self.late_pickup.pop(msg.booking_id, None)
        left = (msg.deadline_at - self.clock.now()).total_seconds() / 3600
        if planned is None or left < 0.5 or self.rng.random() >= self.s.officers.pickup_on_reminder:
            return
        self.withdrawn.add(planned)
        b = msg.booking_id
        self._jail(self.clock.now() + _hours(self.rng, 0.25, left - 0.25),
                   RecordCustodyTransfer, b, key=f"{b}:reminded")

    OUTCOMES: ClassVar[dict[str, tuple[dict[str, float], tuple[float, float]]]] = {
        "removed_reentered": ({"removed": 0.95, "released": 0.05}, (7, 30)),
        "fugitive": ({"removed": 0.90, "relief": 0.05, "released": 0.05}, (10, 45)),
        "overstay": ({"removed": 0.80, "relief": 0.10, "released": 0.10}, (30, 120)),
        "entered_without_inspection": ({"removed": 0.85, "relief": 0.05, "released": 0.10},
                                       (20, 120)),
        "ewi_never_encountered": ({"removed": 0.85, "relief": 0.05, "released": 0.10},
                                  (20, 120)),
        "lpr_removable_conviction": ({"removed": 0.75, "relief": 0.15, "released": 0.10},
                                     (60, 240)),
        "lpr": ({"terminated": 0.9, "relief": 0.1}, (14, 90)),
        "lawful_nonimmigrant": ({"terminated": 0.8, "released": 0.2}, (7, 60)),
    }
    CITIZEN_OUTCOME: ClassVar[tuple[dict[str, float], tuple[float, float]]] = (
        {"terminated": 1.0}, (3, 30))

    def _court(self, msg: DetainerAssumed) -> None:
        person = self.truth[msg.booking_id].person
        mix, (low, high) = self.OUTCOMES.get(person.status, self.CITIZEN_OUTCOME)
        outcome = str(pick(self.rng, mix))
        when = self.clock.now() + timedelta(days=float(self.rng.uniform(low, high)))
        c = msg.case_id
        self.command(when, ConcludeProceedings, c, case_id=c, outcome=outcome)

    _reactions: ClassVar[dict[type[Message], Callable[[World, Any], None]]] = {
        CaseAssigned: _officer,
        OverrideRequested: _supervise_override,
        DecisionRecorded: _document,
        DocumentationEscalated: _escalated,
        DetainerIssued: _jail_detainer,
        DetainerCancelled: _cancelled,
        HotlineCallReceived: _review_call,
        DetainerAssumed: _court,
        PickupDue: _reminded,
    }
