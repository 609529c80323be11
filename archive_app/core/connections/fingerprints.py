"""Word shingles -> a MinHash signature, its LSH bands, and sampled passage anchors.

Our own MinHash in numpy rather than datasketch's `MinHash`: datasketch hashes every
shingle with SHA-1 in Python and updates its 64-bit permutations one shingle batch at a
time; here a shingle's hash is computed from its words' CRC-32s with array arithmetic
and every permutation is one vectorised multiply-shift over all shingles
(`bench/minhash_compare.py` measures both on the same texts: the similarities agree
and ours is the faster). The estimate is the same: the share of the NUM_PERM minimums
two signatures have in common estimates the Jaccard similarity of their shingle sets.

Everything stored must be the same in every process (hashes are written to disk):
no Python `hash()`, whose seed changes per process.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from archive_app.core.text.analysis import fold_words

SHINGLE_WORDS = 4
"""Words per shingle: a run of four words is rare enough to be evidence of copying."""
NUM_PERM = 60
BANDS, ROWS = 20, 3
"""LSH: 20 bands of 3 minimums. Two texts become candidates when one band is equal:
likely from a Jaccard similarity of 0.5 (93 %), rarely below 0.2 (15 %); candidates are
then judged by their signatures' estimate."""
ANCHOR_EVERY = 8
"""One shingle in eight (by its hash, so the same shingle is chosen in every text) is an
anchor: a passage of 30 words has about three, and one shared anchor is enough to grow
the shared passage from it (passages.py)."""
MAX_WORDS = 200_000
MAX_CHARS = 4_000_000
"""Words (and, before folding, characters) of a text fingerprinted, the first ones: they
bound the arrays and the folding of a huge text."""

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_rng = np.random.default_rng(20261203)  # fixed: signatures are stored on disk
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_SHINGLE_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F,
                                 0x165667B19E3779F9, 0x27D4EB2F165667C5], dtype=np.uint64)


@dataclass(frozen=True)
class Fingerprint:
    """What the store keeps of one text."""

    words: int
    signature: np.ndarray
    """NUM_PERM uint32 minimums (all 0xFFFFFFFF for a text shorter than a shingle)."""
    anchors: np.ndarray
    """int64 hashes of the anchor shingles, in text order."""
    positions: np.ndarray
    """int32 word position of each anchor's first word."""

    def bands(self) -> list[int]:
        return band_keys(self.signature)


@lru_cache(maxsize=262_144)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8", "surrogatepass"))


def word_hashes(words: list[str]) -> np.ndarray:
    return np.fromiter(map(_word_hash, words), np.uint64, len(words))


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every bit given."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint64(30))
        values = values * np.uint64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> np.uint64(27))
        values = values * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def shingle_hashes(words: list[str]) -> np.ndarray:
    """uint64 hash of each run of SHINGLE_WORDS words (position i: words i..i+3)."""
    if len(words) < SHINGLE_WORDS:
        return np.zeros(0, np.uint64)
    hashed = word_hashes(words)
    count = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(count, np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(SHINGLE_WORDS):
            combined += hashed[offset:offset + count] * _SHINGLE_MULTIPLIERS[offset]
    return _mix(combined)


def signature_of(shingles: np.ndarray) -> np.ndarray:
    """The MinHash signature of a set of shingle hashes (multiply-shift permutations)."""
    if not len(shingles):
        return np.full(NUM_PERM, 0xFFFFFFFF, np.uint32)
    distinct = np.unique(shingles)
    minimums = np.empty(NUM_PERM, np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, len(distinct), 50_000):  # bounds the (perm x shingle) array
            chunk = distinct[start:start + 50_000]
            permuted = (_A[:, None] * chunk[None, :] + _B[:, None]) >> np.uint64(32)
            found = permuted.min(axis=1).astype(np.uint32)
            minimums = found if start == 0 else np.minimum(minimums, found)
    return minimums


def band_keys(signature: np.ndarray) -> list[int]:
    """One signed 64-bit key per LSH band (its rows' minimums and its number, mixed)."""
    rows = signature.astype(np.uint64).reshape(BANDS, ROWS)
    combined = np.arange(BANDS, dtype=np.uint64) * np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for row in range(ROWS):
            combined = _mix(combined ^ rows[:, row])
    return combined.view(np.int64).tolist()


def fingerprint(text: str) -> Fingerprint:
    """A text's fingerprint. Each anchor is kept once, at its first place: a log line
    repeated 5,000 times would otherwise pair 5,000 places in one text with 5,000 in
    another (25 million comparisons for one passage)."""
    words = fold_words(text[:MAX_CHARS])[:MAX_WORDS]
    shingles = shingle_hashes(words)
    sampled = np.flatnonzero((shingles % np.uint64(ANCHOR_EVERY)) == 0)
    _, first = np.unique(shingles[sampled], return_index=True)
    chosen = sampled[np.sort(first)]
    return Fingerprint(len(words), signature_of(shingles),
                       shingles[chosen].view(np.int64), chosen.astype(np.int32))


def has_shingles(found: Fingerprint) -> bool:
    """False for a text shorter than one shingle: its signature is the empty set's,
    the same for every such text, and says nothing about likeness."""
    return found.words >= SHINGLE_WORDS


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of two texts' shingle sets."""
    return float(np.count_nonzero(first == second)) / NUM_PERM


def exact_similarity(first: str, second: str) -> float:
    """The true Jaccard similarity of two texts' shingle sets (for tests and benches)."""
    a = set(shingle_hashes(fold_words(first)).tolist())
    b = set(shingle_hashes(fold_words(second)).tolist())
    return len(a & b) / len(a | b) if a or b else 1.0
