"""Exhaustive 1:N search: gallery bookkeeping and tenprint identification accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from scomm.biometrics.evaluation import enrol, gumbel_quantile, search_trial
from scomm.biometrics.gallery import DEFAULT_THRESHOLD, RESCORE, Candidate, Gallery
from scomm.biometrics.matcher import fuse
from scomm.biometrics.synthetic import (
    ImpressionNoise,
    MasterTenprint,
    impress,
    make_master_tenprint,
)
from scomm.biometrics.template import Tenprint
from scomm.domain.errors import InvalidInput


@dataclass
class Population:
    gallery: Gallery
    masters: list[MasterTenprint]


@pytest.fixture(scope="module")
def population() -> Population:
    gallery, masters = enrol(np.random.default_rng(2000), 2000)
    return Population(gallery, masters)


@pytest.fixture(scope="module")
def small() -> tuple[Gallery, list[MasterTenprint], list[Tenprint]]:
    rng = np.random.default_rng(77)
    masters = [make_master_tenprint(rng) for _ in range(150)]
    enrolled = [impress(m, rng) for m in masters]
    g = Gallery()
    for i, t in enumerate(enrolled):
        g.add(f"S{i}", t)
    return g, masters, enrolled


def test_identification_at_2000(population: Population) -> None:
    rng = np.random.default_rng(1)
    g = population.gallery
    rank1 = 0
    mate_scores = []
    for i in range(200):
        best = g.search(impress(population.masters[i], rng), k=1)[0]
        rank1 += best.subject_id == f"P{i:07d}"
        mate_scores.append(best.score)
    nones = 0
    stranger_scores = []
    for _ in range(200):
        probe = impress(make_master_tenprint(rng), rng)
        nones += g.identify(probe) is None
        stranger_scores.append(g.search(probe, k=1)[0].score)
    print(f"2,000 identities: rank-1 {rank1 / 200:.3f}, identify() None {nones / 200:.3f}")
    assert rank1 >= 198
    assert nones >= 198
    # a wide gap between the two populations, not a lucky threshold
    assert min(mate_scores) > 2 * max(stranger_scores)


def test_identify_uses_the_threshold(population: Population) -> None:
    rng = np.random.default_rng(2)
    mated = impress(population.masters[5], rng)
    stranger = impress(make_master_tenprint(rng), rng)
    g = population.gallery
    hit = g.identify(mated)
    assert hit is not None and hit.subject_id == "P0000005" and hit.score >= g.threshold
    assert g.identify(stranger) is None
    best = g.search(stranger, k=1)[0]
    strict = Gallery(threshold=hit.score + 1e-9)
    assert strict.threshold > g.threshold
    assert Gallery().threshold == DEFAULT_THRESHOLD
    assert best.score < DEFAULT_THRESHOLD


def test_candidate_lists(small: tuple[Gallery, list[MasterTenprint], list[Tenprint]]) -> None:
    g, masters, _ = small
    probe = impress(masters[10], np.random.default_rng(3))
    cands = g.search(probe, k=7)
    assert len(cands) == 7
    assert cands[0].subject_id == "S10"
    assert all(isinstance(c, Candidate) and len(c.finger_scores) == 10 for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    for c in cands:
        assert c.score == pytest.approx(fuse(c.finger_scores))
    assert len(g.search(probe, k=RESCORE + 30)) == RESCORE + 30
    assert len(g.search(probe, k=1000)) == len(g)
    assert g.search(probe, k=3) == g.search(probe, k=3)  # deterministic
    with pytest.raises(InvalidInput):
        g.search(probe, k=0)


def test_add_replace_remove(small: tuple[Gallery, list[MasterTenprint], list[Tenprint]]) -> None:
    _, masters, enrolled = small
    rng = np.random.default_rng(4)
    g = Gallery()
    assert len(g) == 0 and "S0" not in g
    assert g.search(enrolled[0]) == []
    for i, t in enumerate(enrolled):  # grows past the initial capacity
        g.add(f"S{i}", t)
    assert len(g) == 150 and "S149" in g and g.capacity >= 150

    g.remove("S3")  # the last row moves into the hole and must stay findable
    assert "S3" not in g and len(g) == 149
    assert g.search(impress(masters[149], rng), k=1)[0].subject_id == "S149"
    assert all(c.subject_id != "S3" for c in g.search(impress(masters[3], rng), k=20))
    with pytest.raises(InvalidInput):
        g.remove("S3")

    g.add("S7", enrolled[8])  # replacing an id keeps one row and the new prints
    assert len(g) == 149
    hits = g.search(impress(masters[8], rng), k=2)
    assert {hits[0].subject_id, hits[1].subject_id} == {"S7", "S8"}
    assert g.search(impress(masters[7], rng), k=1)[0].score < 1.0

    for i in range(150):
        if f"S{i}" in g:
            g.remove(f"S{i}")
    assert len(g) == 0 and g.search(enrolled[0]) == []


def test_missing_fingers_on_either_side(
    small: tuple[Gallery, list[MasterTenprint], list[Tenprint]],
) -> None:
    g, masters, enrolled = small
    rng = np.random.default_rng(5)
    # the enrolled record lacks both index fingers: the prefilter falls back to the thumbs
    t = enrolled[20]
    g.add("S20", Tenprint(tuple(None if p in (1, 6) else f for p, f in enumerate(t.fingers))))
    assert g.search(impress(masters[20], rng), k=1)[0].subject_id == "S20"
    # a probe with a single finger still searches, with a single-finger score
    only = impress(masters[30], rng)
    one = Tenprint(tuple(f if p == 4 else None for p, f in enumerate(only.fingers)))
    best = g.search(one, k=1)[0]
    assert best.subject_id == "S30" and best.finger_scores[4] == best.score
    assert g.search(Tenprint((None,) * 10)) == []
    g.add("S20", t)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput):
        Gallery(threshold=-1.0)
    with pytest.raises(InvalidInput):
        Gallery(threshold=float("nan"))
    g = Gallery()
    with pytest.raises(InvalidInput):
        g.add("", Tenprint((None,) * 10))
    with pytest.raises(InvalidInput):
        g.add("x", "prints")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        g.search("prints")  # type: ignore[arg-type]


def test_gumbel_quantile_recovers_a_known_law() -> None:
    rng = np.random.default_rng(0)
    x = rng.gumbel(0.5, 0.1, 20_000)
    exact = 0.5 - 0.1 * np.log(-np.log(0.999))
    assert gumbel_quantile(x, 0.999) == pytest.approx(exact, abs=0.02)


@pytest.mark.slow
def test_identification_under_poor_captures(population: Population) -> None:
    rng = np.random.default_rng(6)
    report = search_trial(
        population.gallery, population.masters, rng, 200, 200, ImpressionNoise.poor()
    )
    assert report.rank1() >= 0.97
    assert report.fpir(population.gallery.threshold) <= 0.01
