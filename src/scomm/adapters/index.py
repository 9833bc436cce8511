"""Fingerprint galleries backed by the database.

The templates are the system of record in the ``*_subjects`` tables; a
:class:`~scomm.biometrics.gallery.Gallery` (codes in the prefilter index, minutiae in a
memory-mapped store) is a derived index of them. An enrolment writes the row in the handler's
transaction and touches the gallery only after commit, so a rolled-back transaction can never
leave a phantom identity in the index (invariant 7).

Start-up. With a ``directory``, :meth:`GalleryStore.load` reopens the gallery stored there
when it holds exactly the subjects the table holds (compared by count and an order-free digest
of their ids), which is the measured start-up of a restarted service; otherwise (first start,
a crash between a commit and the gallery's append, a changed encoder) it rebuilds the gallery
from the table. Without one, the gallery lives in a temporary directory and is rebuilt at
every start.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import Engine, Table, func, insert, select

from scomm.adapters.uow import UnitOfWork
from scomm.biometrics.gallery import Candidate, EarlySearch, Gallery, Probes
from scomm.biometrics.records import StoreDamaged
from scomm.biometrics.template import Packed, Tenprint, decode_tenprint

REBUILD_BATCH = 5000
"""Subjects decoded and enrolled per step of a rebuild: large enough for the encoder's
parallel pass, small enough that the packed batch (~10 KB a subject) stays modest."""


def gallery_dir(root: Path, table: Table) -> Path:
    """Where the gallery of a subject table lives under a run's galleries folder."""
    return root / table.name


def digest(ids: Iterable[str]) -> int:
    """An order-free fingerprint of a set of ids: the sum of their 64-bit hashes."""
    total = 0
    for s in ids:
        total += int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big")
    return total % 2**64


class GalleryStore:
    def __init__(self, table: Table, key: str, directory: Path | None = None) -> None:
        self.table = table
        self.key = key
        self.directory = directory
        self.gallery: Gallery | None = None
        self._ahead: dict[str, EarlySearch] = {}
        self._older: dict[str, EarlySearch] = {}
        self.searched_ahead = 0
        self.settled = 0

    def load(self, engine: Engine) -> int:
        """Open or rebuild the gallery for the table; returns the number of identities."""
        if self.gallery is not None:
            self.gallery.close()
        self._ahead, self._older = {}, {}
        key = self.table.c[self.key]
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(self.table)).scalar_one()
            if self.directory is not None and (self.directory / "manifest.json").exists():
                try:
                    g = Gallery.open(self.directory)
                except StoreDamaged:
                    g = None
                if g is not None and len(g) == count:
                    ids = conn.execute(select(key)).scalars()
                    if digest(ids) == digest(g.subject_ids()):
                        self.gallery = g
                        return len(g)
                if g is not None:
                    g.close()
            self.gallery = self._fresh()
            batch_ids: list[str] = []
            batch: list[Tenprint] = []
            for sid, prints in conn.execute(select(key, self.table.c.prints)):
                batch_ids.append(sid)
                batch.append(decode_tenprint(prints))
                if len(batch) >= REBUILD_BATCH:
                    self.gallery.enrol_packed(batch_ids, Packed.of(batch))
                    batch_ids, batch = [], []
            if batch:
                self.gallery.enrol_packed(batch_ids, Packed.of(batch))
        self.gallery.flush()
        return len(self.gallery)

    def close(self) -> None:
        if self.gallery is not None:
            self.gallery.close()
            self.gallery = None

    def _fresh(self) -> Gallery:
        if self.directory is None:
            return Gallery.temporary()
        if self.directory.exists():
            shutil.rmtree(self.directory)
        return Gallery.create(self.directory)

    def _loaded(self) -> Gallery:
        if self.gallery is None:
            raise RuntimeError(f"the {self.table.name} gallery is used before load()")
        return self.gallery

    def expect(self, prints: Sequence[str], probes: Probes | None = None) -> None:
        """Search ``prints`` ahead of their arrival, in one batch (:meth:`Gallery.search_ahead`);
        ``probes``, when given, are the same prints already prepared.

        A result waits for its submission until two later batches have been expected, then is
        dropped (a submission that never came, or was never shared): a replay expects a day at
        a time, and a county's day ends up to eight hours after the UTC day that expected it.
        """
        rows, seen = [], set(self._ahead)
        for i, p in enumerate(prints):
            if p not in seen:
                seen.add(p)
                rows.append(i)
        self._older, self._ahead = self._ahead, {}
        if rows:
            prepared = (probes.take(rows) if probes is not None
                        else Probes.of([decode_tenprint(prints[i]) for i in rows]))
            early = self._loaded().search_ahead(prepared)
            self._ahead = dict(zip((prints[i] for i in rows), early, strict=True))
        self.searched_ahead += len(rows)

    def identify(self, prints: str) -> Candidate | None:
        """The identified subject of a submission's prints, or ``None``; the same answer
        whether or not the prints were :meth:`expect`-ed, only sooner."""
        gallery = self._loaded()
        early = self._ahead.pop(prints, None) or self._older.pop(prints, None)
        result = gallery.settle(early) if early is not None else None
        if result is None:
            result = gallery.search(decode_tenprint(prints))
        else:
            self.settled += 1
        return result.hit

    def enrol(self, uow: UnitOfWork, subject_id: str, prints: str, **columns: object) -> None:
        uow.conn.execute(insert(self.table).values(
            {self.key: subject_id, "prints": prints, "enrolled_at": uow.now(), **columns}))
        template = decode_tenprint(prints)
        gallery = self._loaded()
        uow.after_commit(lambda: gallery.enrol(subject_id, template))
