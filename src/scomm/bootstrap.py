"""Wire the system: engine, schema, reference data, galleries, agencies and the bus.

The subscription table below is the whole flow of DESIGN.md in one place: which consumer
(agency) takes which message kind with which handler. Handlers are plain functions; this module
binds each to the services it needs (cosmicpython's ``bootstrap``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table

from scomm.adapters import db, deadlines
from scomm.adapters.bus import FaultHook, InProcessBus, Listener, Subscription
from scomm.adapters.clock import Clock
from scomm.adapters.index import GalleryStore, gallery_dir
from scomm.adapters.reference import ReferenceData
from scomm.adapters.sources import SourceProfiles, default_profiles
from scomm.adapters.tables import iafis_subjects, ident_subjects
from scomm.adapters.uow import UnitOfWork
from scomm.agencies import crcl, detainers, field_office, hotline, iafis, ident, lea, lesc, sib
from scomm.agencies.services import Services
from scomm.domain.booking import Booking
from scomm.domain.messages import ExpireDeadlines, Message
from scomm.policy.catalog import load_catalog

AgencyHandler = Callable[[Any, UnitOfWork, Services], None]

#: consumer -> {message kind -> handler}. Commands must have exactly one consumer.
ROUTES: Mapping[str, Mapping[str, AgencyHandler]] = {
    "lea": {
        "SubmitBooking": lea.submit_booking,
        "SubmissionWithheld": lea.withheld,
        "CriminalSearchCompleted": lea.criminal_response,
        "ImmigrationSearchCompleted": lea.idr_no_match,
        "StatusDetermined": lea.idr_iar,
        "DetainerIssued": lea.detainer_received,
    },
    "sib": {"BookingSubmitted": sib.forward},
    "iafis": {"SubmissionForwarded": iafis.search},
    "ident": {"CriminalSearchCompleted": ident.search},
    "lesc": {"ImmigrationSearchCompleted": lesc.research},
    "field_office": {
        "StatusDetermined": field_office.open_case,
        "DecideCase": field_office.decide_case,
        "ReviewOverride": field_office.review_override,
        "DossierUpdated": field_office.dossier_updated,
        "RequerySource": field_office.requery_source,
        "RecordEncounter": field_office.record_encounter,
        "RecordDisposition": field_office.record_disposition,
        "ConcludeProceedings": field_office.conclude_proceedings,
    },
    "crcl": {
        "FileComplaint": crcl.file_complaint,
        "AdvanceComplaint": crcl.advance_complaint,
    },
    "hotline": {
        "ReceiveHotlineCall": hotline.receive_call,
        "CompleteHotlineReview": hotline.complete_review,
    },
    "detainers": {
        "ReportRelease": detainers.report_release,
        "RecordConviction": detainers.record_conviction,
        "RecordCustodyTransfer": detainers.custody_transfer,
        "RecordJailRelease": detainers.jail_release,
        "RecordDetainerServed": detainers.record_served,
        "CancelDetainer": detainers.cancel_detainer,
    },
}

DEADLINE_ACTIONS: Mapping[str, deadlines.DeadlineAction] = {
    detainers.LIMIT: detainers.limit_reached,
    detainers.PICKUP: detainers.pickup_reminder,
    "case_decision_due": field_office.decision_overdue,
    "override_review_due": field_office.override_review_overdue,
    "documentation_due": field_office.documentation_overdue,
    "escalation_due": field_office.escalation_overdue,
    hotline.DUE: hotline.review_overdue,
}


@dataclass
class System:
    engine: Engine
    clock: Clock
    services: Services
    bus: InProcessBus

    def reload(self) -> None:
        """Re-read reference data and galleries after an outside load (the simulator's seed)."""
        self.services.reference.refresh(self.engine)
        self.services.iafis.load(self.engine)
        self.services.ident.load(self.engine)

    def expect(self, bookings: Sequence[Booking]) -> None:
        """Search bookings ahead of their submission (:func:`scomm.agencies.iafis.expect`)."""
        iafis.expect(bookings, self.services)

    def close(self) -> None:
        """Write the galleries' appended enrolments out, so the next start reopens them."""
        self.services.iafis.close()
        self.services.ident.close()


def _consumer(name: str, routes: Mapping[str, AgencyHandler],
              svc: Services) -> Subscription:
    def handle(msg: Message, uow: UnitOfWork) -> None:
        routes[msg.kind](msg, uow, svc)

    return Subscription(consumer=name, kinds=frozenset(routes), handler=handle)


def _clock_consumer(svc: Services) -> Subscription:
    actions: dict[str, deadlines.DeadlineAction] = {
        **DEADLINE_ACTIONS, lesc.RETRY: partial(lesc.resume_research, svc=svc)}

    def handle(msg: Message, uow: UnitOfWork) -> None:
        if isinstance(msg, ExpireDeadlines):
            deadlines.fire_due(uow, actions)

    return Subscription(consumer="clock", kinds=frozenset({"ExpireDeadlines"}), handler=handle)


def bootstrap(engine: Engine, clock: Clock, listeners: Sequence[Listener] = (),
              fault: FaultHook | None = None, migrate: bool = True,
              galleries: Path | None = None, sources: SourceProfiles | None = None) -> System:
    """The system on ``engine``. With ``galleries``, the fingerprint galleries are kept in that
    folder and reopened at the next start instead of rebuilt (:class:`GalleryStore`)."""
    if migrate:
        db.migrate(engine)

    def store(table: Table, key: str) -> GalleryStore:
        return GalleryStore(table, key, gallery_dir(galleries, table) if galleries else None)

    svc = Services(reference=ReferenceData(), catalog=load_catalog(),
                   iafis=store(iafis_subjects, "fbi_number"),
                   ident=store(ident_subjects, "ident_id"),
                   sources=sources or default_profiles())
    subs = [_consumer(name, routes, svc) for name, routes in ROUTES.items()]
    subs.append(_clock_consumer(svc))
    system = System(engine=engine, clock=clock, services=svc,
                    bus=InProcessBus(engine, clock, subs, listeners=listeners, fault=fault))
    system.reload()
    return system
