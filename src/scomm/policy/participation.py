"""Whether a booking's prints were shared with IDENT on a date, and who received the results.

OIG-12-66 found that the definition of "participation" changed seven times between August
2009 and October 2010 and that ICE never said plainly what was optional (recommendation 1).
So the definitions are data (``rulebooks/participation.yaml``), each dated and sourced, and
this module answers from them for any date:

* :func:`routing_on`: shared with IDENT iff the county was activated on that date and no
  election honored by the definition in force postpones it; a "limited" election keeps the
  sharing but the agency does not receive the results (ICE still does). After the MOAs were
  cancelled (August 2011) opting out is no longer possible and elections are ignored; from the
  nationwide completion (2013-01-22) every county counts as activated.
* :func:`optional_aspects_on`: what a state or agency could choose on that date.
* :func:`forwards_minor_offense_prints`: a state may choose not to send minor-offense prints
  to the FBI at all; such bookings never reach IAFIS or IDENT.
* :func:`moa_on` and :func:`may_opt_out`: a state's agreement on a date, and the one official
  answer to "may we opt out?" for a state or county on a date. The answer is generated from
  the same honored terms :func:`routing_on` applies, so the answer given and the routing done
  cannot disagree, and two answers for the same date and place are always the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scomm.domain.errors import InvalidInput
from scomm.domain.jurisdiction import JurisdictionInfo
from scomm.domain.messages import Routing

ElectionMode = Literal["full", "limited", "postponed", "no_minor_offense_prints"]
Scope = Literal["county", "state"]

_FIPS5 = re.compile(r"^\d{5}$")
_STATE = re.compile(r"^[A-Z]{2}$")
PARTICIPATION_FILE = "participation.yaml"


@dataclass(frozen=True, slots=True)
class Election:
    """A choice a county (``fips5``) or a whole state (``state_abbr``) asked for on a date.

    ``no_minor_offense_prints`` is a state's choice about what it sends to the FBI, so it is
    state-wide only; the other modes are participation options a definition may honor.
    """

    mode: ElectionMode
    requested_on: dt.date
    fips5: str | None = None
    state_abbr: str | None = None

    def __post_init__(self) -> None:
        if (self.fips5 is None) == (self.state_abbr is None):
            raise InvalidInput("election", "give exactly one of fips5 (county) or state_abbr")
        if self.fips5 is not None and not _FIPS5.match(self.fips5):
            raise InvalidInput("election.fips5", f"must be 5 digits, got {self.fips5!r}")
        if self.state_abbr is not None and not _STATE.match(self.state_abbr):
            raise InvalidInput(
                "election.state_abbr", f"must be 2 capitals, got {self.state_abbr!r}"
            )
        if self.mode not in ("full", "limited", "postponed", "no_minor_offense_prints"):
            raise InvalidInput("election.mode", f"unknown mode {self.mode!r}")
        if self.mode == "no_minor_offense_prints" and self.state_abbr is None:
            raise InvalidInput("election.mode", "only a state chooses what it sends to the FBI")

    @property
    def scope(self) -> Scope:
        return "county" if self.fips5 is not None else "state"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HonoredTerms(_Model):
    """How a definition honors one election mode: by whom, after what notice, through what."""

    scopes: tuple[Scope, ...] = Field(min_length=1)
    notice_days: int = Field(ge=0)
    requires_moa: bool
    how: str = Field(min_length=1)


class Definition(_Model):
    """One dated definition of participation (OIG-12-66 Appendix E, plus the MOA events)."""

    id: str = Field(min_length=1)
    effective_from: dt.date
    summary: str
    source: str
    honored: dict[str, HonoredTerms]
    elections_ignored: bool = False
    all_activated: bool = False
    optional_aspects: tuple[str, ...]

    @field_validator("honored")
    @classmethod
    def _modes(cls, v: dict[str, HonoredTerms]) -> dict[str, HonoredTerms]:
        unknown = sorted(set(v) - {"limited", "postponed"})
        if unknown:
            raise ValueError(f"only limited/postponed are honored modes, got {unknown}")
        return v

    @field_validator("summary", "source")
    @classmethod
    def _one_line(cls, v: str) -> str:
        return " ".join(v.split())


class _AlwaysOptional(_Model):
    text: str
    source: str


class ParticipationRules(_Model):
    """The participation rulebook: definitions in date order and the state MOAs."""

    name: str
    version: str
    source: str
    program_start: dt.date
    moa_termination_notice_days: int = Field(ge=0)
    always_optional: tuple[_AlwaysOptional, ...]
    definitions: tuple[Definition, ...] = Field(min_length=1)
    moas: dict[str, tuple[dt.date, dt.date]]

    def model_post_init(self, context: object, /) -> None:
        ids = [d.id for d in self.definitions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate definition ids in {ids}")
        days = [d.effective_from for d in self.definitions]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("definitions must be in strictly increasing effective_from order")
        if days[0] != self.program_start:
            raise ValueError("the first definition must start on program_start")
        for state in self.moas:
            if not _STATE.match(state):
                raise ValueError(f"moas: {state!r} is not a state abbreviation")

    def definition_on(self, on: dt.date) -> Definition | None:
        """The definition in force on ``on`` (None before the program started)."""
        current: Definition | None = None
        for definition in self.definitions:
            if definition.effective_from <= on:
                current = definition
        return current

    def moa_in_force_from(self, state_abbr: str) -> dt.date | None:
        """When the state's MOA took effect: the later of its two signatures."""
        dates = self.moas.get(state_abbr)
        return max(dates) if dates else None


def parse_participation(text: str, file: str = PARTICIPATION_FILE) -> ParticipationRules:
    """Parse and validate the participation rulebook; errors name the file and the entry."""
    try:
        data = yaml.safe_load(text)
        return ParticipationRules.model_validate(data)
    except yaml.YAMLError as exc:
        raise InvalidInput(file, f"not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        where = ".".join(str(p) for p in loc)
        if loc[:1] == ["definitions"] and len(loc) > 1 and isinstance(data, Mapping):
            with contextlib.suppress(IndexError, KeyError, TypeError):
                where = f"definition {data['definitions'][loc[1]]['id']}: {where}"
        raise InvalidInput(f"{file}: {where}", first["msg"]) from exc


@cache
def load_participation() -> ParticipationRules:
    """The packaged participation rulebook, validated once per process."""
    folder = resources.files("scomm.policy").joinpath("rulebooks")
    return parse_participation(folder.joinpath(PARTICIPATION_FILE).read_text("utf-8"))


def _applicable(
    elections: Sequence[Election], on: dt.date, state_abbr: str, fips5: str
) -> list[Election]:
    return [
        e
        for e in elections
        if e.mode != "no_minor_offense_prints"
        and e.requested_on <= on
        and (e.fips5 == fips5 or (e.fips5 is None and e.state_abbr == state_abbr))
    ]


def routing_on(
    on: dt.date,
    state_abbr: str,
    fips5: str,
    activation_date: dt.date | None,
    elections: Sequence[Election],
    *,
    rules: ParticipationRules | None = None,
) -> Routing:
    """Whether a booking on ``on`` in county ``fips5`` was shared with IDENT, and whether the
    booking agency received the results, with the rule that says so.

    Of the elections for the county or its state requested by ``on``, the latest applies (a
    county's own election wins a tie with its state's). An election the definition in force
    does not honor (wrong scope, notice period not yet run, no MOA to terminate) leaves full
    participation, and the reason says why.
    """
    if not _FIPS5.match(fips5):
        raise InvalidInput("fips5", f"must be 5 digits, got {fips5!r}")
    if not _STATE.match(state_abbr):
        raise InvalidInput("state_abbr", f"must be 2 capitals, got {state_abbr!r}")
    book = load_participation() if rules is None else rules
    definition = book.definition_on(on)
    if definition is None:
        return Routing(
            shared=False,
            lea_receives=False,
            rule_id="participation/before-program",
            reason=f"Secure Communities began {book.program_start.isoformat()}; prints were "
            "checked against IAFIS only",
        )
    rid = f"participation/{definition.id}"
    activated = definition.all_activated or (activation_date is not None and activation_date <= on)
    if not activated:
        when = activation_date.isoformat() if activation_date else "unknown"
        return Routing(
            shared=False,
            lea_receives=False,
            rule_id=f"{rid}/not-activated",
            reason=f"county {fips5} not activated on {on.isoformat()} (activation {when}); "
            "prints checked against IAFIS only",
        )
    relevant = _applicable(elections, on, state_abbr, fips5)
    if definition.elections_ignored:
        ignored = f"; {len(relevant)} election(s) ignored" if relevant else ""
        return Routing(
            shared=True,
            lea_receives=True,
            rule_id=f"{rid}/shared",
            reason=f"{definition.summary} Shared with IDENT, results to the agency{ignored}",
        )
    if not relevant:
        return Routing(
            shared=True,
            lea_receives=True,
            rule_id=f"{rid}/full",
            reason="activated; full participation (no election)",
        )
    election = max(relevant, key=lambda e: (e.requested_on, e.scope == "county"))
    label = (
        f"{election.mode} election of {election.requested_on.isoformat()} by the {election.scope}"
    )
    if election.mode == "full":
        return Routing(
            shared=True, lea_receives=True, rule_id=f"{rid}/full", reason=f"activated; {label}"
        )
    terms = definition.honored.get(election.mode)
    problem = _not_honored(book, definition, election, terms, state_abbr, on)
    if problem or terms is None:
        return Routing(
            shared=True,
            lea_receives=True,
            rule_id=f"{rid}/election-not-honored",
            reason=f"activated; {label} not honored: {problem}; full participation",
        )
    if election.mode == "postponed":
        return Routing(
            shared=False,
            lea_receives=False,
            rule_id=f"{rid}/postponed",
            reason=f"{label}: {terms.how}; prints not shared with IDENT",
        )
    return Routing(
        shared=True,
        lea_receives=False,
        rule_id=f"{rid}/limited",
        reason=f"{label}: {terms.how}; shared with IDENT, results to ICE but not to the agency",
    )


def _not_honored(
    book: ParticipationRules,
    definition: Definition,
    election: Election,
    terms: HonoredTerms | None,
    state_abbr: str,
    on: dt.date,
) -> str:
    """Why the definition in force does not honor the election ('' if it does)."""
    if terms is None:
        return f"not an option under {definition.id}"
    if election.scope not in terms.scopes:
        return f"not an option for a {election.scope} under {definition.id}"
    if terms.requires_moa:
        moa = book.moa_in_force_from(state_abbr)
        if moa is None or moa > election.requested_on:
            return f"{state_abbr} had no MOA in force to terminate"
    effective = election.requested_on + dt.timedelta(days=terms.notice_days)
    if effective > on:
        return f"takes effect {effective.isoformat()} ({terms.notice_days} days' notice)"
    return ""


def optional_aspects_on(on: dt.date, *, rules: ParticipationRules | None = None) -> list[str]:
    """What was optional for states and agencies on ``on`` (OIG-12-66 recommendation 1)."""
    book = load_participation() if rules is None else rules
    definition = book.definition_on(on)
    if definition is None:
        return []
    always = [" ".join(a.text.split()) for a in book.always_optional]
    return [*definition.optional_aspects, *always]


def participation_definition_on(
    on: dt.date, *, rules: ParticipationRules | None = None
) -> Definition | None:
    """The participation definition in force on ``on``, to print with its source."""
    return (load_participation() if rules is None else rules).definition_on(on)


def forwards_minor_offense_prints(
    state_abbr: str,
    on: dt.date,
    elections: Sequence[Election],
    *,
    rules: ParticipationRules | None = None,
) -> bool:
    """Whether the state sends minor-offense prints to the FBI on ``on`` (default yes).

    The state's latest state-wide election among ``no_minor_offense_prints`` and ``full``
    requested by ``on`` decides; this choice is the state's own and stays possible after the
    MOA cancellation (ICE's 2012-04-27 response still describes it).
    """
    book = load_participation() if rules is None else rules
    if on < book.program_start:
        return True
    choices = [
        e
        for e in elections
        if e.state_abbr == state_abbr
        and e.mode in ("no_minor_offense_prints", "full")
        and e.requested_on <= on
    ]
    if not choices:
        return True
    return max(choices, key=lambda e: e.requested_on).mode != "no_minor_offense_prints"


MoaState = Literal["none", "not yet in force", "in force", "cancelled"]


@dataclass(frozen=True, slots=True)
class MoaStatus:
    """A state's Secure Communities MOA as of a date: signatures, clause, cancellation."""

    state_abbr: str
    on: dt.date
    ice_signed_on: dt.date | None
    state_signed_on: dt.date | None
    in_force_from: dt.date | None
    cancelled_on: dt.date | None
    termination_notice_days: int
    state: MoaState


def _cancellation(book: ParticipationRules) -> dt.date | None:
    """When the MOAs were cancelled: the first definition that ignores elections."""
    return next((d.effective_from for d in book.definitions if d.elections_ignored), None)


def moa_on(
    state_abbr: str, on: dt.date, *, rules: ParticipationRules | None = None
) -> MoaStatus:
    """The state's MOA on ``on``: in force from the later signature, terminable on the
    rulebook's notice, and void from the cancellation (August 2011)."""
    if not _STATE.match(state_abbr):
        raise InvalidInput("state_abbr", f"must be 2 capitals, got {state_abbr!r}")
    book = load_participation() if rules is None else rules
    dates = book.moas.get(state_abbr)
    ice, state = dates if dates else (None, None)
    start = book.moa_in_force_from(state_abbr)
    cancelled = _cancellation(book)
    status: MoaState
    if start is None:
        status = "none"
    elif cancelled is not None and on >= cancelled:
        status = "cancelled"
    elif on < start:
        status = "not yet in force"
    else:
        status = "in force"
    return MoaStatus(state_abbr, on, ice, state, start, cancelled,
                     book.moa_termination_notice_days, status)


@dataclass(frozen=True, slots=True)
class OptOutOption:
    """One way out the definition in force honors for the asker, and when it would apply."""

    mode: ElectionMode
    how: str
    notice_days: int
    effective_on: dt.date
    effect: str


@dataclass(frozen=True, slots=True)
class OptOutAnswer:
    """The official answer to "may we opt out?" for a state or county on a date."""

    on: dt.date
    state_abbr: str
    fips5: str | None
    definition_id: str | None
    source: str
    may_opt_out: bool
    options: tuple[OptOutOption, ...]
    text: str


_EFFECT = {
    "postponed": "prints are not shared with IDENT",
    "limited": "prints are still checked against IDENT; ICE receives the results, the agency "
    "does not",
}


def may_opt_out(
    on: dt.date,
    state_abbr: str,
    fips5: str | None = None,
    *,
    rules: ParticipationRules | None = None,
) -> OptOutAnswer:
    """What the rules in force on ``on`` let the state (or, with ``fips5``, the county) choose.

    Each honored mode is put to :func:`_not_honored`, the check :func:`routing_on` applies, as an
    election by this asker on ``on`` looked at once its notice has run; so an option is listed
    exactly when the routing would honor it, and a refusal gives the routing's own reason.
    """
    if fips5 is not None and not _FIPS5.match(fips5):
        raise InvalidInput("fips5", f"must be 5 digits, got {fips5!r}")
    if not _STATE.match(state_abbr):
        raise InvalidInput("state_abbr", f"must be 2 capitals, got {state_abbr!r}")
    book = load_participation() if rules is None else rules
    definition = book.definition_on(on)
    asker = f"county {fips5}" if fips5 else f"state {state_abbr}"
    if definition is None:
        return OptOutAnswer(on, state_abbr, fips5, None, book.source, False, (),
                            f"Secure Communities had not begun on {on.isoformat()} (it began "
                            f"{book.program_start.isoformat()}); there was nothing to opt out of.")
    options: list[OptOutOption] = []
    refused: list[str] = []
    for mode, terms in sorted(definition.honored.items()):
        election = Election(mode=mode, requested_on=on, fips5=fips5,  # type: ignore[arg-type]
                            state_abbr=None if fips5 else state_abbr)
        effective = on + dt.timedelta(days=terms.notice_days)
        problem = _not_honored(book, definition, election, terms, state_abbr, effective)
        if problem:
            refused.append(f"{mode}: {problem}")
        else:
            options.append(OptOutOption(election.mode, terms.how, terms.notice_days, effective,
                                        _EFFECT[mode]))
    if options:
        ways = "; ".join(
            f"{o.mode}: {o.how}, effective {o.effective_on.isoformat()} ({o.effect})"
            for o in options)
        text = f"Yes. On {on.isoformat()} the {asker} may choose — {ways}."
    elif definition.elections_ignored:
        text = f"No. {definition.summary}"
    else:
        why = "; ".join(refused) or "the definition in force offers no way out"
        text = (f"No. On {on.isoformat()} under {definition.id}: {why}. Prints are shared "
                "with IDENT from each county's activation.")
    always = " ".join(" ".join(a.text.split()) for a in book.always_optional)
    if always:
        text += f" In any case: {always}"
    return OptOutAnswer(on, state_abbr, fips5, definition.id, definition.source, bool(options),
                        tuple(options), text)


@dataclass(frozen=True, slots=True)
class JurisdictionOn:
    """One county on one date as the flow treats it: activation, area of responsibility, the
    routing of its bookings (and so whether its agencies receive the responses), and its
    state's choice about minor-offense prints."""

    jurisdiction: JurisdictionInfo
    on: dt.date
    activated: bool
    routing: Routing
    minor_offense_prints_sent: bool
    moa: MoaStatus


def jurisdiction_on(
    j: JurisdictionInfo,
    on: dt.date,
    elections: Sequence[Election],
    *,
    rules: ParticipationRules | None = None,
) -> JurisdictionOn:
    """What :func:`routing_on` and :func:`forwards_minor_offense_prints` decide for ``j`` on
    ``on``, with the same elections the flow reads, so the view is the flow's own answer."""
    book = load_participation() if rules is None else rules
    routing = routing_on(on, j.state_abbr, j.fips5, j.activation_date, elections, rules=book)
    return JurisdictionOn(
        j, on, j.activated_on(on), routing,
        forwards_minor_offense_prints(j.state_abbr, on, elections, rules=book),
        moa_on(j.state_abbr, on, rules=book))
