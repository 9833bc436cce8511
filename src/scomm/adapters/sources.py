"""The record sources behind the support center, with the latency and outages they really have.

The synthetic records sit in ``source_records``; this adapter stands in front of them the way
the legacy systems stood in front of the LESC: a query takes time and sometimes gets no
answer. Whether an attempt is answered and how long it takes are drawn from a hash of the case,
source, stage and attempt, not from a shared random stream, so a crashed and repeated handler
sees the very same outcome (invariant 7) and a run is reproducible.

Stale and conflicting entries are in the records themselves (``sim.seed``); what to believe
when sources disagree is the support center's rule, not this adapter's.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy.special import ndtri


class Latency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    median: float = Field(gt=0)
    p95: float = Field(gt=0)


class SourceProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: Latency
    availability: float = Field(gt=0.0, le=1.0)
    attempts: int = Field(ge=1, le=10)
    retry_after_ms: int = Field(ge=0)


class SourceProfiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, SourceProfile]
    retry_research_after_minutes: int = Field(ge=1)

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> SourceProfiles:
        """A scenario's changes (e.g. an EOIR outage) on top of these profiles."""
        unknown = sorted(set(overrides) - set(self.sources))
        if unknown:
            raise ValueError(f"sources: unknown source(s) {unknown}; known: {sorted(self.sources)}")
        merged = {}
        for name, profile in self.sources.items():
            try:
                merged[name] = SourceProfile.model_validate(
                    {**profile.model_dump(), **overrides.get(name, {})})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"{name}.{where}: {first['msg']}") from None
        return self.model_copy(update={"sources": merged})


@lru_cache(maxsize=1)
def default_profiles() -> SourceProfiles:
    text = resources.files("scomm.adapters").joinpath("data/sources.yaml").read_text()
    return SourceProfiles.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class QueryOutcome:
    """How one logical query went: answered or not, after how many attempts and how long."""

    available: bool
    attempts: int
    latency_ms: int


def _uniform(*key: str) -> float:
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


def attempt(profile: SourceProfile, *key: str) -> QueryOutcome:
    """Try a source up to its attempts; lognormal latency through the profile's median and p95."""
    sigma = max(math.log(profile.latency_ms.p95 / profile.latency_ms.median), 1e-9) / 1.6449
    waited = 0.0
    for n in range(1, profile.attempts + 1):
        if _uniform("up", *key, str(n)) < profile.availability:
            z = float(ndtri(_uniform("latency", *key, str(n))))
            waited += profile.latency_ms.median * math.exp(sigma * z)
            return QueryOutcome(available=True, attempts=n, latency_ms=round(waited))
        waited += profile.retry_after_ms
    return QueryOutcome(available=False, attempts=profile.attempts, latency_ms=round(waited))
