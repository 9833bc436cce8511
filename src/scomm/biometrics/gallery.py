"""1:N tenprint identification: a binary-code prefilter, screened MCC verification, a
calibrated decision.

Why stages. Verifying a candidate with MCC costs ~5 ms of CPU (ten fingers, its cylinders
built on the fly), so verifying a million identities would take over an hour per search, while
a scan of a million 320-byte codes takes ~25 ms alone and ~6 ms per probe in a batch. So a
search

1. **encodes** the probe's ten fingers into fixed-length binary codes
   (:mod:`~scomm.biometrics.encoder`) and scans every enrolled identity's concatenated code
   (:mod:`~scomm.biometrics.hamming`): the summed Hamming distance over ten fingers *is* a
   ten-finger score fusion, at memory-bandwidth speed. Several probes share one scan
   (:meth:`Gallery.search_many`), which divides the memory traffic by their number. The
   :data:`SHORTLIST` nearest identities go on;
2. **screens** each of them with MCC on :data:`SCREEN_FINGERS` fingers, the probe's most
   informative ones, and **completes** the best ``k`` (1 for an identification) on every other
   finger both sides have, reading their minutiae from the memory-mapped store
   (:mod:`~scomm.biometrics.records`); the fused score is the sum of the ten finger scores.
   Screening first is what makes a shortlist affordable: a mate the prefilter ranked eighth
   is still found for ~24 finger comparisons a search instead of 80. Two gates shorten an
   identification further: a rank-1 candidate whose screen score is beyond any stranger's
   (:data:`SCREEN_ACCEPT`) is completed without screening its rivals (10 comparisons), and a
   search whose best screen score stays where strangers' do (:data:`SCREEN_REJECT`) completes
   nobody (16 comparisons, an empty list);
3. **decides** against a threshold derived from the FPIR the operator accepts and the gallery's
   size (:mod:`~scomm.biometrics.calibration`), and returns an ABIS-style candidate list.

A replay that knows a day's submissions in advance searches them as one batch
(:meth:`Gallery.search_ahead`) and settles each result when its submission arrives
(:meth:`Gallery.settle`), exactly as if it had been searched then.

Exhaustive verification never runs: stage 2 sees :data:`SHORTLIST` identities whatever the
gallery's size. A mate is lost only if the prefilter ranks :data:`SHORTLIST` non-mates above
it; the benchmark measures that miss rate separately (``bench/biometrics.py``).

Memory. Resident per identity: its code (320 B), its 38-byte row, a live flag and its subject
id; the minutiae (~2.6 KB) stay on disk until verification reads them. Enrolment and withdrawal
touch one identity (a withdrawn row is flagged, and the scan skips it); nothing is rebuilt.
Start-up reads the codes and rows and maps the minutiae; :attr:`Gallery.startup_seconds`
records how long it took.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import cast

import numpy as np
import numpy.typing as npt

from scomm.biometrics import encoder, hamming, mcc
from scomm.biometrics.calibration import DEFAULT_FPIR, Calibration
from scomm.biometrics.records import TemplateStore
from scomm.biometrics.template import FINGER_POSITIONS, Packed, Tenprint, check_packed
from scomm.domain.errors import InvalidInput

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]

SHORTLIST = 8
"""Identities the prefilter hands to verification per search. ``docs/benchmarks.md`` gives the
mate's prefilter rank at 100K and 1M identities, which this has to cover."""

SCREEN_FINGERS = 2
"""Fingers compared per shortlisted identity before the best ones are completed: on two
fingers a mate already scores about three times a stranger's best (``docs/benchmarks.md``)."""

SCREEN_ACCEPT = 0.06
"""A rank-1 candidate whose screen score reaches this is completed at once, its rivals left
unscreened. Screen scores (two fingers) of 1,500 non-mated searches at 20K identities peaked
at 0.038, and 98% of mates under poor captures (all under default ones) reach 0.06
(``docs/benchmarks.md``): a mate ranked first by the prefilter, nearly every mated search,
then costs ten finger comparisons instead of twenty-four."""

SCREEN_REJECT = 0.045
"""Below this best screen score no candidate is completed, and the identification returns an
empty list: the lowest mate's screen score in those runs was 0.054 (poor captures), the highest
stranger's 0.038. A non-mated search, most of IDENT's, then costs sixteen comparisons."""

IDENTITY_CODE_BYTES = FINGER_POSITIONS * encoder.CODE_BYTES

ENGINE = f"{encoder.VERSION}/mcc16b-lssr/shortlist{SHORTLIST}-screen{SCREEN_FINGERS}"
"""What a calibration belongs to: the impostor scores depend on all three parts."""


@dataclass(frozen=True)
class Candidate:
    """One identity on a candidate list, as an ABIS reports it: rank (1 = best), subject id,
    fused score, the ten per-finger scores behind it (0 where either side lacks the finger) and
    the prefilter's Hamming distance that put it on the list."""

    rank: int
    subject_id: str
    score: float
    finger_scores: tuple[float, ...]
    prefilter_distance: int


@dataclass(frozen=True)
class CandidateList:
    """The answer to one search: verified candidates best first, and the decision.

    ``threshold`` is the fused score a hit needs (from the target FPIR at this gallery size);
    ``fpir`` the calibration's estimate of the rate at which non-mated searches reach it.
    """

    candidates: tuple[Candidate, ...]
    threshold: float
    fpir: float
    gallery_size: int

    @property
    def hit(self) -> Candidate | None:
        """The best candidate when it reaches the threshold (a "lights-out" identification)."""
        if self.candidates and self.candidates[0].score >= self.threshold:
            return self.candidates[0]
        return None


@dataclass(frozen=True, eq=False)
class Probes:
    """Probe tenprints prepared for searching: packed, encoded into identity codes, their
    cylinders built. A booking's prints are searched in IAFIS and then IDENT; preparing them
    once for both (:meth:`take` picks the ones IDENT gets) saves a quarter of IDENT's work."""

    packed: Packed
    codes: U8
    cylinders: mcc.ProbeCylinders

    @classmethod
    def of(cls, tenprints: Sequence[Tenprint]) -> Probes:
        packed = _pack(tenprints)
        return cls(packed, _probe_codes(packed), mcc.prepare_probes(packed.minutiae, packed.counts))

    def __len__(self) -> int:
        return len(self.packed)

    def take(self, rows: Sequence[int]) -> Probes:
        """These probes' ``rows``, in that order, without preparing anything again."""
        idx = np.asarray(rows, dtype=np.int64)
        p = self.packed
        offsets = self.cylinders.offsets[idx]
        keep = (np.concatenate([np.arange(a, b) for a, b in zip(offsets[:, 0], offsets[:, -1],
                                                                  strict=True)])
                if len(idx) else np.zeros(0, dtype=np.int64))
        sizes = np.diff(offsets, axis=1)
        fresh = np.zeros_like(offsets)
        fresh[:, 1:] = np.cumsum(sizes, axis=1)
        fresh += np.concatenate([[0], np.cumsum(fresh[:, -1])[:-1]])[:, None].astype(np.int64)
        arrays = cast(mcc.Cyl, tuple(np.ascontiguousarray(a[keep]) for a in self.cylinders.arrays))
        return Probes(Packed(p.minutiae[idx], p.counts[idx], p.quality[idx]), self.codes[idx],
                      mcc.ProbeCylinders(arrays, fresh))


@dataclass(frozen=True, eq=False)
class EarlySearch:
    """An identification made before its probe arrived (:meth:`Gallery.search_ahead`): the
    probe's code, its shortlist (Hamming distances and rows, nearest first), the verified
    candidates, and how many rows the gallery had then."""

    code: U8
    distances: I64
    rows: I64
    candidates: tuple[Candidate, ...]
    rows_seen: int


class Gallery:
    """An enrolled population searchable 1:N by tenprint (see the module docstring).

    Open one with :meth:`create`, :meth:`open` or :meth:`temporary`. The decision threshold is
    ``threshold`` when given, else the calibration's for ``fpir`` at the current size.
    Not thread-safe: one writer, and searches from the thread that owns it.
    """

    def __init__(
        self,
        store: TemplateStore,
        *,
        fpir: float = DEFAULT_FPIR,
        threshold: float | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        started = time.perf_counter()
        self.calibration = calibration or Calibration.load()
        self.fpir = fpir
        self.calibration.threshold(fpir, 1)
        if threshold is not None and not (np.isfinite(threshold) and threshold >= 0):
            raise InvalidInput("threshold", f"must be a finite number ≥ 0, got {threshold!r}")
        self.fixed_threshold = threshold
        self.gates = True
        """Whether identifications (``k = 1``) stop early at :data:`SCREEN_ACCEPT` and
        :data:`SCREEN_REJECT`; off, every search completes its best screened candidate, which
        is what the calibration is fitted on (the gates only ever drop candidates, so its
        threshold stays an upper bound on the FPIR)."""
        self._store = store
        self._rows: dict[str, int] = {}
        for row in np.flatnonzero(store.alive):
            self._rows[store.ids[row]] = int(row)
        self.startup_seconds = time.perf_counter() - started

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, **options: float | Calibration | None) -> Gallery:
        """A new empty gallery stored in directory ``path``."""
        store = TemplateStore.create(path, IDENTITY_CODE_BYTES, encoder.VERSION)
        return cls(store, **options)  # type: ignore[arg-type]

    @classmethod
    def open(cls, path: Path, **options: float | Calibration | None) -> Gallery:
        """The gallery stored in ``path``, as it was last flushed."""
        store = TemplateStore.open(path, encoder.VERSION)
        return cls(store, **options)  # type: ignore[arg-type]

    @classmethod
    def temporary(cls, **options: float | Calibration | None) -> Gallery:
        """A gallery in a fresh temporary directory, removed when the gallery is closed or
        collected: for tests and for runs that rebuild their galleries from the database."""
        path = Path(tempfile.mkdtemp(prefix="scomm-gallery-"))
        gallery = cls.create(path / "gallery", **options)
        weakref.finalize(gallery, shutil.rmtree, path, True)
        return gallery

    @property
    def path(self) -> Path:
        return self._store.path

    def flush(self) -> None:
        """Push appended enrolments to the files, so :meth:`open` sees them."""
        self._store.flush()

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Gallery:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- enrolment -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, subject_id: object) -> bool:
        return subject_id in self._rows

    def subject_ids(self) -> list[str]:
        return list(self._rows)

    def row_subjects(self, rows: I64) -> list[str | None]:
        """The subject ids of rows the :meth:`prefilter` returned (``None`` for -1)."""
        return [self._store.ids[r] if r >= 0 else None for r in rows.tolist()]

    def enrol(self, subject_id: str, tenprint: Tenprint) -> None:
        """Enrol ``tenprint`` under ``subject_id``, replacing what that id held before."""
        if not isinstance(tenprint, Tenprint):
            raise InvalidInput("tenprint", f"expected a Tenprint, got {type(tenprint).__name__}")
        self.enrol_packed([subject_id], Packed.of([tenprint]))

    def enrol_packed(self, subject_ids: Sequence[str], packed: Packed) -> None:
        """Enrol many at once (codes encoded in one parallel pass): the bulk path for seeding
        and rebuilding. Ids must be distinct; an id already enrolled is replaced."""
        check_packed(packed)
        if len(subject_ids) != len(packed):
            raise InvalidInput("subject_ids", f"{len(subject_ids)} ids for {len(packed)} rows")
        if len(set(subject_ids)) != len(subject_ids):
            raise InvalidInput("subject_ids", "an id appears twice in one enrolment")
        for i, s in enumerate(subject_ids):
            if not isinstance(s, str) or not s:
                raise InvalidInput(f"subject_ids[{i}]", f"must be a non-empty string, got {s!r}")
        codes = encoder.encode_arrays(packed.minutiae, packed.counts)
        codes = codes.reshape(len(packed), IDENTITY_CODE_BYTES)
        replaced = [s for s in subject_ids if s in self._rows]
        if replaced:
            self._withdraw(replaced)
        rows = self._store.append(subject_ids, packed, codes)
        self._rows.update(zip(subject_ids, rows.tolist(), strict=True))

    def remove(self, subject_id: str) -> None:
        """Withdraw ``subject_id`` (unknown ids are an error)."""
        if subject_id not in self._rows:
            raise InvalidInput("subject_id", f"{subject_id!r} is not enrolled")
        self._withdraw([subject_id])

    def _withdraw(self, subject_ids: Sequence[str]) -> None:
        for s in subject_ids:
            self._store.delete(self._rows.pop(s))

    # --- search ----------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        if self.fixed_threshold is not None:
            return self.fixed_threshold
        return self.calibration.threshold(self.fpir, len(self))

    def prefilter(self, probes: Sequence[Tenprint], k: int = SHORTLIST) -> tuple[I64, I64]:
        """Stage 1 alone: the ``k`` nearest rows of each probe and their Hamming distances,
        ``(len(probes), k)`` each, rows -1 past the gallery's size; one scan for all probes."""
        return self._scan(_probe_codes(_pack(probes)), k)

    def _scan(self, codes: U8, k: int) -> tuple[I64, I64]:
        table, alive = self._store.code_buffer()
        words = table.view(np.uint64)
        return hamming.scan(words, alive, len(self._store), codes.view(np.uint64), k)

    def search(self, probe: Tenprint, k: int = 1) -> CandidateList:
        """The candidate list of ``probe``: up to ``k`` verified identities, best first."""
        return self.search_many([probe], k)[0]

    def search_many(self, probes: Sequence[Tenprint], k: int = 1) -> list[CandidateList]:
        """Candidate lists of up to ``k`` fully verified identities for several probes, sharing
        one prefilter scan and one pool of finger comparisons (a booking batch).

        The threshold is calibrated for ``k = 1``, the identification decision; a longer list
        (for an examiner) costs eight finger comparisons per extra candidate, and its best
        candidate can only score as high or higher, so its false-positive rate is at least the
        nominal one (``bench/biometrics.py`` measures it).
        """
        if k < 1:
            raise InvalidInput("k", f"must be ≥ 1, got {k}")
        if not len(self):
            _pack(probes)
            return [self._decided(()) for _ in probes]
        _, _, ranked = self._search(Probes.of(probes), k)
        return [self._decided(r) for r in ranked]

    def search_ahead(self, probes: Sequence[Tenprint] | Probes) -> list[EarlySearch]:
        """Identifications of probes that have not arrived yet, in one batch, to be finished
        by :meth:`settle` when each arrives.

        Why. A jail's submissions reach the search one at a time, and one search alone pays
        the whole gallery scan and a parallel pass too small for two cores; a replay knows a
        day's submissions in advance, so it searches them together (three times the
        throughput at a million identities, ``docs/benchmarks.md``) and each result is settled
        against what the gallery became in between.
        """
        prepared = probes if isinstance(probes, Probes) else Probes.of(probes)
        n = len(self._store)
        codes = prepared.codes
        if not len(prepared):
            return []
        if not len(self):
            empty = np.full((len(prepared), SHORTLIST), -1, dtype=np.int64)
            return [EarlySearch(codes[i], np.full(SHORTLIST, hamming.FAR), empty[i], (), n)
                    for i in range(len(prepared))]
        distances, rows, ranked = self._search(prepared, 1)
        return [EarlySearch(codes[i], distances[i], rows[i], ranked[i], n)
                for i in range(len(prepared))]

    def settle(self, early: EarlySearch) -> CandidateList | None:
        """The candidate list a search now would return, from an early search, or ``None``
        when it cannot be had without searching again.

        Exact, not approximate: the shortlist is the nearest :data:`SHORTLIST` live rows,
        ties to the lower row. Rows enrolled since the early search have higher numbers, so
        the shortlist stands unless one of them is strictly nearer than its last member (a
        scan of those rows only) or one of its members has been withdrawn; verification of a
        standing shortlist gives the same scores, and the threshold is taken at today's size.
        """
        n = len(self._store)
        _, alive = self._store.code_buffer()
        kept = early.rows[early.rows >= 0]
        if not alive[kept].all():
            return None
        if n > early.rows_seen:
            table, _ = self._store.code_buffer()
            words = table[early.rows_seen:n].view(np.uint64)
            newest, _ = hamming.scan(words, alive[early.rows_seen:n], n - early.rows_seen,
                                     early.code.view(np.uint64)[None, :], 1)
            if newest[0, 0] < early.distances[-1]:
                return None
        return self._decided(early.candidates)

    def _decided(self, candidates: tuple[Candidate, ...]) -> CandidateList:
        threshold = self.threshold
        return CandidateList(candidates, threshold, self.calibration.fpir(threshold, len(self)),
                             len(self))

    def _search(self, probes: Probes, k: int) -> tuple[I64, I64, list[tuple[Candidate, ...]]]:
        """Prefilter and verify: the probes' shortlists (distances and rows) and ranked
        candidates."""
        distances, rows = self._scan(probes.codes, max(k, SHORTLIST))
        scores = self._verify(probes.cylinders, rows, k)
        out = []
        for p in range(len(probes)):
            done = np.flatnonzero((rows[p] >= 0) & ~np.isnan(scores[p, :, 0]))
            fused = scores[p, done].sum(axis=1)
            ids = [self._store.ids[r] for r in rows[p, done].tolist()]
            order = sorted(range(len(done)), key=lambda i: (-fused[i], ids[i]))
            out.append(tuple(
                Candidate(
                    rank=n + 1,
                    subject_id=ids[i],
                    score=float(fused[i]),
                    finger_scores=tuple(float(x) for x in scores[p, done[i]]),
                    prefilter_distance=int(distances[p, done[i]]),
                )
                for n, i in enumerate(order)
            ))
        return distances, rows, out

    def _verify(self, cylinders: mcc.ProbeCylinders, rows: I64, k: int) -> F64:
        """Stages 2a and 2b for every probe: finger scores ``(P, shortlist, 10)``, NaN for the
        candidates not completed.

        Screen: each shortlisted candidate is compared on :data:`SCREEN_FINGERS` fingers, the
        probe's most informative (most valid cylinders) among those the candidate has too.
        Complete: the ``k`` best screened are compared on all their remaining fingers.
        With :attr:`gates` and ``k = 1``, the screen stops at a rank-1 candidate that reaches
        :data:`SCREEN_ACCEPT`, and nothing is completed below :data:`SCREEN_REJECT`.
        """
        unique, local = np.unique(rows[rows >= 0], return_inverse=True)
        gallery = self._store.gather(unique)
        where = np.full(rows.shape, -1, dtype=np.int64)
        where[rows >= 0] = local
        sizes = cylinders.sizes()
        both = (where[:, :, None] >= 0) & (sizes[:, None, :] > 0)
        both &= gallery.counts[np.maximum(where, 0)] >= 0
        preference = np.argsort(-sizes, axis=1, kind="stable")
        ranked = np.take_along_axis(both, preference[:, None, :], axis=2)
        first = ranked & (np.cumsum(ranked, axis=2) <= SCREEN_FINGERS)
        screen = np.zeros_like(both)
        np.put_along_axis(screen, np.broadcast_to(preference[:, None, :], both.shape), first, 2)
        scores = np.zeros(both.shape)
        gated = self.gates and k == 1
        accepted = np.zeros(len(rows), dtype=bool)
        if gated:
            lead = np.zeros_like(screen)
            lead[:, 0] = screen[:, 0]
            self._compare(cylinders, gallery, where, lead, scores)
            accepted = scores[:, 0].sum(axis=1) >= SCREEN_ACCEPT
            screen[accepted, 1:] = False
        self._compare(cylinders, gallery, where, screen & ~(scores > 0), scores)
        partial = np.where(where >= 0, scores.sum(axis=2), -np.inf)
        partial[accepted, 1:] = -np.inf
        best = np.argsort(-partial, axis=1, kind="stable")[:, :k]
        complete = np.zeros(where.shape, dtype=bool)
        np.put_along_axis(complete, best, True, axis=1)
        complete &= where >= 0
        if gated:
            complete &= partial >= SCREEN_REJECT
        self._compare(cylinders, gallery, where, both & ~screen & complete[:, :, None], scores)
        scores[~complete] = np.nan
        return scores

    @staticmethod
    def _compare(
        cylinders: mcc.ProbeCylinders, gallery: Packed, where: I64, todo: B, out: F64
    ) -> None:
        """Score the finger comparisons flagged in ``todo`` ``(P, shortlist, 10)`` into
        ``out``, in one parallel pass."""
        p, c, f = np.nonzero(todo)
        pairs = np.column_stack([p, where[p, c], f])
        out[p, c, f] = mcc.score_pairs(cylinders, gallery.minutiae, gallery.counts, pairs)

    def identify(self, probe: Tenprint) -> Candidate | None:
        """The identified subject, or ``None``: the hit of a search."""
        return self.search(probe, k=1).hit


def _pack(probes: Sequence[Tenprint]) -> Packed:
    for i, p in enumerate(probes):
        if not isinstance(p, Tenprint):
            raise InvalidInput(f"probes[{i}]", f"expected a Tenprint, got {type(p).__name__}")
    return Packed.of(probes)


def _probe_codes(packed: Packed) -> U8:
    """The identity codes of probes ``(P, IDENTITY_CODE_BYTES)``."""
    codes = encoder.encode_arrays(packed.minutiae, packed.counts, probe=True)
    return codes.reshape(len(packed), IDENTITY_CODE_BYTES)
