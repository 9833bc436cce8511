"""The API's request and reply bodies, so the OpenAPI document describes every field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scomm.domain.messages import ComplaintCategory, ComplaintStep


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(Body):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    token: str
    username: str
    idle_minutes: int


class GrantOut(BaseModel):
    role: str
    domain: str


class MeOut(BaseModel):
    username: str
    grants: list[GrantOut]


class Accepted(BaseModel):
    """A command is durable: its effects follow in the background; ``links`` say where."""

    status: Literal["accepted"] = "accepted"
    ref: str
    links: dict[str, str]


class BookingSummary(BaseModel):
    booking_id: str
    ori: str
    fips5: str
    booked_at: datetime
    matched: bool | None


class BookingOut(BaseModel):
    booking_id: str
    ori: str
    fips5: str
    booked_at: datetime
    biographic: dict[str, Any]
    charges: list[dict[str, Any]]


class ResponseItem(BaseModel):
    kind: str
    received_at: datetime
    body: dict[str, Any]


class CombinedResponse(BaseModel):
    """What the jail has received: criminal history, the IDR/IAR where it receives them, a
    detainer; ``complete`` once the immigration answer (or the reason none came) is in."""

    booking_id: str
    complete: bool
    responses: list[ResponseItem]


class CaseSummary(BaseModel):
    case_id: str
    booking_id: str
    fips5: str
    aor: str
    state: str
    status: str
    offense_level: int
    opened_at: datetime
    due_at: datetime
    recommended_action: str | None
    closed_at: datetime | None


class Fact(BaseModel):
    seq: int
    name: str
    value: Any
    source: str
    queried_at: datetime
    confidence: float


class CaseOut(CaseSummary):
    charges: list[dict[str, Any]]
    lea_receives: bool
    dossier: list[Fact]
    decision: dict[str, Any] | None
    encounter: dict[str, Any] | None
    disposition: dict[str, Any] | None


class QueueItemOut(BaseModel):
    ref_id: str
    booking_id: str
    waiting_for: str
    due_at: datetime | None
    overdue: bool


class Decide(Body):
    override_action: str | None = Field(default=None, max_length=40)
    override_reason: str | None = Field(default=None, max_length=500)


class Encounter(Body):
    method: Literal["in_person", "telephone", "video", "records_only"]
    encountered_at: datetime
    location: str = Field(min_length=2, max_length=80)
    subject_contacted: bool


class Disposition(Body):
    disposition: str = Field(min_length=1, max_length=60)
    narrative: str = Field(min_length=10, max_length=4000)


class DetainerOut(BaseModel):
    detainer_id: str
    case_id: str
    booking_id: str
    fips5: str
    aor: str
    state: str
    issued_at: datetime
    operative_upon_conviction: bool
    release_at: datetime | None
    deadline_at: datetime | None
    ended_at: datetime | None
    held_hours: float | None
    past_limit: bool
    seconds_left: float | None


class Release(Body):
    release_at: datetime
    facility_tz: str = Field(min_length=3, max_length=40)


class Cancel(Body):
    reason: str = Field(min_length=3, max_length=500)


class HotlineCall(Body):
    call_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")
    booking_id: str = Field(min_length=1, max_length=64)
    channel: Literal["hotline", "agency_flag"]
    claim: Literal["citizen", "victim"]


class HotlineOut(BaseModel):
    call_id: str
    booking_id: str
    case_id: str | None
    channel: str
    claim: str
    received_at: datetime
    due_at: datetime | None
    state: str
    outcome: str | None
    fips5: str


class ComplaintIn(Body):
    """Anyone may complain (web form, hotline, mail, from jail); who they are stays with CRCL."""

    channel: Literal["web", "hotline", "mail", "jail"] = "web"
    category: ComplaintCategory
    allegation: str = Field(min_length=10, max_length=4000)
    fips5: str | None = Field(default=None, pattern=r"^\d{5}$")
    booking_id: str | None = Field(default=None, max_length=64)
    complainant_name: str = Field(min_length=1, max_length=120)
    complainant_contact: str = Field(min_length=1, max_length=200)


class ComplaintReceipt(BaseModel):
    complaint_id: str
    status: Literal["received"] = "received"


class ComplaintOut(BaseModel):
    complaint_id: str
    channel: str
    fips5: str | None
    booking_id: str | None
    category: str
    allegation: str
    state: str
    received_at: datetime
    priority: str | None
    finding: str | None
    closed_at: datetime | None
    steps: list[dict[str, Any]] = []


class ComplaintStepIn(Body):
    step: ComplaintStep
    note: str = Field(min_length=3, max_length=4000)
    priority: Literal["high", "normal"] | None = None
    finding: Literal["substantiated", "unsubstantiated", "withdrawn"] | None = None


class Complainant(BaseModel):
    name: str
    contact: str


class JurisdictionOut(BaseModel):
    fips5: str
    state_abbr: str
    county_name: str
    aor: str | None
    activation_date: date | None
    tz: str
    activated: bool
    shared_with_ident: bool
    agency_receives: bool
    rule_id: str


class AccountIn(Body):
    username: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._]+$")
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=200)
    grants: list[GrantOut] = Field(min_length=1, max_length=50)


class GrantsIn(Body):
    grants: list[GrantOut] = Field(max_length=50)


class AuditVerifyOut(BaseModel):
    intact: bool
    first_bad: int | None = None
    problem: str | None = None
    entries: int = 0
    head_hash: str = ""
    checkpoints: int = 0
    signatures_checked: bool = False
    covered: int = 0
    inclusion_checked: int = 0
