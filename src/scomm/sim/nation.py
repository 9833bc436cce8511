"""The synthetic nation: people with a true status, and the records the federal sources hold.

Every person is generated from the scenario seed and their own index, so the same scenario
always yields the same people, and a person's fingerprints are those of identity ``index`` of
population ``seed`` (:func:`scomm.biometrics.synthetic.identity_impression`): regenerated on
demand instead of held in memory, and generated in bulk for the million IDENT identities of the
1:100 national replay (:func:`scomm.biometrics.synthetic.make_captures`).

What is true (``Person``) and what the systems record (``records_for``) are kept apart on
purpose: records are derived from truth with the staleness the seeds describe, such as a
naturalised citizen whose Central Index entry still says permanent resident.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from scomm.policy.catalog import OffenseCatalog
from scomm.sim.calibration import CountyRates
from scomm.sim.jurisdictions import Jurisdiction

POPULATION = Path(__file__).parent / "population.yaml"

CITIZEN_STATUSES = frozenset({"citizen_by_birth", "naturalized_citizen", "usc_adoptive_parent",
                              "usc_trusted_traveler"})

#: Seed streams: each purpose draws from its own generator so adding draws in one place does
#: not shift every other random choice of the run. (Streams 1 and 3 drew prints; prints are now
#: keyed by identity in :mod:`scomm.biometrics.synthetic`.)
STREAM_PEOPLE, STREAM_BOOKINGS, STREAM_WORLD = 0, 2, 4


def load_params(path: Path = POPULATION) -> dict[str, Any]:
    params: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return params


def rng_for(seed: int, stream: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, *key])


@dataclass(frozen=True)
class Prior:
    """A past arrest as it really happened (the FBI record may lack its disposition)."""

    arrested_on: date
    ncic_code: str
    convicted: bool
    sentence_days: int


@dataclass
class Person:
    index: int
    person_id: str
    status: str
    fips5: str
    sex: str
    born_on: date
    first_name: str
    last_name: str
    place_of_birth: str
    ethnicity: str
    race: str
    language: str
    level1_propensity: bool
    priors: list[Prior] = field(default_factory=list)
    immigration: dict[str, str] = field(default_factory=dict)
    ident_id: str | None = None
    fbi_number: str | None = None
    booked: bool = True


def is_victim_or_witness(person: Person, share: float) -> bool:
    """Whether the person is a victim or witness in a pending matter (ground truth).

    Drawn from a hash of the person's id rather than the people stream, so adding this trait
    left every earlier draw of the nation, and every scenario's results, as they were."""
    digest = hashlib.blake2b(f"victim:{person.person_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def claim_is_true(person: Person, claim: str, victim_share: float) -> bool:
    """Whether a hotline claim (citizenship, or being a victim or witness) is really so."""
    if claim == "citizen":
        return person.status in CITIZEN_STATUSES
    return is_victim_or_witness(person, victim_share)


def pick(rng: np.random.Generator, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    p = np.asarray([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _syllable_name(rng: np.random.Generator, parts: int) -> str:
    """Names built from syllables, so no generated person can carry a real person's name."""
    consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
    word = "".join(consonants[rng.integers(len(consonants))] + vowels[rng.integers(len(vowels))]
                   for _ in range(parts))
    return string.capwords(word)


def never_encountered_share(params: Mapping[str, Any], match_rate: float) -> float:
    """Of a county's arrestees without an IDENT record, the share born abroad and never
    encountered (the rest are citizens by birth): so many per IDENT match, at most half."""
    return min(0.5, float(params["never_encountered_per_match"]) * match_rate
               / max(1e-9, 1.0 - match_rate))


PersonClass = Literal["ident_level1", "ident_other", "never_encountered", "citizen"]


def class_weights(params: Mapping[str, Any], rates: CountyRates) -> dict[PersonClass, float]:
    """The shares of a county's arrestees in each class, as :meth:`NationBuilder._new_person`
    draws them: in IDENT at the county's match rate (with the Level 1 propensity at its Level
    1 share), otherwise never encountered or a citizen by birth."""
    m, l1 = rates.ident_match_rate, rates.level1_share
    never = never_encountered_share(params, m)
    return {"ident_level1": m * l1, "ident_other": m * (1 - l1),
            "never_encountered": (1 - m) * never, "citizen": (1 - m) * (1 - never)}


def _days(rng: np.random.Generator, low_years: float, high_years: float) -> timedelta:
    return timedelta(days=int(rng.uniform(low_years, high_years) * 365.25))


class ChargeModel:
    """Draws NCIC charges by series share, split by the 2008 offense level for calibration."""

    def __init__(self, catalog: OffenseCatalog, params: Mapping[str, Any]) -> None:
        self.catalog = catalog
        self._per_booking = {int(k): float(v) for k, v in params["charges_per_booking"].items()}
        series: Mapping[str, float] = params["charge_series"]
        minor_share = float(params["minor_traffic_share_of_traffic"])
        codes: list[str] = []
        weights: list[float] = []
        for code in catalog.codes():
            head = code[:2]
            if head not in series or (code.endswith("99") and head != "54"):
                continue
            offense = catalog.get(code)
            if head == "54":
                members = [c for c in catalog.codes() if c[:2] == "54"
                           and catalog.get(c).minor_traffic == offense.minor_traffic]
                share = minor_share if offense.minor_traffic else 1.0 - minor_share
                weight = series[head] * share / len(members)
            else:
                members = [c for c in catalog.codes() if c[:2] == head and not c.endswith("99")]
                weight = series[head] / max(1, len(members))
            codes.append(code)
            weights.append(weight)
        self.codes = np.asarray(codes)
        w = np.asarray(weights)
        level1 = np.asarray([catalog.get(c).sc_level_2008 == 1 for c in codes])
        self._p_l1 = np.where(level1, w, 0.0) / np.where(level1, w, 0.0).sum()
        self._p_other = np.where(~level1, w, 0.0) / np.where(~level1, w, 0.0).sum()
        self._removable = np.asarray([bool(catalog.get(c).aggravated_felony_class)
                                      or c.startswith("35") for c in codes])

        minor = np.asarray([catalog.get(c).minor_traffic for c in codes])
        other = np.where(level1, 0.0, w)
        minor_of_other = float(other[minor].sum() / other.sum())
        #: The share of bookings charged with minor traffic offences only (every charge of a
        #: person with no pull toward Level 1 crime, whose charges are drawn independently).
        self.minor_traffic_only_share = sum(p * minor_of_other ** n
                                            for n, p in self._per_booking.items())
        self._p_minor = np.where(minor, w, 0.0) / np.where(minor, w, 0.0).sum()

    def booking_codes(self, rng: np.random.Generator, person: Person) -> tuple[str, ...]:
        """The charges of one booking of ``person``: one to three, the first possibly Level 1
        for a person inclined to serious crime who has no Level 1 conviction yet."""
        n = int(pick(rng, self._per_booking))
        pulled = self._pulled_to_level1(person)
        codes = [self.draw(rng, pulled and i == 0) for i in range(n)]
        return tuple(dict.fromkeys(codes))

    def _pulled_to_level1(self, person: Person) -> bool:
        """Inclined to serious crime with no Level 1 conviction yet: the first charge is one."""
        return person.level1_propensity and not any(
            self.catalog.get(pr.ncic_code).sc_level_2008 == 1 for pr in person.priors
            if pr.convicted)

    def minor_traffic_only_chance(self, person: Person) -> float:
        """The chance that a booking of ``person`` is for minor traffic offences only."""
        return 0.0 if self._pulled_to_level1(person) else self.minor_traffic_only_share

    def draw(self, rng: np.random.Generator, level1: bool) -> str:
        return str(rng.choice(self.codes, p=self._p_l1 if level1 else self._p_other))

    def draw_minor_traffic(self, rng: np.random.Generator) -> str:
        return str(rng.choice(self.codes, p=self._p_minor))

    def draw_removable(self, rng: np.random.Generator) -> str:
        p = np.where(self._removable, self._p_l1 + self._p_other, 0.0)
        return str(rng.choice(self.codes, p=p / p.sum()))


@dataclass
class Nation:
    """All synthetic people of a run, the booking pools per county, and how to print them."""

    seed: int
    people: list[Person]
    pools: dict[str, list[int]]
    params: dict[str, Any]

    @cached_property
    def by_id(self) -> dict[str, Person]:
        return {p.person_id: p for p in self.people}


class NationBuilder:
    def __init__(self, seed: int, start: date, end: date, catalog: OffenseCatalog,
                 params: Mapping[str, Any] | None = None) -> None:
        self.seed = seed
        self.start = start
        self.end = end
        self.params = dict(params or load_params())
        self.charges = ChargeModel(catalog, self.params)
        self.catalog = catalog
        self.people: list[Person] = []

    # ------------------------------------------------------------------ people
    def _new_person(self, fips5: str, match_rate: float, level1_share: float,
                    booked: bool, never_share: float | None = None) -> Person:
        index = len(self.people)
        rng = rng_for(self.seed, STREAM_PEOPLE, index)
        p = self.params
        in_ident = rng.random() < match_rate
        if in_ident:
            status = str(pick(rng, p["ident_status_mix"]))
        else:
            never = (never_encountered_share(p, match_rate) if never_share is None
                     else never_share)
            status = "ewi_never_encountered" if rng.random() < never else "citizen_by_birth"
        native = status in {"citizen_by_birth", "usc_adoptive_parent", "usc_trusted_traveler"}
        age = float(rng.uniform(18, 62))
        if native:
            pob = fips5[:2]
            ethnicity = str(pick(rng, p["native_ethnicity"]))
            language = "Spanish" if ethnicity == "Hispanic" and rng.random() < 0.15 else "English"
            race = str(pick(rng, p["native_race"]))
        else:
            pob = str(pick(rng, p["foreign_birthplaces"]))
            spanish = pob in p["spanish_speaking_birthplaces"]
            ethnicity = "Hispanic" if spanish else "Not Hispanic"
            language = "Spanish" if spanish and rng.random() < 0.7 else "English"
            race = "White" if spanish else str(pick(rng, p["native_race"]))
        person = Person(
            index=index, person_id=f"P{index:08d}", status=status, fips5=fips5,
            sex="M" if rng.random() < 0.75 else "F",
            born_on=self.start - timedelta(days=int(age * 365.25)),
            first_name=_syllable_name(rng, 2 + int(rng.integers(2))),
            last_name=_syllable_name(rng, 2 + int(rng.integers(3))),
            place_of_birth=pob, ethnicity=ethnicity, race=race, language=language,
            level1_propensity=bool(rng.random() < (level1_share if in_ident else 0.2)),
            booked=booked)
        self._criminal_history(person, rng)
        self._immigration(person, rng)
        if in_ident:
            person.ident_id = f"I{index:09d}"
        if person.priors:
            person.fbi_number = f"{index:07d}S"
        self.people.append(person)
        return person

    def _criminal_history(self, person: Person, rng: np.random.Generator) -> None:
        n = int(pick(rng, {int(k): v for k, v in self.params["prior_arrests"].items()}))
        if person.status == "lpr_removable_conviction":
            n = max(n, 1)
        rate = float(self.params["prior_conviction_rate"])
        for i in range(n):
            level1 = person.level1_propensity and i == 0 and rng.random() < 0.5
            code = self.charges.draw(rng, level1)
            if person.status == "lpr_removable_conviction" and i == 0:
                code = self.charges.draw_removable(rng)
            convicted = bool((person.status == "lpr_removable_conviction" and i == 0)
                             or rng.random() < rate or level1)
            offense = self.catalog.get(code)
            sentence = (min(offense.max_sentence_days, int(rng.integers(0, 365)))
                        if convicted else 0)
            person.priors.append(Prior(arrested_on=self.start - _days(rng, 0.2, 15),
                                       ncic_code=code, convicted=convicted,
                                       sentence_days=sentence))
        person.priors.sort(key=lambda pr: pr.arrested_on)

    def _immigration(self, person: Person, rng: np.random.Generator) -> None:
        t0, s, imm = self.start, person.status, person.immigration
        if s in {"naturalized_citizen", "lpr", "lpr_removable_conviction"}:
            imm["lpr_since"] = (t0 - _days(rng, 1, 25)).isoformat()
            imm["a_number"] = f"A{200000000 + person.index:09d}"
        if s == "naturalized_citizen":
            since = date.fromisoformat(imm["lpr_since"])
            imm["naturalized_on"] = (since + (t0 - since) * float(rng.uniform(0.3, 0.95))
                                     ).isoformat()
        elif s == "usc_adoptive_parent":
            imm["adoption_petition_on"] = (t0 - _days(rng, 1, 15)).isoformat()
        elif s == "usc_trusted_traveler":
            imm["enrolled_on"] = (t0 - _days(rng, 0.5, 4)).isoformat()
        elif s == "lawful_nonimmigrant":
            imm["entered_on"] = (t0 - _days(rng, 0.1, 2)).isoformat()
            imm["admitted_until"] = (self.end + _days(rng, 0.5, 3)).isoformat()
            imm["visa_class"] = str(pick(rng, {"H2A": 0.3, "B2": 0.3, "F1": 0.2, "H1B": 0.2}))
        elif s == "overstay":
            entered = t0 - _days(rng, 1, 10)
            imm["entered_on"] = entered.isoformat()
            imm["admitted_until"] = (entered + _days(rng, 0.25, 0.9)).isoformat()
            imm["visa_class"] = str(pick(rng, {"B2": 0.7, "F1": 0.15, "H2B": 0.15}))
        elif s in {"entered_without_inspection", "ewi_never_encountered"}:
            entered = t0 - _days(rng, 0.1, 12)
            imm["entered_on"] = entered.isoformat()
            if s == "entered_without_inspection":
                imm["apprehended_on"] = (entered - _days(rng, 0.0, 2)).isoformat()
        elif s == "removed_reentered":
            removed = t0 - _days(rng, 0.3, 10)
            imm["final_order_on"] = (removed - _days(rng, 0.05, 1)).isoformat()
            imm["removed_on"] = removed.isoformat()
            imm["entered_on"] = min(t0 - timedelta(days=7),
                                    removed + _days(rng, 0.05, 2)).isoformat()
        elif s == "fugitive":
            imm["final_order_on"] = (t0 - _days(rng, 0.5, 10)).isoformat()
            imm["entered_on"] = (date.fromisoformat(imm["final_order_on"])
                                 - _days(rng, 1, 10)).isoformat()

    def county_pool(self, j: Jurisdiction, rates: CountyRates, expected_bookings: float,
                    pool_factor: float) -> list[int]:
        size = max(1, round(expected_bookings * pool_factor))
        return [self._new_person(j.fips5, rates.ident_match_rate, rates.level1_share,
                                 booked=True).index for _ in range(size)]

    def of_class(self, fips5: str, kind: PersonClass) -> Person:
        """A person of one class of :func:`class_weights`, for drawing a county's arrestees
        as a mixture of classes instead of one by one (:mod:`scomm.sim.ledger`)."""
        match_rate, level1_share, never = {"ident_level1": (1.0, 1.0, 0.0),
                                           "ident_other": (1.0, 0.0, 0.0),
                                           "never_encountered": (0.0, 0.0, 1.0),
                                           "citizen": (0.0, 0.0, 0.0)}[kind]
        return self._new_person(fips5, match_rate, level1_share, booked=False,
                                never_share=never)

    def background(self, fips5s: Sequence[str], count: int) -> None:
        """IDENT identities never booked in the run: what makes the 1:N search a real search."""
        rng = rng_for(self.seed, STREAM_PEOPLE, 2**31)
        for _ in range(count):
            fips5 = fips5s[int(rng.integers(len(fips5s)))]
            self._new_person(fips5, match_rate=1.0, level1_share=0.2, booked=False)

    def build(self, pools: dict[str, list[int]]) -> Nation:
        return Nation(seed=self.seed, people=self.people, pools=pools, params=self.params)


# ---------------------------------------------------------------------- records
ENCOUNTER_TYPE = {
    "naturalized_citizen": "benefit_application",
    "usc_adoptive_parent": "adoption_petitioner",
    "usc_trusted_traveler": "trusted_traveler",
    "lpr": "benefit_application",
    "lpr_removable_conviction": "benefit_application",
    "lawful_nonimmigrant": "visa_applicant",
    "overstay": "visa_applicant",
    "entered_without_inspection": "border_apprehension",
    "removed_reentered": "removal",
    "fugitive": "removal_proceedings",
}


def records_for(person: Person, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The federal source entries about ``person``, with realistic staleness.

    Keyed by the IDENT identity, which is what the support center holds after a match.
    """
    if person.ident_id is None:
        return []
    stale = params["staleness"]
    rng = rng_for(0, STREAM_PEOPLE, person.index, 7)
    imm, key = person.immigration, person.ident_id
    out: list[dict[str, Any]] = []

    def rec(source: str, on: str, **payload: Any) -> None:
        out.append({"source": source, "subject_key": key, "record_key": f"{source}-{len(out)}",
                    "payload": payload, "recorded_on": date.fromisoformat(on)})

    first_seen = (imm.get("apprehended_on") or imm.get("entered_on") or imm.get("lpr_since")
                  or imm.get("adoption_petition_on") or imm.get("enrolled_on")
                  or imm.get("final_order_on") or "2000-01-01")
    rec("IDENT", first_seen, encounter_type=ENCOUNTER_TYPE[person.status],
        encountered_on=first_seen)
    if "a_number" in imm:
        naturalized = "naturalized_on" in imm
        status = ("lpr" if naturalized and rng.random() < stale["cis_status_not_updated"]
                  else "naturalized" if naturalized else "lpr")
        rec("CIS", imm["lpr_since"], a_number=imm["a_number"], status=status,
            status_on=imm.get("naturalized_on", imm["lpr_since"]) if status == "naturalized"
            else imm["lpr_since"])
    if "naturalized_on" in imm and rng.random() >= stale["naturalization_record_missing"]:
        rec("CLAIMS", imm["naturalized_on"], naturalized_on=imm["naturalized_on"])
    if "admitted_until" in imm:
        until = imm["admitted_until"]
        if person.status == "lawful_nonimmigrant" and rng.random() < stale[
                "visa_extension_unrecorded"]:
            until = (date.fromisoformat(imm["entered_on"]) + timedelta(days=180)).isoformat()
        rec("ADIS", imm["entered_on"], entered_on=imm["entered_on"], admitted_until=until,
            class_of_admission=imm["visa_class"])
        rec("CCD", imm["entered_on"], visa_class=imm["visa_class"])
    if "final_order_on" in imm:
        rec("EOIR", imm["final_order_on"], final_order_on=imm["final_order_on"])
    if "removed_on" in imm:
        rec("ENFORCE", imm["removed_on"], removed_on=imm["removed_on"])
    if person.status == "fugitive" and rng.random() >= stale["fugitive_not_in_ncic"]:
        rec("NCIC-IVF", imm["final_order_on"], fugitive=True,
            final_order_on=imm["final_order_on"])
    return out


def history_for(person: Person, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The FBI's record of the person's prior arrests; some dispositions never arrived."""
    if person.fbi_number is None:
        return []
    rng = rng_for(0, STREAM_PEOPLE, person.index, 11)
    missing = float(params["staleness"]["arrest_without_disposition"])
    return [{"event_key": f"prior:{person.person_id}:{i}", "fbi_number": person.fbi_number,
             "arrested_on": pr.arrested_on, "ncic_code": pr.ncic_code,
             "convicted": None if rng.random() < missing else pr.convicted,
             "sentence_days": pr.sentence_days if pr.convicted else None,
             "fips5": person.fips5} for i, pr in enumerate(person.priors)]


def expected_bookings(rates: CountyRates, days: int, scale: float) -> float:
    return rates.bookings_per_day * days * scale

