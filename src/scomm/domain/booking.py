"""A jail booking as the local agency submits it.

The monitoring fields (race, ethnicity, language) are recorded because the civil-rights
monitors need them (seed 004; DESIGN invariant 2). They live in their own type so that no
decision input can be built from a ``Booking`` without explicitly leaving them behind.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from scomm.domain.errors import InvalidInput

NCIC_CODE = re.compile(r"^\d{4}$")
ORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")
FIPS5 = re.compile(r"^\d{5}$")

Sex = Literal["M", "F", "X"]


class Frozen(BaseModel):
    """Immutable, strict value object: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def check_ncic_code(v: str) -> str:
    if not NCIC_CODE.match(v):
        raise ValueError(f"NCIC offense code must be 4 digits, got {v!r}")
    return v


NcicCode = Annotated[str, AfterValidator(check_ncic_code),
                     Field(description="4-digit NCIC offense code, e.g. 5404 (DUI)",
                           json_schema_extra={"pattern": NCIC_CODE.pattern})]


class Charge(Frozen):
    """One arrest charge, coded with the FBI's 4-digit NCIC offense code."""

    ncic_code: NcicCode
    literal: str = Field(default="", max_length=120)


class Biographic(Frozen):
    """What the booking agency writes about the subject; it may be wrong (aliases, typos)."""

    last_name: str = Field(min_length=1, max_length=40)
    first_name: str = Field(min_length=1, max_length=40)
    date_of_birth: date
    sex: Sex
    place_of_birth: str = Field(min_length=2, max_length=2, description="NCIC 2-letter code")


class MonitoringFields(Frozen):
    """Recorded for oversight monitoring only; never part of a decision input."""

    race: str | None = None
    ethnicity: str | None = None
    language: str | None = None


class Booking(Frozen):
    """A booking submission: who, where, when, why, and the ten prints."""

    booking_id: str = Field(min_length=1, max_length=64)
    ori: str = Field(description="9-character originating agency identifier",
                     json_schema_extra={"pattern": ORI.pattern})
    fips5: str = Field(description="5-digit county code of the booking agency",
                       json_schema_extra={"pattern": FIPS5.pattern})
    booked_at: AwareDatetime
    biographic: Biographic
    charges: tuple[Charge, ...] = Field(min_length=1)
    monitoring: MonitoringFields = MonitoringFields()
    prints: str = Field(min_length=1, description="base64 tenprint minutiae record")

    @field_validator("ori")
    @classmethod
    def _ori(cls, v: str) -> str:
        if not ORI.match(v):
            raise ValueError(f"ORI must be 2 letters then 7 letters/digits, got {v!r}")
        return v

    @field_validator("fips5")
    @classmethod
    def _fips(cls, v: str) -> str:
        if not FIPS5.match(v):
            raise ValueError(f"FIPS county code must be 5 digits, got {v!r}")
        return v


def error_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    """``("charges", 0, "ncic_code")`` -> ``booking.charges[0].ncic_code``."""
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse_booking(data: Any) -> Booking:
    """Validate a submitted booking; the error names the first bad field."""
    try:
        return Booking.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(error_path("booking", tuple(first["loc"])), first["msg"]) from None
