"""The gallery's template store: packed minutiae on disk, memory-mapped, append-only.

Why on disk. A million identities hold ~640 minutiae each; as the 4-byte words of the wire
format (:func:`~scomm.biometrics.template.pack_minutiae`) that is ~2.6 GB, more than the
2.5 KB per identity the engine may keep resident. Only the few candidates a search verifies are
ever read, so the words live in a file mapped into memory: the kernel pages in what verification
touches and can drop it again, and start-up does not read the file at all.

Why append-only. Every file only grows: an enrolment appends its words, its row (offset,
per-finger counts and qualities), its code and its subject id; a withdrawal appends the row
number to ``deleted.i64``; a re-enrolment is a withdrawal plus an enrolment. Nothing is
rewritten in place, so a crash can only leave a torn tail, which :meth:`TemplateStore.open`
detects from the file sizes and reports instead of serving a half-written row. Rows are never
reused, so a row number is a stable id for the prefilter index. Space held by withdrawn rows
comes back when the gallery is rebuilt from the database (the system of record).

Files of a store directory: ``manifest.json`` (format and encoder version, code size), ``ids.txt``
(one subject id per row), ``rows.bin`` (:data:`ROW`), ``words.u32`` (little-endian minutia words),
``codes.u8`` (the prefilter code of each row) and ``deleted.i64``.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt

from scomm.biometrics.template import (
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    Packed,
    pack_minutiae,
    unpack_minutiae,
)
from scomm.domain.errors import InvalidInput, ScommError

I16 = npt.NDArray[np.int16]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
_T = TypeVar("_T", bound=np.generic)

FORMAT = 1
"""Version of the directory layout; a store of another version is refused, not guessed at."""

ROW = np.dtype([
    ("offset", "<i8"),
    ("counts", "<i2", (FINGER_POSITIONS,)),
    ("quality", "u1", (FINGER_POSITIONS,)),
])
"""One enrolment: where its words start in ``words.u32``, each finger's minutiae count (-1 for
a missing finger) and quality. 38 bytes."""

_FILES = ("ids.txt", "rows.bin", "words.u32", "codes.u8", "deleted.i64")


class StoreDamaged(ScommError):
    """A store's files disagree (a torn write or a foreign file): rebuild it from the database."""


class TemplateStore:
    """Append-only packed tenprints of one gallery (see the module docstring).

    ``code_bytes`` is the size of one row's prefilter code; the store keeps the codes so the
    index can be rebuilt at start-up without re-encoding. Not thread-safe.
    """

    def __init__(self, path: Path, code_bytes: int, encoder: str) -> None:
        self.path = path
        self.code_bytes = code_bytes
        self.encoder = encoder
        self.ids: list[str] = []
        self._rows = np.zeros(0, dtype=ROW)
        self._alive = np.zeros(0, dtype=bool)
        self._codes = np.zeros((0, code_bytes), dtype=np.uint8)
        self._n = 0
        self._words = 0
        self._map: mmap.mmap | None = None
        self._view: U32 = np.zeros(0, dtype=np.uint32)
        self._out: dict[str, BinaryIO] = {}

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, code_bytes: int, encoder: str) -> TemplateStore:
        """A new, empty store in ``path`` (created; an existing store there is an error)."""
        path.mkdir(parents=True, exist_ok=True)
        if (path / "manifest.json").exists():
            raise InvalidInput(str(path), "already holds a gallery; open it or remove it first")
        for name in _FILES:
            (path / name).write_bytes(b"")
        manifest = {"format": FORMAT, "encoder": encoder, "code_bytes": code_bytes}
        (path / "manifest.json").write_text(json.dumps(manifest) + "\n")
        store = cls(path, code_bytes, encoder)
        store._open_files()
        return store

    @classmethod
    def open(cls, path: Path, encoder: str) -> TemplateStore:
        """Open an existing store; its encoder must be ``encoder`` (codes of another encoder
        would be silently meaningless to the index)."""
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise StoreDamaged(f"{path}: no readable manifest.json ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise StoreDamaged(f"{path}: format {manifest.get('format')!r}, expected {FORMAT}")
        if manifest.get("encoder") != encoder:
            raise StoreDamaged(
                f"{path}: codes of encoder {manifest.get('encoder')!r}, this engine uses "
                f"{encoder!r}; rebuild the gallery"
            )
        store = cls(path, int(manifest["code_bytes"]), encoder)
        store._load()
        store._open_files()
        return store

    def _load(self) -> None:
        p = self.path
        ids = (p / "ids.txt").read_text(encoding="utf-8").split("\n")
        if ids[-1] != "":
            raise StoreDamaged(f"{p / 'ids.txt'}: last line is torn")
        self.ids = ids[:-1]
        n = len(self.ids)
        sizes = {
            "rows.bin": n * ROW.itemsize,
            "codes.u8": n * self.code_bytes,
        }
        for name, want in sizes.items():
            have = (p / name).stat().st_size
            if have != want:
                raise StoreDamaged(f"{p / name}: {have} bytes for {n} rows, expected {want}")
        self._rows = np.fromfile(p / "rows.bin", dtype=ROW)
        self._codes = np.fromfile(p / "codes.u8", dtype=np.uint8).reshape(n, self.code_bytes)
        self._n = n
        self._words = (p / "words.u32").stat().st_size // 4
        if n:
            last = self.rows[-1]
            end = int(last["offset"]) + int(np.maximum(last["counts"], 0).sum())
            if end != self._words:
                raise StoreDamaged(f"{p / 'words.u32'}: {self._words} words, rows need {end}")
        self._alive = np.ones(n, dtype=bool)
        deleted = np.fromfile(p / "deleted.i64", dtype="<i8")
        if deleted.size and (deleted.min() < 0 or deleted.max() >= n):
            raise StoreDamaged(f"{p / 'deleted.i64'}: row numbers outside 0..{n - 1}")
        self._alive[deleted] = False

    def _open_files(self) -> None:
        self._out = {name: (self.path / name).open("ab") for name in _FILES}

    def flush(self) -> None:
        for f in self._out.values():
            f.flush()

    def close(self) -> None:
        self.flush()
        for f in self._out.values():
            f.close()
        self._out = {}
        self._unmap()

    def _unmap(self) -> None:
        self._view = np.zeros(0, dtype=np.uint32)
        if self._map is not None:
            self._map.close()
            self._map = None

    # --- writes ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def append(self, ids: Sequence[str], packed: Packed, codes: U8) -> I64:
        """Append enrolments; returns their row numbers. ``codes`` is ``(n, code_bytes)``."""
        n = len(packed)
        if len(ids) != n or codes.shape != (n, self.code_bytes):
            raise InvalidInput("codes", f"need {n} ids and ({n}, {self.code_bytes}) codes")
        for i, s in enumerate(ids):
            if not isinstance(s, str) or not s or "\n" in s or "\r" in s:
                raise InvalidInput(f"subject_ids[{i}]", f"must be a one-line string, got {s!r}")
        present = np.arange(MAX_MINUTIAE + 1)[None, None, :] < packed.counts[:, :, None]
        words = pack_minutiae(packed.minutiae)[present].astype("<u4")
        totals = np.maximum(packed.counts, 0).sum(axis=1, dtype=np.int64)
        rows = np.zeros(n, dtype=ROW)
        rows["offset"] = self._words + np.concatenate([[0], np.cumsum(totals)[:-1]])
        rows["counts"] = packed.counts
        rows["quality"] = packed.quality
        self._out["words.u32"].write(words.tobytes())
        self._out["rows.bin"].write(rows.tobytes())
        self._out["codes.u8"].write(np.ascontiguousarray(codes, dtype=np.uint8).tobytes())
        self._out["ids.txt"].write("".join(f"{s}\n" for s in ids).encode("utf-8"))
        first = self._n
        self.ids.extend(ids)
        self._rows = _grown(self._rows, self._n + n)
        self._alive = _grown(self._alive, self._n + n)
        self._codes = _grown(self._codes, self._n + n)
        self._rows[first:first + n] = rows
        self._alive[first:first + n] = True
        self._codes[first:first + n] = codes
        self._n += n
        self._words += int(words.shape[0])
        return np.arange(first, self._n, dtype=np.int64)

    def delete(self, row: int) -> None:
        self._out["deleted.i64"].write(np.array([row], dtype="<i8").tobytes())
        self._alive[row] = False

    # --- reads -----------------------------------------------------------------------------

    @property
    def rows(self) -> npt.NDArray[np.void]:
        """Every row's :data:`ROW` record, withdrawn ones included."""
        return self._rows[: self._n]

    @property
    def alive(self) -> npt.NDArray[np.bool_]:
        """Whether each row is still enrolled."""
        return self._alive[: self._n]

    def code_buffer(self) -> tuple[U8, npt.NDArray[np.bool_]]:
        """The codes of every row and the live flags, as resident buffers that may be longer
        than :func:`len` (the scan reads the first ``len(store)`` rows): read whole at start-up,
        grown by doubling on appends, so neither an enrolment nor a search copies them."""
        return self._codes, self._alive

    def _words_view(self, end: int) -> U32:
        """The mapped words, remapped when a read needs words appended since the last map."""
        if self._view.shape[0] < end:
            self.flush()
            self._unmap()
            fd = os.open(self.path / "words.u32", os.O_RDONLY)
            try:
                self._map = mmap.mmap(fd, self._words * 4, access=mmap.ACCESS_READ)
            finally:
                os.close(fd)
            # A search reads a few kilobytes at random places; the kernel's default read-ahead
            # (128 KB) would pull thirty pages in around each, and keep them resident: at 100K
            # identities that was 440 B of resident memory per identity per 200 searches.
            self._map.madvise(mmap.MADV_RANDOM)
            self._view = np.frombuffer(self._map, dtype="<u4")
        return self._view

    def gather(self, rows: I64) -> Packed:
        """Rows ``rows`` unpacked into the packed layout, for verification."""
        meta = self.rows[rows]
        counts = meta["counts"].astype(np.int16)
        sizes = np.maximum(counts, 0).sum(axis=1)
        starts = meta["offset"]
        view = self._words_view(int((starts + sizes).max()) if rows.shape[0] else 0)
        out = Packed(
            np.zeros((rows.shape[0], FINGER_POSITIONS, MAX_MINUTIAE + 1, 4), dtype=np.int16),
            counts,
            meta["quality"].astype(np.uint8),
        )
        if not rows.shape[0] or not sizes.sum():
            return out
        idx = np.concatenate([np.arange(s, s + z) for s, z in zip(starts, sizes, strict=True)])
        m = unpack_minutiae(view[idx])
        per = np.maximum(counts, 0).ravel()
        r = np.repeat(np.arange(rows.shape[0]), sizes)
        f = np.repeat(np.tile(np.arange(FINGER_POSITIONS), rows.shape[0]), per)
        j = np.arange(idx.shape[0]) - np.repeat(np.cumsum(per) - per, per)
        out.minutiae[r, f, j] = m
        return out

    def live_ids(self) -> list[str]:
        return [s for s, a in zip(self.ids, self.alive, strict=True) if a]


def _grown(a: npt.NDArray[_T], n: int) -> npt.NDArray[_T]:
    """``a`` with room for ``n`` rows: itself, or a copy with twice the capacity, so that
    enrolling one identity at a time costs amortised O(1) copying, not O(gallery)."""
    if a.shape[0] >= n:
        return a
    out = np.empty((max(n, 2 * a.shape[0], 1024), *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out
