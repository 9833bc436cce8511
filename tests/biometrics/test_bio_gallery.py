"""1:N search: prefilter + MCC verification, candidate lists, enrolment, persistence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scomm.biometrics.calibration import Calibration
from scomm.biometrics.gallery import ENGINE, SHORTLIST, CandidateList, Gallery, Probes
from scomm.biometrics.records import StoreDamaged
from scomm.biometrics.synthetic import (
    ImpressionNoise,
    Population,
    identity_impression,
    make_population,
)
from scomm.biometrics.template import FINGER_POSITIONS, Packed, Tenprint
from scomm.domain.errors import InvalidInput

SEED = 31
SIZE = 3000


def _ids(lo: int, hi: int) -> list[str]:
    return [f"S{i:06d}" for i in range(lo, hi)]


@pytest.fixture(scope="module")
def enrolled() -> Population:
    return make_population(SEED, 0, SIZE, workers=2)


@pytest.fixture(scope="module")
def gallery(enrolled: Population) -> Gallery:
    g = Gallery.temporary()
    g.enrol_packed(_ids(0, SIZE), enrolled)
    return g


def _head(p: Packed, n: int) -> Packed:
    return Packed(p.minutiae[:n], p.counts[:n], p.quality[:n])


def _probe(identity: int, noise: ImpressionNoise | None = None) -> Tenprint:
    return identity_impression(SEED, identity, 1, noise or ImpressionNoise())


def test_mated_searches_find_the_mate_first(gallery: Gallery) -> None:
    for i in range(0, SIZE, SIZE // 40):
        result = gallery.search(_probe(i), k=5)
        assert result.candidates[0].subject_id == f"S{i:06d}"
        assert result.hit is not None and result.hit.subject_id == f"S{i:06d}"


def test_non_mated_searches_are_rejected(gallery: Gallery) -> None:
    hits = [gallery.identify(_probe(SIZE + j)) for j in range(60)]
    assert hits.count(None) == 60


def test_candidate_list_is_shaped_like_an_abis_answer(gallery: Gallery) -> None:
    result = gallery.search(_probe(7), k=5)
    assert [c.rank for c in result.candidates] == [1, 2, 3, 4, 5]
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    for c in result.candidates:
        assert len(c.finger_scores) == FINGER_POSITIONS
        assert math.isclose(c.score, sum(c.finger_scores))
        assert c.prefilter_distance >= 0
    assert result.gallery_size == SIZE
    assert 0 < result.fpir < 1
    assert result.threshold == gallery.threshold


def test_search_many_agrees_with_search(gallery: Gallery) -> None:
    probes = [_probe(i) for i in (3, 9)] + [_probe(SIZE + 5)]
    many = gallery.search_many(probes, k=3)
    assert many == [gallery.search(p, k=3) for p in probes]


def test_the_prefilter_hands_a_shortlist(gallery: Gallery) -> None:
    distances, rows = gallery.prefilter([_probe(11)])
    assert rows.shape == distances.shape == (1, SHORTLIST)
    assert rows[0, 0] == 11
    assert np.all(np.diff(distances[0]) >= 0)


def test_threshold_follows_the_gallery_size(gallery: Gallery) -> None:
    c = gallery.calibration
    big = 10 * c.fitted_at
    assert c.threshold(1e-3, big) > c.threshold(1e-3, SIZE) > c.threshold(1e-2, SIZE)
    assert c.threshold(1e-3, 10) == c.threshold(1e-3, c.fitted_at)
    assert math.isclose(c.fpir(c.threshold(1e-3, big), big), 1e-3, rel_tol=1e-9)


def test_missing_fingers_on_either_side(gallery: Gallery) -> None:
    full = _probe(21)
    two = Tenprint(tuple(f if i in (1, 6) else None for i, f in enumerate(full.fingers)))
    result = gallery.search(two, k=3)
    best = result.candidates[0]
    assert best.subject_id == "S000021"
    assert [i for i, s in enumerate(best.finger_scores) if s > 0] == [1, 6]
    assert gallery.search(Tenprint((None,) * FINGER_POSITIONS), k=3).hit is None


def test_enrol_replace_remove_and_reopen(enrolled: Population, tmp_path: Path) -> None:
    path = tmp_path / "g"
    with Gallery.create(path) as g:
        g.enrol_packed(_ids(0, 200), _head(enrolled, 200))
        g.remove("S000005")
        assert "S000005" not in g and len(g) == 199
        assert g.search(_probe(5), k=3).hit is None
        g.enrol("S000005", enrolled.tenprint(5))
        g.enrol("S000006", enrolled.tenprint(9))
        assert len(g) == 200
        assert g.identify(_probe(9)).subject_id in {"S000006", "S000009"}  # type: ignore[union-attr]
        assert g.identify(_probe(6)) is None
    with Gallery.open(path) as again:
        assert len(again) == 200
        assert again.identify(_probe(5)).subject_id == "S000005"  # type: ignore[union-attr]
        assert again.identify(_probe(6)) is None
        assert again.startup_seconds >= 0


def test_a_torn_store_is_refused_not_served(enrolled: Population, tmp_path: Path) -> None:
    path = tmp_path / "g"
    with Gallery.create(path) as g:
        g.enrol("A", enrolled.tenprint(0))
        g.enrol("B", enrolled.tenprint(1))
    with (path / "rows.bin").open("r+b") as f:
        f.truncate(50)
    with pytest.raises(StoreDamaged, match=r"rows\.bin"):
        Gallery.open(path)
    with pytest.raises(InvalidInput, match="already holds a gallery"):
        Gallery.create(path)


def test_bad_arguments(gallery: Gallery, enrolled: Population) -> None:
    with pytest.raises(InvalidInput, match="subject_id"):
        gallery.remove("nobody")
    with pytest.raises(InvalidInput, match="tenprint"):
        gallery.enrol("X", "not a tenprint")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="probes\\[0\\]"):
        gallery.search("nope")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="k"):
        gallery.search(_probe(1), k=0)
    with pytest.raises(InvalidInput, match="twice"):
        gallery.enrol_packed(["A", "A"], _head(enrolled, 2))
    with pytest.raises(InvalidInput, match="counts"):
        gallery.enrol_packed(["A"], Packed(enrolled.minutiae[:1], enrolled.counts[:1, :5],
                                                  enrolled.quality[:1]))
    with pytest.raises(InvalidInput, match="threshold"):
        Gallery.temporary(threshold=-1.0)
    assert len(gallery) == SIZE


def test_calibration_fit_recovers_a_known_law(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 10_000
    sample = rng.gumbel(loc=0.2, scale=0.01, size=4000)
    fit = Calibration.fit(sample, n, "test")
    assert math.isclose(fit.threshold(1e-3, n), 0.2 - 0.01 * math.log(-math.log1p(-1e-3)),
                        rel_tol=0.02)
    fit.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == fit
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InvalidInput, match="not a calibration"):
        Calibration.load(tmp_path / "bad.json")
    with pytest.raises(InvalidInput, match="fpir"):
        fit.threshold(1.5, n)


@pytest.mark.slow
def test_poor_captures_still_identify(gallery: Gallery) -> None:
    found = sum(
        (gallery.identify(_probe(i, ImpressionNoise.poor())) or _miss).subject_id == f"S{i:06d}"
        for i in range(0, SIZE, SIZE // 100)
    )
    assert found >= 95


class _Miss:
    subject_id = ""


_miss = _Miss()


def test_shipped_calibration_belongs_to_this_engine() -> None:
    """A change to the encoder, the verifier or the cascade changes the impostor scores, so the
    shipped calibration must be refitted (``bench/biometrics.py --calibrate``) with it."""
    assert Calibration.load().engine == ENGINE


def _same(a: CandidateList | None, b: CandidateList) -> None:
    assert a is not None
    assert a == b


def test_an_early_search_settles_to_the_search_it_stands_for(enrolled: Population) -> None:
    g = Gallery.temporary()
    g.enrol_packed(_ids(0, 1000), _head(enrolled, 1000))
    mated, stranger, late = _probe(5), _probe(SIZE + 1), _probe(1500)
    early = g.search_ahead([mated, stranger, late])
    for e, p in zip(early, (mated, stranger, late), strict=True):
        _same(g.settle(e), g.search(p))
    g.enrol_packed(_ids(1500, 1501), Packed(enrolled.minutiae[1500:1501],
                                            enrolled.counts[1500:1501],
                                            enrolled.quality[1500:1501]))
    assert g.settle(early[2]) is None, "its mate was enrolled since: search again"
    _same(g.settle(early[0]), g.search(mated))
    _same(g.settle(early[1]), g.search(stranger))
    g.remove("S000005")
    assert g.settle(early[0]) is None, "a shortlisted identity was withdrawn"
    assert g.search(mated).hit is None


def test_an_early_search_of_an_empty_gallery_settles_after_enrolment(
        enrolled: Population) -> None:
    g = Gallery.temporary()
    early = g.search_ahead([_probe(3)])
    _same(g.settle(early[0]), g.search(_probe(3)))
    g.enrol_packed(_ids(3, 4), Packed(enrolled.minutiae[3:4], enrolled.counts[3:4],
                                      enrolled.quality[3:4]))
    assert g.settle(early[0]) is None


def test_the_screen_gates_change_no_identification(gallery: Gallery) -> None:
    probes = [_probe(i) for i in range(0, SIZE, 150)]
    probes += [_probe(i, ImpressionNoise.poor()) for i in range(7, SIZE, 300)]
    strangers = [_probe(SIZE + j) for j in range(20)]
    gated = gallery.search_many(probes + strangers)
    gallery.gates = False
    try:
        full = gallery.search_many(probes + strangers)
    finally:
        gallery.gates = True
    for g, f in zip(gated[:len(probes)], full[:len(probes)], strict=True):
        assert g.hit is not None and f.hit is not None
        assert g.hit.subject_id == f.hit.subject_id
        assert g.hit.score == pytest.approx(f.hit.score)
    for g, f in zip(gated[len(probes):], full[len(probes):], strict=True):
        assert g.hit is None and f.hit is None
        assert g.candidates == (), "a stranger's best screen score stays below the gate"
        assert len(f.candidates) == 1


def test_prepared_probes_taken_apart_search_as_if_prepared_alone(gallery: Gallery) -> None:
    tenprints = [_probe(i) for i in (4, 40, 400)] + [_probe(SIZE + 2)]
    probes = Probes.of(tenprints)
    picked = probes.take([3, 1])
    alone = Probes.of([tenprints[3], tenprints[1]])
    for a, b in zip(picked.cylinders.arrays, alone.cylinders.arrays, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(picked.cylinders.offsets, alone.cylinders.offsets)
    assert np.array_equal(picked.codes, alone.codes)
    early = gallery.search_ahead(picked)
    assert [gallery.settle(e) for e in early] == gallery.search_many([tenprints[3], tenprints[1]])
    assert len(probes.take([])) == 0
    assert gallery.search_ahead(probes.take([])) == []
