"""Connections across the archive: near-duplicate documents and reused passages.

`fingerprints.py` turns a text into word-shingle hashes, a MinHash signature (for
near-duplicate documents, found through LSH bands) and a sample of anchors (for passages
shared with other documents, grown from each shared anchor by `passages.py`). The
fingerprints live in a derived store beside the index (`store.py`), one per distinct
text: exact copies share theirs.
"""
