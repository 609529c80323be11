"""Near-duplicates and reused passages, judged for precision and recall on real text.

The corpus is made of the real texts in tests/data (King James Bible chapters, Debian
licences and changelogs, manual pages...): some documents are copied with edits (words
replaced, a stretch cut, a line added: near-duplicates), and real paragraphs of one
document are pasted, edited, into another (reused passages). What the archive finds is
compared with what was made, and every pair it reports is checked against the texts
themselves (true shingle similarity; a passage's words aligned with difflib), since real
texts also share passages of their own (a licence's clauses, a verse)."""

from __future__ import annotations

import difflib
import gzip
import json
import random
from pathlib import Path

import pytest

from archive_app.core.connections.fingerprints import exact_similarity
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.core.text.analysis import fold_words

DATA = Path(__file__).resolve().parents[2] / "data" / "real_texts.jsonl.gz"
NEAR_COPIES = 15
PASTES = 20


def real_texts() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as stream:
        bodies = [json.loads(line)["body"] for line in stream]
    seen, chosen = set(), []
    for body in bodies:  # distinct, long enough to hold a pasted paragraph
        words = body.split()
        if len(words) >= 250 and body[:200] not in seen:
            seen.add(body[:200])
            chosen.append(body)
    return chosen[:90]


def edited(text: str, rng: random.Random, share: float) -> str:
    """Replace a share of the words, cut a stretch and add a line: an edited copy."""
    words = text.split()
    cut = rng.randrange(len(words) // 2)
    words = words[:cut] + words[cut + len(words) // 20:]
    words = [word if rng.random() > share else rng.choice(("indeed", "reportedly", "X"))
             for word in words]
    return " ".join(words) + "\nForwarded by the desk; see the original.\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    rng = random.Random(20261203)
    texts = real_texts()
    folder = tmp_path_factory.mktemp("connections") / "c"
    folder.mkdir()
    documents = {f"doc{n:03}.txt": text for n, text in enumerate(texts)}
    near: list[tuple[str, str]] = []
    for n in range(NEAR_COPIES):
        name = f"doc{n:03}.txt"
        documents[f"edited{n:03}.txt"] = edited(documents[name], rng, 0.04)
        near.append((name, f"edited{n:03}.txt"))
    pastes: list[tuple[str, str, str]] = []  # (host, source, the pasted words)
    for n in range(PASTES):
        source = f"doc{20 + n:03}.txt"
        host = f"doc{50 + n:03}.txt"
        words = documents[source].split()
        start = rng.randrange(0, len(words) - 80)
        passage = words[start:start + rng.randrange(40, 80)]
        changed = list(passage)
        for _ in range(2):  # two words edited in the pasted copy
            changed[rng.randrange(len(changed))] = "allegedly"
        host_words = documents[host].split()
        at = rng.randrange(len(host_words))
        documents[host] = " ".join(host_words[:at]) + "\n\n" + " ".join(changed) + \
            "\n\n" + " ".join(host_words[at:])
        pastes.append((host, source, " ".join(changed)))
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    library = Library(AppPaths(folder.parent / "home"))
    library.sync([folder])
    yield library, documents, near, pastes
    library.close()


def key(name: str) -> str:
    return f"c/{name}"


def test_near_duplicates_are_found_with_their_similarity(made):
    library, documents, near, _ = made
    found = {name: dict(library.similar(key(name))) for name in documents}
    recall = sum(key(copy) in found[original] for original, copy in near) / len(near)
    reported = {tuple(sorted((name, other[2:]))) for name, similar in found.items()
                for other in similar}
    truly = [pair for pair in reported
             if exact_similarity(documents[pair[0]], documents[pair[1]]) >= 0.3]
    precision = len(truly) / len(reported)
    print(f"\nnear-duplicates: recall {recall:.2f} over {len(near)}, precision "
          f"{precision:.2f} over {len(reported)} pairs reported")
    assert recall >= 0.9 and precision >= 0.9
    original, copy = near[0]
    estimate = dict(library.similar(key(original)))[key(copy)]
    assert abs(estimate - exact_similarity(documents[original], documents[copy])) < 0.2
    assert all(key(copy) not in dict(library.similar(key(name)))
               for name in documents if name.startswith("doc0") and name != original
               for copy in [near[0][1]])


def _agreement(first: str, second: str) -> float:
    return difflib.SequenceMatcher(None, fold_words(first), fold_words(second),
                                   autojunk=False).ratio()


def test_pasted_paragraphs_are_found_where_they_stand_in_both_documents(made):
    library, documents, _, pastes = made
    hits = 0
    checked = agreeing = 0
    for host, source, pasted in pastes:
        text = (folder_text := library.document(key(host)).text)
        start = text.index(pasted)
        end = start + len(pasted)
        passages = library.reused_passages(key(host))
        for passage in passages:
            for place in passage.places:
                other = library.document(place.doc).text
                checked += 1
                agreeing += _agreement(folder_text[passage.start:passage.end],
                                       other[place.start:place.end]) >= 0.6
        if any(p.start < end and start < p.end and any(
                place.doc == key(source) for place in p.places) for p in passages):
            hits += 1
    recall, precision = hits / len(pastes), agreeing / checked
    print(f"\nreused passages: recall {recall:.2f} over {len(pastes)} pastes, precision "
          f"{precision:.2f} over {checked} places reported")
    assert recall >= 0.9 and precision >= 0.9


def test_the_reuse_report_clusters_documents_and_leads_with_the_earliest(made):
    library, _, near, pastes = made
    report = library.reuse_report(30)
    assert report.complete
    pairs = {frozenset(place.doc for place in cluster.places) for cluster in report.clusters}
    found = sum(any({key(host), key(source)} <= docs for docs in pairs)
                for host, source, _ in pastes)
    assert found >= 0.9 * len(pastes)
    assert any({key(near[0][0]), key(near[0][1])} <= docs for docs in pairs)
    for cluster in report.clusters:
        assert len({place.doc for place in cluster.places}) >= 2
        assert len(cluster.passage.split()) >= 25  # the words of min_words, as written


def test_copying_an_annotation_to_the_other_documents_of_its_passage(made):
    library, documents, _, pastes = made
    host, source, pasted = pastes[0]
    text = library.document(key(source)).text
    words = pasted.split()
    quote = " ".join(words[5:12])
    start = text.find(quote)
    if start < 0:  # an edited word fell inside: take words the copy kept
        quote = " ".join(w for w in words[:4])
        start = text.index(quote)
    annotation = library.annotate(key(source), start, start + len(quote), ["talking-point"])
    places = library.also_in(annotation.id)
    assert key(host) in [place.doc for place in places]
    made_now = library.copy_to_reuses(annotation.id)
    assert key(host) in [a.doc for a in made_now]
    copied = next(a for a in made_now if a.doc == key(host))
    assert library.document(key(host)).text[copied.start:copied.end] == quote
    assert copied.tags == ["talking-point"]
    assert key(host) in [hit.key for hit in library.search("tag:talking-point").hits]
    assert library.copy_to_reuses(annotation.id) == []  # already there: nothing new
    assert library.can_undo().startswith("tag the passage of")
    library.undo()  # one undo takes back every copy made
    assert all(library.annotations_for(a.doc) == [] for a in made_now)
    assert key(host) not in [hit.key for hit in library.search("tag:talking-point").hits]
    library.redo()
    assert [a.tags for a in library.annotations_for(key(host))] == [["talking-point"]]


def test_fingerprints_made_in_child_processes_are_the_same(made, monkeypatch):
    from archive_app.core.connections import finder
    library, *_ = made
    connections = library._connections
    catalog = library._index.reader_catalog()
    wanted = sorted({sha: key for key, sha in catalog.hashes().items()}.items())[:40]
    here = dict(finder.fingerprint_texts(catalog, wanted))
    monkeypatch.setattr(finder, "PARALLEL_MIN_TEXTS", 10)
    monkeypatch.setattr(finder, "CHUNK_TEXTS", 7)
    there = dict(connections._fingerprints(wanted))
    assert sorted(there) == sorted(here) and len(here) == 40
    for sha, found in here.items():
        assert (found.signature == there[sha].signature).all()
        assert (found.anchors == there[sha].anchors).all()
        assert (found.positions == there[sha].positions).all()



def test_short_texts_are_not_similar_to_each_other_and_repeats_are_anchored_once(tmp_path):
    from archive_app.core.connections.fingerprints import fingerprint, has_shingles
    assert not has_shingles(fingerprint("Page 1")) and has_shingles(fingerprint(
        "four words in a row"))
    line = " ".join(real_texts()[5].split()[:60]) + "\n"  # a 60-word log entry
    repeated = fingerprint(line * 5_000)
    assert len(repeated.anchors) == len(set(repeated.anchors.tolist())) <= 60
    folder = tmp_path / "c"
    folder.mkdir()
    for name, text in {"page.txt": "Page 1", "invoice.txt": "Invoice attached",
                       "log-a.txt": line * 5_000, "log-b.txt": "Start\n" + line * 4_000,
                       }.items():
        (folder / name).write_text(text, encoding="utf-8")
    library = Library(AppPaths(tmp_path / "home"))
    try:
        library.sync([folder])
        assert library.similar("c/page.txt") == [] and library.similar("c/invoice.txt") == []
        report = library.reuse_report(30)  # one passage per log pair: bounded work
        assert [sorted(p.doc for p in c.places) for c in report.clusters] == [
            ["c/log-a.txt", "c/log-b.txt"]]
        assert [p.doc for p in library.reused_passages("c/log-a.txt")[0].places] == [
            "c/log-b.txt"]
    finally:
        library.close()


def test_spans_overlapping_a_wider_one_join_its_cluster(tmp_path):
    """X holds a long passage Y copies whole; Z quotes words early in it and W words late
    in it, Z's and W's stretches apart from each other: one cluster of four, not two."""
    words = real_texts()[3].split()[:160]
    filler = real_texts()[4].split()
    texts = {"x.txt": " ".join(words),
             "y.txt": " ".join(words[:110]) + " " + " ".join(filler[:60]),
             "z.txt": " ".join(filler[100:140]) + " " + " ".join(words[10:50]),
             "w.txt": " ".join(words[60:100]) + " " + " ".join(filler[200:240])}
    folder = tmp_path / "c"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    library = Library(AppPaths(tmp_path / "home"))
    try:
        library.sync([folder])
        clusters = [sorted({p.doc for p in c.places}) for c in library.reuse_report(30).clusters]
        assert ["c/w.txt", "c/x.txt", "c/y.txt", "c/z.txt"] in clusters
        passages = library.reused_passages("c/x.txt")
        assert all(len({p.doc for p in passage.places}) == len(passage.places)
                   for passage in passages)  # each document named once a passage
    finally:
        library.close()
