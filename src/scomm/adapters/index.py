"""Fingerprint galleries backed by the database.

The templates are the system of record in the ``*_subjects`` tables; the in-memory
``Gallery`` is a cache rebuilt from them at start-up. An enrolment writes the row in the
handler's transaction and touches the in-memory gallery only after commit, so a rolled-back
transaction can never leave a phantom identity in the index (invariant 7).
"""

from __future__ import annotations

from sqlalchemy import Engine, Table, insert, select

from scomm.adapters.uow import UnitOfWork
from scomm.biometrics.gallery import Candidate, Gallery
from scomm.biometrics.template import Tenprint, decode_tenprint


class GalleryStore:
    def __init__(self, table: Table, key: str, threshold: float | None = None) -> None:
        self.table = table
        self.key = key
        self.gallery = Gallery(threshold=threshold)

    def load(self, engine: Engine) -> int:
        """Rebuild the in-memory gallery from the table; returns the number of identities."""
        self.gallery = Gallery(threshold=self.gallery.threshold)
        key = self.table.c[self.key]
        with engine.connect() as conn:
            for row in conn.execute(select(key, self.table.c.prints)):
                self.gallery.add(row[0], decode_tenprint(row[1]))
        return len(self.gallery)

    def identify(self, probe: Tenprint) -> Candidate | None:
        return self.gallery.identify(probe)

    def enrol(self, uow: UnitOfWork, subject_id: str, prints: str, **columns: object) -> None:
        uow.conn.execute(insert(self.table).values(
            {self.key: subject_id, "prints": prints, "enrolled_at": uow.now(), **columns}))
        template = decode_tenprint(prints)
        uow.after_commit(lambda: self.gallery.add(subject_id, template))
