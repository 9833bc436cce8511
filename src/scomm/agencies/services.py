"""What agencies are handed besides the message and the unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field

from scomm.adapters.index import GalleryStore
from scomm.adapters.reference import ReferenceData
from scomm.adapters.sources import SourceProfiles, default_profiles
from scomm.policy.catalog import OffenseCatalog


@dataclass
class Services:
    reference: ReferenceData
    catalog: OffenseCatalog
    iafis: GalleryStore
    ident: GalleryStore
    sources: SourceProfiles = field(default_factory=default_profiles)
