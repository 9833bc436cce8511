"""The only input of a policy decision: researched facts, each with its source and time.

Why this type exists (DESIGN invariants 2 and 3):

* **It cannot carry protected attributes.** Race, ethnicity, national origin, language and
  appearance are not fields, and ``extra="forbid"`` makes passing them a validation error, so
  no caller can leak them into a decision by accident (a test proves it). For the same reason
  there is no country-of-birth or nationality field, and the June 2011 discretion factor
  "nationality renders removal unlikely" is deliberately not an input.
* **Every fact carries its provenance.** Each field is a :class:`Sourced` value (value, source,
  as-of time) rather than a plain value plus a parallel ``sources`` dict: a parallel dict can
  drift out of step with the values (a fact with no source, a source for a fact that was
  removed), while a ``Sourced`` value cannot exist without its source and time. The decision
  trace copies these into every rule it records.
* **Absence is explicit.** An optional fact is ``None`` when the research found no record
  ("not in the dossier"); rules then treat it as not established. It is never silently
  defaulted to ``False`` with an invented source.
"""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from scomm.domain.booking import Frozen, NcicCode, error_path
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import StatusCode
from scomm.policy.catalog import load_catalog

T = TypeVar("T")


PROTECTED_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "race",
        "ethnicity",
        "national_origin",
        "nationality",
        "country_of_birth",
        "place_of_birth",
        "citizenship_country",
        "language",
        "primary_language",
        "appearance",
        "skin_tone",
        "accent",
    }
)
"""Names that must never become decision inputs (checked by a test against the fields)."""


class Sourced(BaseModel, Generic[T]):
    """A fact value with where it came from and when it was true/queried."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: T
    source: str = Field(min_length=1, max_length=200, description="record system or document")
    as_of: AwareDatetime = Field(description="when the source was queried or the fact recorded")


class ConvictionRecord(Frozen):
    """One conviction from the criminal history (IAFIS or the state repository)."""

    ncic_code: NcicCode
    convicted_on: date
    sentence_days: int = Field(
        ge=0,
        description=(
            "term of imprisonment imposed in days, including any suspended part "
            "(INA 101(a)(48)(B)); 0 when no imprisonment was imposed"
        ),
    )
    loss_usd: int | None = Field(
        default=None,
        ge=0,
        description="loss for fraud/laundering (INA 101(a)(43)(D),(M)); None = unknown",
    )



class DecisionFacts(Frozen):
    """What the field office knows about a matched person, as researched by the LESC."""

    status: Sourced[StatusCode]
    convictions: Sourced[tuple[ConvictionRecord, ...]]
    pending_charges: Sourced[tuple[NcicCode, ...]] = Field(
        description="NCIC codes of the charges of the current arrest"
    )
    last_entry_on: Sourced[date] | None = None
    entered_without_inspection: Sourced[bool] | None = None
    visa_abuse: Sourced[bool] | None = None
    final_order_on: Sourced[date] | None = None
    prior_removal: Sourced[bool] | None = None
    immigration_fraud: Sourced[bool] | None = None
    gang_member: Sourced[bool] | None = None
    national_security_concern: Sourced[bool] | None = None
    victim_or_witness: Sourced[bool] | None = None
    # June 17, 2011 prosecutorial-discretion factors (Policy 10075.1): flags for the officer.
    arrived_as_child: Sourced[bool] | None = None
    us_military_service: Sourced[bool] | None = None
    primary_caretaker: Sourced[bool] | None = None
    lpr_or_usc_immediate_relative: Sourced[bool] | None = None
    years_present: Sourced[int] | None = None
    age: Sourced[int] | None = None
    pursuing_education: Sourced[bool] | None = None
    serious_health_condition: Sourced[bool] | None = None
    pregnant_or_nursing: Sourced[bool] | None = None
    cooperating_with_law_enforcement: Sourced[bool] | None = None

    @field_validator("years_present", "age")
    @classmethod
    def _non_negative(cls, v: Sourced[int] | None) -> Sourced[int] | None:
        if v is not None and not 0 <= v.value <= 130:
            raise ValueError(f"must be between 0 and 130, got {v.value}")
        return v


FACT_NAMES: tuple[str, ...] = tuple(DecisionFacts.model_fields)
"""The base fact names rules may refer to (besides derived facts and stage outputs)."""


def parse_facts(data: object) -> DecisionFacts:
    """Validate a facts document (``policy decide``'s input); the error names the first bad
    field, and a code the offense catalog cannot classify is refused here, by its path, rather
    than deep inside a rule."""
    try:
        facts = DecisionFacts.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(error_path("facts", tuple(first["loc"])), first["msg"]) from None
    catalog = load_catalog()
    codes = [(f"facts.convictions.value[{i}].ncic_code", c.ncic_code)
             for i, c in enumerate(facts.convictions.value)]
    codes += [(f"facts.pending_charges.value[{i}]", c)
              for i, c in enumerate(facts.pending_charges.value)]
    for where, code in codes:
        try:
            catalog.get(code)
        except InvalidInput as exc:
            raise InvalidInput(where, exc.problem) from None
    return facts
