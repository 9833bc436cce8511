"""RFC 6962 / RFC 9162 Merkle tree hashes, inclusion and consistency proofs.

Written here rather than taken from a library: the one Python candidate (pymerkle) uses its own
leaf and node encoding, and the audit log's checkpoints must be checkable by any RFC 9162
verifier (reference/platform.md §4.1). The tree is over the audit entries in sequence order;
leaf ``i`` is ``SHA-256(0x00 || entry_i)`` and an interior node ``SHA-256(0x01 || left ||
right)``, so a leaf can never pass for a node. Proofs are made from the whole log (the
verifier holds it); checking one needs only the proof and the signed tree heads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """The tree over a log's leaf hashes, with every perfect subtree's hash kept by level.

    Any tree head the RFC's recursion asks for (a prefix's root, a proof's sibling) is a fold of
    aligned perfect subtrees, so the root at any earlier size and every proof cost O(log n)
    lookups after one O(n) build, which is what lets ``audit verify`` check every checkpoint of
    a million-entry log.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._levels: list[list[bytes]] = [list(leaves)]
        while len(self._levels[-1]) > 1:
            low = self._levels[-1]
            self._levels.append([node_hash(low[i], low[i + 1])
                                 for i in range(0, len(low) - 1, 2)])

    def _range(self, start: int, n: int) -> bytes:
        """MTH of leaves [start, start + n), where start is aligned as the recursion leaves it."""
        pieces = []
        for bit in reversed(range(n.bit_length())):
            if n >> bit & 1:
                pieces.append(self._levels[bit][start >> bit])
                start += 1 << bit
        top = pieces.pop()
        for piece in reversed(pieces):
            top = node_hash(piece, top)
        return top

    def root(self, size: int | None = None) -> bytes:
        """The tree head at ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"no tree of {size} in a log of {self.size}")
        return self._range(0, size) if size else hashlib.sha256(b"").digest()

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"leaf {index} is outside a tree of {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, n: int) -> list[bytes]:
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, k), self._range(start + k, n - k)]
        return [*self._path(m - k, start + k, n - k), self._range(start, k)]

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(m, D[n]) of RFC 9162 §2.1.4.1."""
        size = self.size if size is None else size
        if not 0 < old_size <= size <= self.size:
            raise ValueError(f"no consistency proof from {old_size} to {size}")
        return self._subproof(old_size, 0, size, True)

    def _subproof(self, m: int, start: int, n: int, whole: bool) -> list[bytes]:
        if m == n:
            return [] if whole else [self._range(start, n)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, k, whole), self._range(start + k, n - k)]
        return [*self._subproof(m - k, start + k, n - k, False), self._range(start, k)]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (RFC 9162 §2.1.1's k)."""
    return 1 << ((n - 1).bit_length() - 1)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: the tree of ``new_size`` extends the one of ``old_size``."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
