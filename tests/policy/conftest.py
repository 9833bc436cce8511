"""Builders for policy tests: facts with sources, in as few words as the test needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from scomm.policy.facts import ConvictionRecord, DecisionFacts, Sourced

AS_OF = datetime(2012, 6, 1, 14, 30, tzinfo=UTC)


def sourced(value: Any, source: str = "LESC dossier") -> Sourced[Any]:
    return Sourced(value=value, source=source, as_of=AS_OF)


def conviction(
    code: str, on: date = date(2005, 3, 1), days: int = 0, loss: int | None = None
) -> ConvictionRecord:
    return ConvictionRecord(ncic_code=code, convicted_on=on, sentence_days=days, loss_usd=loss)


def build_facts(
    status: str = "overstay",
    convictions: tuple[ConvictionRecord, ...] = (),
    charges: tuple[str, ...] = ("2399",),
    **optional: Any,
) -> DecisionFacts:
    """DecisionFacts with sources; optional facts given as plain values get a source."""
    return DecisionFacts(
        status=sourced(status, "CIS/EID status check"),
        convictions=sourced(convictions, "IAFIS criminal history"),
        pending_charges=sourced(charges, "booking CAR"),
        **{k: sourced(v) for k, v in optional.items()},
    )


@pytest.fixture
def make_facts() -> Callable[..., DecisionFacts]:
    return build_facts


@pytest.fixture
def make_conviction() -> Callable[..., ConvictionRecord]:
    return conviction
