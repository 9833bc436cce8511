"""The messages that walk the flow (DESIGN "The flow").

Each arrow of the flow is one message type. Message ids are derived from the natural key of
what they announce (``mid("BookingSubmitted", booking_id)``), so a stage that runs twice after a
crash emits the *same* id and the consumer's inbox drops the repeat (invariant 7).

Commands are what actors outside the system say to it (a jail reports a release time, an
officer records a disposition, a court concludes proceedings); events are what the system
says happened. Both travel through the same bus.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, JsonValue, TypeAdapter

from scomm.domain.booking import Biographic, Booking, Charge, Frozen


def mid(kind: str, *parts: object) -> str:
    """Deterministic message id: the message kind and the natural key it is about."""
    return ":".join([kind, *(str(p) for p in parts)])


class Message(Frozen):
    """Base of every message: its id, when it happened (UTC-aware), and its kind tag."""

    kind: str
    message_id: str = Field(min_length=1)
    occurred_at: AwareDatetime
    is_command: ClassVar[bool] = False


class Command(Message):
    is_command: ClassVar[bool] = True


# ---------------------------------------------------------------- facts carried forward


class HistoryEntry(Frozen):
    """One arrest cycle of a criminal history record (IAFIS), with its court disposition."""

    arrested_on: date
    ncic_code: str
    convicted: bool | None = Field(description="None = no disposition reported (stale record)")
    sentence_days: int | None = None
    fips5: str | None = None


class Routing(Frozen):
    """Whether the booking's prints were shared with IDENT, and the rule that said so."""

    shared: bool
    lea_receives: bool
    rule_id: str
    reason: str


class Fact(Frozen):
    """A dossier fact with its provenance (DESIGN invariants 3 and 4)."""

    name: str
    value: JsonValue
    source: str
    queried_at: AwareDatetime
    confidence: float = Field(ge=0.0, le=1.0, default=1.0)


# ---------------------------------------------------------------- events


class BookingSubmitted(Message):
    kind: Literal["BookingSubmitted"] = "BookingSubmitted"
    booking: Booking


class SubmissionWithheld(Message):
    """The state bureau did not forward the prints to the FBI (state's minor-offense choice)."""

    kind: Literal["SubmissionWithheld"] = "SubmissionWithheld"
    booking_id: str
    fips5: str
    rule_id: str
    reason: str


class SubmissionForwarded(Message):
    kind: Literal["SubmissionForwarded"] = "SubmissionForwarded"
    booking_id: str
    ori: str
    fips5: str
    booked_at: AwareDatetime
    biographic: Biographic
    charges: tuple[Charge, ...]
    prints: str


class CriminalSearchCompleted(Message):
    kind: Literal["CriminalSearchCompleted"] = "CriminalSearchCompleted"
    booking_id: str
    ori: str
    fips5: str
    booked_at: AwareDatetime
    fbi_number: str
    new_identity: bool
    score: float
    biographic: Biographic
    charges: tuple[Charge, ...]
    history: tuple[HistoryEntry, ...]
    routing: Routing
    prints: str


class ImmigrationSearchCompleted(Message):
    kind: Literal["ImmigrationSearchCompleted"] = "ImmigrationSearchCompleted"
    booking_id: str
    ori: str
    fips5: str
    booked_at: AwareDatetime
    matched: bool
    ident_id: str | None
    score: float
    fbi_number: str
    biographic: Biographic
    charges: tuple[Charge, ...]
    history: tuple[HistoryEntry, ...]
    lea_receives: bool


StatusCode = Literal[
    "citizen",
    "naturalized_citizen",
    "lpr",
    "lpr_removable_conviction",
    "lawful_nonimmigrant",
    "overstay",
    "entered_without_inspection",
    "removed_reentered",
    "fugitive",
    "unable_to_determine",
]


class StatusDetermined(Message):
    """The support center's researched answer (the IAR), with the dossier behind it."""

    kind: Literal["StatusDetermined"] = "StatusDetermined"
    case_id: str
    booking_id: str
    ident_id: str
    fbi_number: str
    ori: str
    fips5: str
    aor: str
    booked_at: AwareDatetime
    status: StatusCode
    offense_level: int = Field(ge=1, le=3, description="2008 offense-based SC level")
    facts: tuple[Fact, ...]
    charges: tuple[Charge, ...]
    lea_receives: bool


class CaseAssigned(Message):
    kind: Literal["CaseAssigned"] = "CaseAssigned"
    case_id: str
    booking_id: str
    aor: str
    due_at: AwareDatetime
    recommended_action: str


class DecisionRecorded(Message):
    kind: Literal["DecisionRecorded"] = "DecisionRecorded"
    case_id: str
    booking_id: str
    policy_version: str
    priority: int | None
    conviction_level: int | None
    action: str
    reason: str
    officer: str
    followed_recommendation: bool


class DetainerIssued(Message):
    kind: Literal["DetainerIssued"] = "DetainerIssued"
    detainer_id: str
    case_id: str
    booking_id: str
    ori: str
    fips5: str
    operative_upon_conviction: bool


class PickupDue(Message):
    """A held person's detainer deadline is near and ICE has not taken custody: the transport
    desk is reminded while there is still time to arrive within the limit."""

    kind: Literal["PickupDue"] = "PickupDue"
    detainer_id: str
    case_id: str
    booking_id: str
    deadline_at: AwareDatetime


class DetainerAssumed(Message):
    kind: Literal["DetainerAssumed"] = "DetainerAssumed"
    detainer_id: str
    case_id: str
    booking_id: str
    held_hours: float
    past_limit: bool


class DetainerLapsed(Message):
    kind: Literal["DetainerLapsed"] = "DetainerLapsed"
    detainer_id: str
    case_id: str
    booking_id: str


class DetainerCancelled(Message):
    kind: Literal["DetainerCancelled"] = "DetainerCancelled"
    detainer_id: str
    case_id: str
    booking_id: str
    reason: str


class DispositionRecorded(Message):
    kind: Literal["DispositionRecorded"] = "DispositionRecorded"
    case_id: str
    booking_id: str
    disposition: str


class CaseClosed(Message):
    kind: Literal["CaseClosed"] = "CaseClosed"
    case_id: str


class ProceedingsConcluded(Message):
    kind: Literal["ProceedingsConcluded"] = "ProceedingsConcluded"
    case_id: str
    booking_id: str
    outcome: Literal["removed", "relief", "released", "terminated"]
    removal_category: str | None


class DossierUpdated(Message):
    """The support center learned something that changes a case's status after it was sent."""

    kind: Literal["DossierUpdated"] = "DossierUpdated"
    case_id: str
    reason: str


class OverrideRequested(Message):
    """An officer asked to act against the recommendation; a supervisor must rule first."""

    kind: Literal["OverrideRequested"] = "OverrideRequested"
    case_id: str
    booking_id: str
    aor: str
    officer: str
    recommended_action: str
    requested_action: str
    reason: str


DocumentationPart = Literal["decision", "encounter", "disposition"]


class DocumentationEscalated(Message):
    """A match is still undocumented at its deadline: the office's supervisor must see to it."""

    kind: Literal["DocumentationEscalated"] = "DocumentationEscalated"
    case_id: str
    booking_id: str
    aor: str
    missing: tuple[DocumentationPart, ...]


class HotlineCallReceived(Message):
    kind: Literal["HotlineCallReceived"] = "HotlineCallReceived"
    call_id: str
    booking_id: str
    case_id: str | None
    channel: Literal["hotline", "agency_flag"]
    claim: Literal["citizen", "victim"]
    due_at: AwareDatetime | None


class HotlineReviewCompleted(Message):
    kind: Literal["HotlineReviewCompleted"] = "HotlineReviewCompleted"
    call_id: str
    case_id: str
    outcome: Literal["substantiated", "not_substantiated"]
    action: str
    late: bool


class ComplaintReceived(Message):
    kind: Literal["ComplaintReceived"] = "ComplaintReceived"
    complaint_id: str
    channel: Literal["web", "hotline", "mail", "jail"]
    fips5: str | None
    category: str


ComplaintCategory = Literal["profiling", "citizen_detained", "held_past_limit",
                            "victim_witness", "conditions", "other"]
ComplaintStep = Literal["triage", "review", "refer_doj", "corrective_action", "close"]


# ---------------------------------------------------------------- commands


class SubmitBooking(Command):
    kind: Literal["SubmitBooking"] = "SubmitBooking"
    booking: Booking


class DecideCase(Command):
    """An officer's decision: follow the policy's recommendation, or override with a reason."""

    kind: Literal["DecideCase"] = "DecideCase"
    case_id: str
    officer: str
    override_action: str | None = None
    override_reason: str | None = None


class RequerySource(Command):
    """An officer asks a record source again for a researched case (invariant 4): allowed only
    with a reason, which is recorded and counted (OIG-12-64: research was repeated because the
    support center's could not be shared)."""

    kind: Literal["RequerySource"] = "RequerySource"
    case_id: str
    officer: str
    source: str
    reason: str | None = None


class ReviewOverride(Command):
    """A supervisor approves or rejects an officer's override; rejected, the recommendation
    stands. Either way the ruling and its note are kept with the decision."""

    kind: Literal["ReviewOverride"] = "ReviewOverride"
    case_id: str
    supervisor: str
    approve: bool
    note: str = Field(min_length=3)


class RecordEncounter(Command):
    """The officer's contact with the case (ICE documentation policy, July/November 2011):
    how, when, where, and whether the subject was reached."""

    kind: Literal["RecordEncounter"] = "RecordEncounter"
    case_id: str
    officer: str
    method: Literal["in_person", "telephone", "video", "records_only"]
    encountered_at: AwareDatetime
    location: str = Field(min_length=2, max_length=80)
    subject_contacted: bool


class RecordDisposition(Command):
    """How the match ended: a code that must fit the decided action, and a narrative."""

    kind: Literal["RecordDisposition"] = "RecordDisposition"
    case_id: str
    officer: str
    disposition: str = Field(min_length=1, max_length=60)
    narrative: str = Field(min_length=10)


class FileComplaint(Command):
    """A complaint to CRCL by any channel; the I-247's notice tells a detained person how."""

    kind: Literal["FileComplaint"] = "FileComplaint"
    complaint_id: str = Field(min_length=1, max_length=80)
    channel: Literal["web", "hotline", "mail", "jail"]
    category: ComplaintCategory
    allegation: str = Field(min_length=10)
    fips5: str | None = Field(default=None, pattern=r"^\d{5}$")
    booking_id: str | None = None
    complainant_name: str = Field(min_length=1, max_length=120)
    complainant_contact: str = Field(min_length=1, max_length=200)


class AdvanceComplaint(Command):
    """One step of CRCL's handling: triage, review, referral to DOJ, corrective action,
    closure. ``role`` is who acts; only CRCL's reviewers move a complaint on."""

    kind: Literal["AdvanceComplaint"] = "AdvanceComplaint"
    complaint_id: str
    step: ComplaintStep
    actor: str = Field(min_length=1, max_length=60)
    role: str
    note: str = Field(min_length=3)
    priority: Literal["high", "normal"] | None = None
    finding: Literal["substantiated", "unsubstantiated", "withdrawn"] | None = None


class RecordDetainerServed(Command):
    """The jail served the subject a copy of the I-247 with its six-language notice."""

    kind: Literal["RecordDetainerServed"] = "RecordDetainerServed"
    booking_id: str
    served_at: AwareDatetime


class CancelDetainer(Command):
    kind: Literal["CancelDetainer"] = "CancelDetainer"
    case_id: str
    officer: str
    reason: str = Field(min_length=3)


class ReceiveHotlineCall(Command):
    """A call to the detainer hotline, or an agency's victim/witness flag, about a booking."""

    kind: Literal["ReceiveHotlineCall"] = "ReceiveHotlineCall"
    call_id: str = Field(min_length=1, max_length=80)
    booking_id: str
    channel: Literal["hotline", "agency_flag"]
    claim: Literal["citizen", "victim"]


class CompleteHotlineReview(Command):
    kind: Literal["CompleteHotlineReview"] = "CompleteHotlineReview"
    call_id: str
    officer: str
    outcome: Literal["substantiated", "not_substantiated"]
    narrative: str = Field(min_length=10)
    verified_status: Literal["citizen", "naturalized_citizen"] | None = Field(
        default=None, description="what the proof shows, when a citizenship claim is upheld")


class ReportRelease(Command):
    """The jail reports when the person would otherwise be released (bond, dismissal, sentence)."""

    kind: Literal["ReportRelease"] = "ReportRelease"
    booking_id: str
    release_at: AwareDatetime
    facility_tz: str


class RecordConviction(Command):
    kind: Literal["RecordConviction"] = "RecordConviction"
    booking_id: str
    ncic_code: str
    sentence_days: int


class RecordCustodyTransfer(Command):
    """ICE officers arrive and take the person; on time or not is for the clock to say."""

    kind: Literal["RecordCustodyTransfer"] = "RecordCustodyTransfer"
    booking_id: str


class RecordJailRelease(Command):
    """The jail released the person (after a lapsed detainer, or holding past the limit)."""

    kind: Literal["RecordJailRelease"] = "RecordJailRelease"
    booking_id: str


class ConcludeProceedings(Command):
    kind: Literal["ConcludeProceedings"] = "ConcludeProceedings"
    case_id: str
    outcome: Literal["removed", "relief", "released", "terminated"]


class ExpireDeadlines(Command):
    """The clock reached ``occurred_at``: fire every deadline due by then."""

    kind: Literal["ExpireDeadlines"] = "ExpireDeadlines"


AnyMessage = Annotated[
    BookingSubmitted
    | SubmissionWithheld
    | SubmissionForwarded
    | CriminalSearchCompleted
    | ImmigrationSearchCompleted
    | StatusDetermined
    | CaseAssigned
    | DecisionRecorded
    | DetainerIssued
    | PickupDue
    | DetainerAssumed
    | DetainerLapsed
    | DetainerCancelled
    | DispositionRecorded
    | CaseClosed
    | ProceedingsConcluded
    | DossierUpdated
    | OverrideRequested
    | DocumentationEscalated
    | HotlineCallReceived
    | HotlineReviewCompleted
    | ComplaintReceived
    | SubmitBooking
    | DecideCase
    | RequerySource
    | ReviewOverride
    | RecordEncounter
    | RecordDisposition
    | RecordDetainerServed
    | CancelDetainer
    | ReceiveHotlineCall
    | CompleteHotlineReview
    | FileComplaint
    | AdvanceComplaint
    | ReportRelease
    | RecordConviction
    | RecordCustodyTransfer
    | RecordJailRelease
    | ConcludeProceedings
    | ExpireDeadlines,
    Field(discriminator="kind"),
]

MESSAGE_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)


def load_message(raw: str | bytes) -> Message:
    """Parse a stored or transported message back into its type."""
    msg: Message = MESSAGE_ADAPTER.validate_json(raw)
    return msg
