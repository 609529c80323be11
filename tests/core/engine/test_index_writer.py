"""Our segment writer (grouped postings, array records) writes what Whoosh's writes.

The same documents go through Whoosh's own SegmentWriter (W3 blocks) and through ours
(engine/codec.py's arrays), into two real indexes on disk; every term's postings
(documents, weights, positions) as Whoosh's own matchers read them, every field length
and every stored field must agree, including after deletions and a merge of small
segments, and for terms in hundreds of documents and in one.
"""

from __future__ import annotations

import random

from whoosh import index as whoosh_index
from whoosh.writing import OPTIMIZE, SegmentWriter

from archive_app.core.engine import writer as archive_index
from archive_app.core.engine.schema import build_schema

VOCABULARY = ["the", "of", "and", "karaj", "ashraf"] + [f"w{n}" for n in range(400)]


def documents(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    docs = []
    for number in range(count):
        # a Zipf-like mix: a few words in almost every document (several posting
        # blocks), most in a handful (inline in the term table)
        words = [rng.choice(VOCABULARY[:5]) if rng.random() < 0.3
                 else rng.choice(VOCABULARY) for _ in range(rng.randint(5, 120))]
        docs.append({"key": f"root/doc{number:04d}.txt", "path": f"/c/doc{number}.txt",
                     "title": f"Report {number} on {rng.choice(VOCABULARY)}",
                     "body": " ".join(words) + f" unique{number}",
                     "source": rng.choice(["UN", "Amnesty International", ""]) or "none",
                     "source_facet": "UN", "year": str(1990 + number % 30),
                     "tags": "camp,camp/ashraf" if number % 7 == 0 else "other",
                     "format": "txt", "lang": "en"})
    return docs


def build(tmp_path, name: str, writer_class, batches: list[list[dict]], deleted: list[str]):
    folder = tmp_path / name
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(), indexname="t")
    for number, batch in enumerate(batches):
        writer = writer_class(ix)
        if number == len(batches) - 1:
            for key in deleted:
                writer.delete_by_term("key", key)
        for fields in batch:
            writer.add_document(**fields)
        if number == len(batches) - 1:  # the same merge for both writers: everything
            writer.commit(mergetype=OPTIMIZE)
        else:
            writer.commit(merge=False)
    return ix


def contents(ix) -> dict:
    """Everything a search can see, keyed by document key instead of docnum."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        key_of = {docnum: fields["key"] for docnum, fields in reader.iter_docs()}
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                value = (matcher.value_as("positions") if matcher.supports("positions")
                         else None)
                found.append((key_of[matcher.id()], round(matcher.weight(), 3), value))
                matcher.next()
            postings[(fieldname, text)] = sorted(found)
        lengths = {(key_of[docnum], name): reader.doc_field_length(docnum, name)
                   for docnum in key_of for name in ("title", "body", "source")}
        stored = sorted(sorted(fields.items()) for _, fields in reader.iter_docs())
        return {"postings": postings, "lengths": lengths, "stored": stored,
                "count": reader.doc_count(), "total_length": reader.field_length("body")}


def test_one_segment_is_identical_to_whooshs(tmp_path):
    docs = documents(600, seed=1)
    ours = contents(build(tmp_path, "ours", archive_index.ArchiveWriter, [docs], []))
    theirs = contents(build(tmp_path, "theirs", SegmentWriter, [docs], []))
    assert ours == theirs
    the_postings = ours["postings"][("body", b"the")]
    assert len(the_postings) > 3 * 128  # several of Whoosh's blocks
    rare = [term for term, found in ours["postings"].items() if len(found) == 1]
    assert len(rare) > 600  # every unique<n> term


def test_deletions_and_a_merge_of_small_segments_agree_with_whooshs(tmp_path):
    docs = documents(300, seed=2)
    cuts = [0, 40, 45, 47, 50, 54, 55, 300]
    batches = [docs[start:end] for start, end in zip(cuts, cuts[1:], strict=False)]
    deleted = [docs[3]["key"], docs[41]["key"], docs[46]["key"]]
    ours_ix = build(tmp_path, "ours", archive_index.ArchiveWriter, batches, deleted)
    ours = contents(ours_ix)
    assert ours == contents(build(tmp_path, "theirs", SegmentWriter, batches, deleted))
    assert ours["count"] == 297
    assert len(ours_ix._segments()) < len(batches)  # the small segments were merged


def test_positions_read_back_through_whooshs_matchers(tmp_path):
    docs = [{"key": "a", "body": "karaj camp unique1 unique2 unique1"},
            {"key": "b", "body": "unique2 karaj camp"}]
    ix = build(tmp_path, "ours", archive_index.ArchiveWriter, [docs], [])
    with ix.searcher() as searcher:
        reader = searcher.reader()
        matcher = reader.postings("body", "unique1")
        assert matcher.value_as("positions") == [2, 4]
        assert [d for d in reader.postings("body", "camp").all_ids()] == [0, 1]


def test_segments_grow_in_tiers_and_a_small_commit_never_rewrites_the_big_ones(
        tmp_path, monkeypatch):
    """Every query pays per segment, so their number must grow with the logarithm of
    the documents; but a one-file commit must not rewrite the big segments either
    (Whoosh's MERGE_SMALL once merged a whole 100k-document index for one file)."""
    from archive_app.core.engine import merge

    monkeypatch.setattr(merge, "TIER_BASE_DOCS", 4)
    monkeypatch.setattr(merge, "MERGE_FACTOR", 3)
    docs = documents(200, seed=3)
    ix = build(tmp_path, "ours", archive_index.ArchiveWriter, [docs[:60]], [])
    big_ids = {segment.segment_id() for segment in ix._segments()}
    counts = []
    for number in range(60, 120):  # sixty one-document commits, merging allowed
        writer = archive_index.ArchiveWriter(ix)
        writer.add_document(**docs[number])
        writer.commit()
        ids = {segment.segment_id() for segment in ix._segments()}
        assert big_ids <= ids  # the big segment was never rewritten
        counts.append(len(ids))
    assert ix.doc_count() == 120
    # tiers of 1-3, 4-11, 12-35 documents (and the big one): at most 2 of each stay,
    # and one more while a merge's segment waits for the next commit to move up a tier
    assert max(counts) <= 1 + 3 * 2 + 1
    assert sorted(merge.tier_of(s.doc_count()) for s in ix._segments())[-1] == \
        merge.tier_of(60)
    with ix.searcher() as searcher:
        assert {fields["key"] for fields in searcher.all_stored_fields()} == {
            doc["key"] for doc in docs[:120]}


def test_deleting_keys_reads_only_the_segments_that_may_hold_them(tmp_path, monkeypatch):
    """A sync deletes every key of each step before adding it again (a crash may have
    left it indexed); Whoosh's delete_by_term looked each key up in every segment, which
    made a long sync quadratic. Only segments whose key hashes match are read now."""
    docs = documents(60, seed=5)
    ix = build(tmp_path, "ours", archive_index.ArchiveWriter, [docs[:4]], [])
    for start in range(4, 60, 4):
        writer = archive_index.ArchiveWriter(ix)
        for fields in docs[start:start + 4]:
            writer.add_document(**fields)
        writer.commit(merge=False)
    assert len(ix._segments()) == 15
    opened = []
    real = archive_index._delete_in
    monkeypatch.setattr(archive_index, "_delete_in",
                        lambda *args: opened.append(args[2]) or real(*args))
    writer = archive_index.ArchiveWriter(ix)
    writer.delete_keys([f"root/new{n}.txt" for n in range(2000)] + [docs[9]["key"]])
    writer.commit(merge=False)
    assert len(opened) == 1  # the one segment holding docs[9]
    with ix.searcher() as searcher:
        keys = {fields["key"] for fields in searcher.all_stored_fields()}
    assert keys == {doc["key"] for doc in docs} - {docs[9]["key"]}
