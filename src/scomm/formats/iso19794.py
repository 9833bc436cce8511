"""ISO/IEC 19794-2:2005 finger minutiae records ("FMR"), read and written.

A livescan station or a state system may hand us minutiae in the interchange format every
vendor exports rather than in our compact tenprint word format; this module converts between
the two without touching the minutiae: :mod:`scomm.biometrics.template` already uses ISO's units
(pixels at 500 ppi, origin top-left, y down, angles in 2π/256 steps counter-clockwise).

Layout, all integers big-endian (ISO/IEC 19794-2:2005 clause 7, with Cor.1:2009)::

    record header, 24 bytes
      "FMR\\0"            4   format identifier
      " 20\\0"            4   version
      length              4   whole record, header included
      equipment           2   4-bit certification flag, 12-bit capture device type (0, 0)
      width, height       2+2 image size in pixels
      x, y resolution     2+2 pixels per centimetre: 500 ppi is 196.85, stored as 197
      views               1   number of finger views
      reserved            1   0
    then, per finger view
      position            1   ANSI/NIST finger position, 1..10 here
      view / impression   1   view number (high nibble) and impression type (low nibble)
      quality             1   0..100
      count               1   number of minutiae
      minutiae            count x 6:
                              type (2 bits: 01 ending, 10 bifurcation, 00 other) + x (14 bits)
                              reserved (2 bits, 0) + y (14 bits)
                              angle (1 byte, 2π/256 units)
                              quality (1 byte, 0..100, 0 = not reported)
      extended data       2   length of the view's extended data blocks (0 when absent),
                              then that many bytes of blocks: type 2, data length 2, data

The reader is strict: every byte is accounted for, every field range-checked, and any defect
raises :class:`~scomm.domain.errors.InvalidInput` naming the byte offset, because a template
mangled at the door would surface weeks later as a missed identification. It accepts only
what a :class:`~scomm.biometrics.template.Tenprint` can hold without guessing: 500 ppi, finger
positions 1..10 each at most once, endings and bifurcations inside the 512-pixel window. The
extended data (ridge counts, cores, deltas) is checked for structure and skipped, since our
templates do not carry it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scomm.biometrics.template import (
    BIFURCATION,
    COORD_MAX,
    FINGER_POSITIONS,
    MAX_MINUTIAE,
    RIDGE_ENDING,
    FingerTemplate,
    Tenprint,
)
from scomm.domain.errors import InvalidInput

MAGIC = b"FMR\x00"
VERSION = b" 20\x00"
HEADER = struct.Struct(">4s4sIHHHHHBB")
VIEW_HEADER = struct.Struct(">BBBB")
MINUTIA_BYTES = 6
EXTENDED_BLOCK = struct.Struct(">HH")

PIXELS_PER_CM_500_PPI = 197
"""ISO stores resolution in pixels per centimetre: 500 / 2.54 = 196.85, rounded."""

WINDOW = COORD_MAX + 1
"""Default image size: our templates live in a 512 x 512 window at 500 ppi."""

LIVE_SCAN_PLAIN = 0
LIVE_SCAN_ROLLED = 1
NONLIVE_SCAN_PLAIN = 2
NONLIVE_SCAN_ROLLED = 3
SWIPE = 8
ISO_IMPRESSIONS = frozenset({LIVE_SCAN_PLAIN, LIVE_SCAN_ROLLED, NONLIVE_SCAN_PLAIN,
                             NONLIVE_SCAN_ROLLED, SWIPE})
"""ISO/IEC 19794-2:2005 impression codes. Codes 0..3 mean the same in ANSI/NIST-ITL Table 7,
which is why the CAR writer reuses them; 8 (swipe) exists only here."""

ISO_TYPE_BITS = {RIDGE_ENDING: 0b01, BIFURCATION: 0b10}
"""Our minutia type -> ISO's 2-bit code. ISO's 00 ("other") and 11 have no slot in a template."""
_TYPE_FROM_BITS = {bits: kind for kind, bits in ISO_TYPE_BITS.items()}


@dataclass(frozen=True)
class FingerView:
    """One finger view of a record: which finger, how it was captured, and its minutiae."""

    position: int
    template: FingerTemplate
    impression: int = LIVE_SCAN_ROLLED

    def __post_init__(self) -> None:
        if isinstance(self.position, bool) or not isinstance(self.position, int) \
                or not 1 <= self.position <= FINGER_POSITIONS:
            raise InvalidInput("view.position",
                               f"finger positions are 1..10, got {self.position!r}")
        if self.impression not in ISO_IMPRESSIONS:
            raise InvalidInput("view.impression",
                               f"impression type must be one of {sorted(ISO_IMPRESSIONS)}, "
                               f"got {self.impression!r}")
        if not isinstance(self.template, FingerTemplate):
            raise InvalidInput("view.template", f"expected FingerTemplate, got {self.template!r}")


def views_of(tenprint: Tenprint, impression: int = LIVE_SCAN_ROLLED) -> tuple[FingerView, ...]:
    """The present fingers of ``tenprint`` as views, in position order; missing fingers drop out."""
    return tuple(FingerView(i + 1, f, impression)
                 for i, f in enumerate(tenprint.fingers) if f is not None)


def tenprint_of(views: Sequence[FingerView]) -> Tenprint:
    """Place views in their finger slots; a position given twice is refused, not overwritten."""
    fingers: list[FingerTemplate | None] = [None] * FINGER_POSITIONS
    for k, v in enumerate(views):
        if fingers[v.position - 1] is not None:
            raise InvalidInput(f"views[{k}].position",
                               f"finger position {v.position} appears more than once")
        fingers[v.position - 1] = v.template
    return Tenprint(tuple(fingers))


def encode_iso(source: Tenprint | Sequence[FingerView], *, impression: int = LIVE_SCAN_ROLLED,
               width: int = WINDOW, height: int = WINDOW) -> bytes:
    """Write an ISO/IEC 19794-2:2005 record with one view per present finger.

    A :class:`Tenprint` is written with ``impression`` for every finger; a sequence of views
    keeps each view's own. Per-minutia quality is written as 0 ("not reported"): our templates
    do not have one, and inventing it would mislead a matcher that weights by it.
    """
    views = views_of(source, impression) if isinstance(source, Tenprint) else tuple(source)
    if not views:
        raise InvalidInput("views", "an ISO record needs at least one finger view")
    if len(views) > 255:
        raise InvalidInput("views", f"at most 255 views fit the count byte, got {len(views)}")
    for name, size in (("width", width), ("height", height)):
        if not 1 <= size <= 0x3FFF:
            raise InvalidInput(name, f"image {name} must be in 1..16383, got {size}")
    tenprint_of(views)
    body: list[bytes] = []
    for k, v in enumerate(views):
        m = v.template.minutiae.astype(np.uint32)
        if len(m) and (int(m[:, 0].max()) >= width or int(m[:, 1].max()) >= height):
            raise InvalidInput(f"views[{k}]", f"minutiae outside the {width} x {height} image")
        body.append(VIEW_HEADER.pack(v.position, v.impression, v.template.quality, len(m)))
        rows = np.zeros((len(m), 3), dtype=">u2")
        bits = np.where(m[:, 3] == RIDGE_ENDING, ISO_TYPE_BITS[RIDGE_ENDING],
                        ISO_TYPE_BITS[BIFURCATION])
        rows[:, 0] = (bits << 14) | m[:, 0]
        rows[:, 1] = m[:, 1]
        rows[:, 2] = m[:, 2] << 8
        body.append(rows.tobytes())
        body.append(b"\x00\x00")
    payload = b"".join(body)
    head = HEADER.pack(MAGIC, VERSION, HEADER.size + len(payload), 0, width, height,
                       PIXELS_PER_CM_500_PPI, PIXELS_PER_CM_500_PPI, len(views), 0)
    return head + payload


def decode_iso(data: bytes) -> Tenprint:
    """Read an ISO/IEC 19794-2:2005 record into a tenprint (fingers absent from it are ``None``)."""
    return tenprint_of(decode_iso_views(data))


def decode_iso_views(data: bytes) -> tuple[FingerView, ...]:
    """Read an ISO/IEC 19794-2:2005 record's finger views, in record order.

    Any defect raises :class:`InvalidInput` whose ``where`` names the byte offset (and the view
    and minutia when inside one); nothing else escapes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput("iso", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) < HEADER.size:
        raise InvalidInput("iso@0", f"truncated: {len(data)} bytes, the header alone is "
                                    f"{HEADER.size}")
    (magic, version, length, _equipment, width, height, xres, yres, n_views,
     reserved) = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise InvalidInput("iso@0", f"bad format identifier {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise InvalidInput("iso@4", f"unsupported version {version!r}, expected {VERSION!r} "
                                    "(ISO/IEC 19794-2:2005)")
    if length != len(data):
        raise InvalidInput("iso@8", f"record length field says {length} bytes, "
                                    f"the record has {len(data)}")
    if width == 0 or height == 0:
        raise InvalidInput("iso@14", f"image size {width} x {height} has a zero side")
    for offset, res in ((18, xres), (20, yres)):
        if res != PIXELS_PER_CM_500_PPI:
            raise InvalidInput(f"iso@{offset}", f"resolution {res} px/cm, only 500 ppi "
                                                f"({PIXELS_PER_CM_500_PPI} px/cm) is supported")
    if n_views == 0:
        raise InvalidInput("iso@22", "the record holds no finger view")
    if reserved != 0:
        raise InvalidInput("iso@23", f"reserved byte is {reserved}, must be 0")
    pos = HEADER.size
    views: list[FingerView] = []
    seen: set[int] = set()
    for k in range(n_views):
        view, pos = _read_view(data, pos, k, width, height)
        if view.position in seen:
            raise InvalidInput(f"iso.view[{k}]@{pos}",
                               f"finger position {view.position} appears more than once")
        seen.add(view.position)
        views.append(view)
    if pos != len(data):
        raise InvalidInput(f"iso@{pos}", f"{len(data) - pos} bytes after the last finger view")
    return tuple(views)


def _read_view(data: bytes, pos: int, k: int, width: int,
               height: int) -> tuple[FingerView, int]:
    where = f"iso.view[{k}]"
    if pos + VIEW_HEADER.size > len(data):
        raise InvalidInput(f"{where}@{pos}", f"truncated view header at byte {len(data)}")
    position, view_impression, quality, count = VIEW_HEADER.unpack_from(data, pos)
    if not 1 <= position <= FINGER_POSITIONS:
        raise InvalidInput(f"{where}@{pos}", f"finger position {position}: only 1..10 "
                                             "(one finger each) fit a tenprint")
    view_number, impression = view_impression >> 4, view_impression & 0xF
    if view_number != 0:
        raise InvalidInput(f"{where}@{pos + 1}", f"view number {view_number}: one view per "
                                                 "finger is supported, numbered 0")
    if impression not in ISO_IMPRESSIONS:
        raise InvalidInput(f"{where}@{pos + 1}", f"unknown impression type {impression}")
    if quality > 100:
        raise InvalidInput(f"{where}@{pos + 2}", f"finger quality {quality} is above 100")
    if count > MAX_MINUTIAE:
        raise InvalidInput(f"{where}@{pos + 3}",
                           f"{count} minutiae, a template holds at most {MAX_MINUTIAE}")
    pos += VIEW_HEADER.size
    end = pos + MINUTIA_BYTES * count
    if end + 2 > len(data):
        raise InvalidInput(f"{where}@{pos}", f"{count} minutiae need bytes up to {end + 1}, "
                                             f"the record ends at {len(data) - 1}")
    raw = np.frombuffer(data, dtype=">u2", count=3 * count, offset=pos).reshape(count, 3)
    words = raw.astype(np.int32)
    bits, x = words[:, 0] >> 14, words[:, 0] & 0x3FFF
    y_reserved, y = words[:, 1] >> 14, words[:, 1] & 0x3FFF
    angle, m_quality = words[:, 2] >> 8, words[:, 2] & 0xFF
    checks = (
        ((bits != ISO_TYPE_BITS[RIDGE_ENDING]) & (bits != ISO_TYPE_BITS[BIFURCATION]), 0,
         "type must be 01 (ending) or 10 (bifurcation)"),
        ((x >= width) | (x > COORD_MAX), 0, f"x outside the image and the 0..{COORD_MAX} window"),
        (y_reserved != 0, 2, "reserved bits above y are not 0"),
        ((y >= height) | (y > COORD_MAX), 2,
         f"y outside the image and the 0..{COORD_MAX} window"),
        (m_quality > 100, 5, "minutia quality above 100"),
    )
    for bad, byte, problem in checks:
        if bad.any():
            j = int(np.nonzero(bad)[0][0])
            raise InvalidInput(f"{where}.minutiae[{j}]@{pos + MINUTIA_BYTES * j + byte}", problem)
    m = np.empty((count, 4), dtype=np.int16)
    m[:, 0] = x
    m[:, 1] = y
    m[:, 2] = angle
    m[:, 3] = np.where(bits == ISO_TYPE_BITS[RIDGE_ENDING], RIDGE_ENDING, BIFURCATION)
    pos = _skip_extended(data, end, where)
    template = FingerTemplate._trusted(m, quality)
    return FingerView(position, template, impression), pos


def _skip_extended(data: bytes, pos: int, where: str) -> int:
    """Check the view's extended data blocks tile their declared length exactly; skip them."""
    length = int.from_bytes(data[pos:pos + 2], "big")
    start = pos + 2
    end = start + length
    if end > len(data):
        raise InvalidInput(f"{where}.extended@{pos}", f"{length} bytes of extended data, the "
                                                      f"record ends at byte {len(data) - 1}")
    p = start
    while p < end:
        if p + EXTENDED_BLOCK.size > end:
            raise InvalidInput(f"{where}.extended@{p}", "truncated extended data block header")
        kind, size = EXTENDED_BLOCK.unpack_from(data, p)
        p += EXTENDED_BLOCK.size
        if kind == 0 or p + size > end:
            raise InvalidInput(f"{where}.extended@{p - EXTENDED_BLOCK.size}",
                               f"bad extended data block (type {kind}, {size} data bytes)")
        p += size
    return end
