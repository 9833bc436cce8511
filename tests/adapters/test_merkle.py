"""RFC 9162 proofs: every inclusion and consistency proof of small trees verifies, and any
altered hash, index or size is refused."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from scomm.adapters import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """The RFC's recursive definition, as the reference the bottom-up root must equal."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_root_equals_the_recursive_definition() -> None:
    for n in range(0, 70):
        tree = merkle.MerkleTree(_leaves(n))
        assert tree.root() == _mth(_leaves(n))
        assert all(tree.root(m) == _mth(_leaves(m)) for m in range(n + 1))


def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not() -> None:
    for n in range(1, 40):
        leaves = _leaves(n)
        tree = merkle.MerkleTree(leaves)
        top = tree.root()
        for i in range(n):
            proof = tree.inclusion_proof(i)
            assert merkle.verify_inclusion(i, n, leaves[i], proof, top)
            assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"forged"), proof, top)
            if n > 1:
                assert not merkle.verify_inclusion((i + 1) % n, n, leaves[i], proof, top)


def test_every_consistency_proof_verifies() -> None:
    for n in range(1, 40):
        leaves = _leaves(n)
        tree = merkle.MerkleTree(leaves)
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m)
            assert merkle.verify_consistency(m, n, tree.root(m), tree.root(), proof), (m, n)


@given(st.integers(2, 60), st.data())
def test_a_rewritten_history_is_not_consistent(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(1, n - 1))
    j = data.draw(st.integers(0, m - 1))
    rewritten = list(leaves)
    rewritten[j] = merkle.leaf_hash(b"rewritten")
    tree = merkle.MerkleTree(rewritten)
    assert not merkle.verify_consistency(m, n, merkle.MerkleTree(leaves).root(m), tree.root(),
                                         tree.consistency_proof(m))
