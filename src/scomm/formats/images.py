"""WSQ-compressed 500 ppi finger images, as a booking's Type-14 records carry them.

WSQ (the FBI's wavelet scalar quantization) is what EBTS requires for 500 ppi tenprint images.
Encoding and decoding go through the ``wsq`` Pillow plugin (NBIS C code). Its decoder is not
safe on untrusted input: fed a corrupted stream it can corrupt the heap and abort the whole
process (measured here: ``malloc_consolidate(): unaligned fastbin chunk`` within a few hundred
single-byte mutations). So a file read from outside is only *walked*, in Python, marker by
marker (:func:`wsq_size`): that proves the stream is framed as WSQ and yields the image size
to check against the record's HLL/VLL, but the pixels are decoded only on request
(:meth:`FingerImage.pixels`), by code that trusts the source or runs in a disposable process.

Marker walk (NBIS ``wsq.h``; every segment but SOI/EOI carries a 2-byte length that counts
itself): SOI ``FFA0`` first; table and comment segments ``FFA4``..``FFA8``; one frame header
SOF ``FFA2`` holding black, white, height, width; block headers SOB ``FFA3``, each followed by
entropy-coded data in which a data ``FF`` byte is followed by a stuffed ``00`` (or a restart
marker ``FFB0``..``FFB7``); EOI
``FFA1`` last.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PIL import Image

from scomm.biometrics.template import FINGER_POSITIONS
from scomm.domain.errors import InvalidInput

SOI, EOI, SOF, SOB = 0xFFA0, 0xFFA1, 0xFFA2, 0xFFA3
TABLES = frozenset({0xFFA4, 0xFFA5, 0xFFA6, 0xFFA7, 0xFFA8})
"""Transform, quantization, Huffman, restart and comment segments: length-prefixed, skipped."""

RESTART_FIRST, RESTART_LAST = 0xB0, 0xB7
"""Restart markers ``FFB0``..``FFB7`` may interrupt entropy-coded data; they belong to it."""

MIN_SIDE = 16
"""Smallest image side accepted: below it no 5-level wavelet decomposition exists."""


def _register_plugin() -> None:
    """Importing ``wsq`` registers its codec with Pillow; nothing else of it is used by name."""
    import wsq  # noqa: F401


def wsq_size(data: bytes, where: str = "wsq") -> tuple[int, int]:
    """``(width, height)`` of a WSQ stream, after checking its marker structure end to end.

    Raises :class:`InvalidInput` naming the byte offset of the first defect; never decodes.
    """
    n = len(data)

    def marker_at(p: int) -> int:
        if p + 2 > n:
            raise InvalidInput(f"{where}@{p}", "truncated: a marker was expected")
        value = int.from_bytes(data[p:p + 2], "big")
        if value >> 8 != 0xFF:
            raise InvalidInput(f"{where}@{p}", f"expected a WSQ marker, got {value:#06x}")
        return value

    def segment_end(p: int) -> int:
        if p + 4 > n:
            raise InvalidInput(f"{where}@{p}", "truncated segment header")
        length = int.from_bytes(data[p + 2:p + 4], "big")
        if length < 2 or p + 2 + length > n:
            raise InvalidInput(f"{where}@{p + 2}", f"segment length {length} runs past the end")
        return p + 2 + length

    if marker_at(0) != SOI:
        raise InvalidInput(f"{where}@0", "not a WSQ stream (no SOI marker FFA0)")
    p = 2
    size: tuple[int, int] | None = None
    blocks = 0
    while True:
        marker = marker_at(p)
        if marker == EOI:
            break
        if marker in TABLES:
            p = segment_end(p)
        elif marker == SOF:
            if size is not None:
                raise InvalidInput(f"{where}@{p}", "second frame header")
            end = segment_end(p)
            if end - p < 10:
                raise InvalidInput(f"{where}@{p}", "frame header too short")
            height, width = struct.unpack_from(">HH", data, p + 6)
            if width < MIN_SIDE or height < MIN_SIDE:
                raise InvalidInput(f"{where}@{p + 6}", f"image {width} x {height} is too small")
            size = (width, height)
            p = end
        elif marker == SOB:
            if size is None:
                raise InvalidInput(f"{where}@{p}", "block before the frame header")
            blocks += 1
            p = _skip_entropy_coded(data, segment_end(p), where)
        else:
            raise InvalidInput(f"{where}@{p}", f"unknown WSQ marker {marker:#06x}")
    if size is None or blocks == 0:
        raise InvalidInput(f"{where}@{p}", "end of image before any frame and block")
    if p + 2 != n:
        raise InvalidInput(f"{where}@{p + 2}", f"{n - p - 2} bytes after the end-of-image marker")
    return size


def _skip_entropy_coded(data: bytes, p: int, where: str) -> int:
    """Offset of the marker ending the entropy-coded data that starts at ``p``."""
    while True:
        q = data.find(b"\xff", p)
        if q < 0 or q + 1 >= len(data):
            raise InvalidInput(f"{where}@{len(data)}", "truncated entropy-coded data")
        if data[q + 1] != 0 and not RESTART_FIRST <= data[q + 1] <= RESTART_LAST:
            return q
        p = q + 2


@dataclass(frozen=True)
class FingerImage:
    """One finger's 8-bit grayscale image at 500 ppi, kept WSQ-compressed as it travels.

    The compressed bytes are the value: a round trip through a CAR file returns them
    unchanged, whereas re-encoding pixels would lose a little more each time (WSQ is lossy).
    """

    position: int
    wsq: bytes
    width: int = field(init=False)
    height: int = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.position, bool) or not isinstance(self.position, int) \
                or not 1 <= self.position <= FINGER_POSITIONS:
            raise InvalidInput("image.position",
                               f"finger positions are 1..10, got {self.position!r}")
        if not isinstance(self.wsq, bytes):
            raise InvalidInput("image.wsq", f"expected bytes, got {type(self.wsq).__name__}")
        width, height = wsq_size(self.wsq, f"image[{self.position}].wsq")
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "height", height)

    @classmethod
    def from_pixels(cls, position: int, pixels: npt.ArrayLike) -> FingerImage:
        """WSQ-compress a 2-D uint8 array (rows = y) scanned at 500 ppi."""
        a = np.asarray(pixels)
        if a.dtype != np.uint8 or a.ndim != 2:
            raise InvalidInput("image.pixels",
                               f"expected a 2-D uint8 array, got {a.dtype} {a.shape}")
        if min(a.shape) < MIN_SIDE:
            raise InvalidInput("image.pixels", f"image {a.shape[1]} x {a.shape[0]} is too small")
        _register_plugin()
        out = io.BytesIO()
        Image.fromarray(a, mode="L").save(out, format="WSQ")
        return cls(position, out.getvalue())

    def pixels(self) -> npt.NDArray[np.uint8]:
        """Decode to a ``(height, width)`` uint8 array.

        Only for images from a trusted source: the NBIS decoder can abort the process on a
        crafted stream that passes the marker walk (see the module docstring).
        """
        _register_plugin()
        with Image.open(io.BytesIO(self.wsq)) as im:
            return np.asarray(im.convert("L"), dtype=np.uint8).copy()
