"""1:N tenprint identification: a binary-code prefilter, MCC verification, calibrated decision.

Why two stages. Verifying a candidate with MCC costs ~4 ms of CPU (ten fingers, its cylinders
built on the fly), so verifying a million identities would take over an hour per search; the
scan floor of a million 320-byte codes is ~11 ms (reference/biometrics.md §5.2). So a search

1. **encodes** the probe's ten fingers into fixed-length binary codes
   (:mod:`~scomm.biometrics.encoder`) and scans every enrolled identity's concatenated code
   with faiss's exact Hamming index: the summed Hamming distance over ten fingers *is* a
   ten-finger score fusion, at memory-bandwidth speed. Several probes share one scan
   (:meth:`Gallery.search_many`), which divides the memory traffic by their number;
2. **verifies** only the :data:`VERIFY` nearest identities with MCC on every finger both sides
   have, reading their minutiae from the memory-mapped store (:mod:`~scomm.biometrics.records`),
   and fuses the finger scores by their sum (:func:`~scomm.biometrics.matcher.fuse` says why);
3. **decides** against a threshold derived from the FPIR the operator accepts and the gallery's
   size (:mod:`~scomm.biometrics.calibration`), and returns an ABIS-style candidate list.

Exhaustive verification never runs: stage 2 sees at most :data:`VERIFY` identities whatever
the gallery's size. A mate is lost only if the prefilter ranks :data:`VERIFY` non-mates above
it; the benchmark measures that miss rate separately (``bench/biometrics.py``).

Memory. Resident per identity: its code (320 B) in the faiss index with an 8-byte id, its
38-byte row and its subject id; the minutiae (~2.6 KB) stay on disk until verification reads
them. Enrolment and withdrawal touch one identity (the index shifts its codes on a withdrawal,
~30 ms at a million); nothing is rebuilt. Start-up reads the codes into the index and maps the
minutiae; :attr:`Gallery.startup_seconds` records how long it took.
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

import faiss
import numpy as np
import numpy.typing as npt

from scomm.biometrics import encoder, mcc
from scomm.biometrics.calibration import DEFAULT_FPIR, Calibration
from scomm.biometrics.records import TemplateStore
from scomm.biometrics.template import FINGER_POSITIONS, Packed, Tenprint, check_packed
from scomm.domain.errors import InvalidInput

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

VERIFY = 20
"""Identities verified per search: the prefilter's nearest. See ``docs/benchmarks.md`` for the
mate's prefilter rank at 100K and 1M identities, which this has to cover."""

IDENTITY_CODE_BYTES = FINGER_POSITIONS * encoder.CODE_BYTES

ENGINE = f"{encoder.VERSION}/mcc16b-lssr/verify{VERIFY}"
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
        self._store = store
        self._index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(IDENTITY_CODE_BYTES * 8))
        self._rows: dict[str, int] = {}
        for rows, codes in store.codes():
            if rows.shape[0]:
                self._index.add_with_ids(codes, rows)
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
        self._index.add_with_ids(codes, rows)
        self._rows.update(zip(subject_ids, rows.tolist(), strict=True))

    def remove(self, subject_id: str) -> None:
        """Withdraw ``subject_id`` (unknown ids are an error)."""
        if subject_id not in self._rows:
            raise InvalidInput("subject_id", f"{subject_id!r} is not enrolled")
        self._withdraw([subject_id])

    def _withdraw(self, subject_ids: Sequence[str]) -> None:
        rows = np.array([self._rows.pop(s) for s in subject_ids], dtype=np.int64)
        self._index.remove_ids(faiss.IDSelectorBatch(rows))
        for row in rows.tolist():
            self._store.delete(row)

    # --- search ----------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        if self.fixed_threshold is not None:
            return self.fixed_threshold
        return self.calibration.threshold(self.fpir, len(self))

    def prefilter(self, probes: Sequence[Tenprint], k: int = VERIFY) -> tuple[I64, I64]:
        """Stage 1 alone: the ``k`` nearest rows of each probe and their Hamming distances,
        ``(len(probes), k)`` each, rows -1 past the gallery's size; one scan for all probes."""
        for i, p in enumerate(probes):
            if not isinstance(p, Tenprint):
                raise InvalidInput(f"probes[{i}]", f"expected a Tenprint, got {type(p).__name__}")
        packed = Packed.of(probes)
        codes = encoder.encode_arrays(packed.minutiae, packed.counts, probe=True)
        codes = codes.reshape(len(probes), IDENTITY_CODE_BYTES)
        distances, rows = self._index.search(codes, k)
        return np.asarray(distances, dtype=np.int64), np.asarray(rows, dtype=np.int64)

    def search(self, probe: Tenprint, k: int = 10) -> CandidateList:
        """The candidate list of ``probe``: up to ``k`` verified identities, best first."""
        return self.search_many([probe], k)[0]

    def search_many(self, probes: Sequence[Tenprint], k: int = 10) -> list[CandidateList]:
        """Candidate lists for several probes, sharing one prefilter scan (a booking batch)."""
        if k < 1:
            raise InvalidInput("k", f"must be ≥ 1, got {k}")
        if not probes:
            return []
        threshold = self.threshold
        fpir = self.calibration.fpir(threshold, len(self))
        if not len(self):
            return [CandidateList((), threshold, fpir, 0) for _ in probes]
        distances, rows = self.prefilter(probes, max(k, VERIFY))
        return [
            CandidateList(self._verify(p, d, r, k), threshold, fpir, len(self))
            for p, d, r in zip(probes, distances, rows, strict=True)
        ]

    def _verify(self, probe: Tenprint, distances: I64, rows: I64, k: int) -> tuple[Candidate, ...]:
        keep = rows >= 0
        rows, distances = rows[keep], distances[keep]
        packed = self._store.gather(rows)
        scores = mcc.score_rows(mcc.prepare_tenprint(probe), packed.minutiae, packed.counts)
        fused = scores.sum(axis=1)
        ids = [self._store.ids[r] for r in rows.tolist()]
        order = sorted(range(len(ids)), key=lambda i: (-fused[i], ids[i]))[:k]
        return tuple(
            Candidate(
                rank=n + 1,
                subject_id=ids[i],
                score=float(fused[i]),
                finger_scores=tuple(float(s) for s in scores[i]),
                prefilter_distance=int(distances[i]),
            )
            for n, i in enumerate(order)
        )

    def identify(self, probe: Tenprint) -> Candidate | None:
        """The identified subject, or ``None``: the hit of a search."""
        return self.search(probe, k=1).hit
