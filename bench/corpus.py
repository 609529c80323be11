"""The benchmark corpus: realistic documents cut from real text, with dates and sources.

The text comes from the Debian packages installed on this machine (`bench/sources.py`:
the reference set of manuals, Bible and fortunes when installed, otherwise licences,
copyright files, changelogs and manual pages), or from a JSON Lines file of
{"source", "title", "body"} given with `--sources FILE`. Each document is a run of
consecutive real paragraphs of one source family, its length drawn from a log-normal
(median 3,000 bytes); the same sources and seed give the same documents. On top of it the
bench writes a root `catalog.csv` giving every document a date (2000-2024), an author and
a source name, so date ranges, sorting and facets measure something real.

It scales to a million documents (`python -m bench --docs 1000000`): the documents are
generated one at a time and each is written to its file, docs.jsonl and catalog.csv at
once, so memory holds the source texts (tens of MB) and never the corpus (some 3.4 GB of
text at a million, twice that on disk with docs.jsonl); progress goes to stderr.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
import re
import shutil
import sys
import time
from itertools import islice
from pathlib import Path

from bench import sources as debian

# share of the documents drawn from each source family (of those present): the reference
# families first, in the order the README's figures were made with, then the system ones
WEIGHTS = {"kjv": 0.20, "python": 0.27, "postgres": 0.22, "perl": 0.18, "debref": 0.03,
           "fortunes": 0.10,
           "licenses": 0.05, "copyright": 0.20, "changelog": 0.35, "man": 0.40}
DEFAULT_SOURCES = "debian"  # or the path of a JSON Lines file (gzip allowed)
AUTHORS = ["Ada Byron", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
           "Donald Knuth", "Frances Allen", "Ken Thompson", "Margaret Hamilton", "John Backus"]
_SENT_END = re.compile(r"(?<=[.!?])\s")
# the app reads a root catalog.csv of at most this size (archive_app's MAX_CATALOG_BYTES);
# past it dates, authors and sources would silently be missing. About 52 bytes a row: a
# million documents need some 52 MB.
CATALOG_LIMIT_BYTES = 64 * 1024 * 1024
PROGRESS_EVERY = 50_000


def load_sources(path: Path) -> list[tuple[str, str, list[str]]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    docs = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item["source"] in WEIGHTS:
                docs.append((item["source"], item["title"], item["body"].split("\n\n")))
    return docs


def make_title(paras: list[str], src_title: str) -> str:
    first = paras[0]
    match = _SENT_END.search(first)
    head = first[:match.start()] if match and match.start() > 20 else first
    if len(head) > 90:
        head = head[:90].rsplit(" ", 1)[0] + "\u2026"
    return f"{head} \u2014 {src_title}" if src_title else head


def generate(sources: list[tuple[str, str, list[str]]], n: int, seed: int = 20240601,
             target_bytes: int = 3000):
    """Yield (path, title, body) exactly as make_corpus.py does."""
    by_src: dict[str, list[int]] = {}
    for i, (src, _, _) in enumerate(sources):
        by_src.setdefault(src, []).append(i)
    fams = [s for s in WEIGHTS if s in by_src]
    fam_w = [WEIGHTS[s] for s in fams]
    cum_w = {}
    for fam in fams:
        acc, cum = 0, []
        for i in by_src[fam]:
            acc += sum(len(x) for x in sources[i][2])
            cum.append(acc)
        cum_w[fam] = cum
    rng = random.Random(seed)
    for docid in range(n):
        fam = rng.choices(fams, fam_w)[0]
        target = target_bytes * math.exp(rng.gauss(0.0, 0.35))
        target = min(max(target, 0.4 * target_bytes), 2.7 * target_bytes)
        k = rng.choices(range(len(by_src[fam])), cum_weights=cum_w[fam])[0]
        src_i = by_src[fam][k]
        paras = sources[src_i][2]
        j = rng.randrange(len(paras))
        chosen, size, src_title, guard = [], 0, sources[src_i][1], 0
        while size < target and guard < 10_000:
            guard += 1
            para = paras[j]
            if size + len(para) > target * 1.25 and chosen:
                room = int(target - size)
                cut = [m.start() for m in _SENT_END.finditer(para) if m.start() <= room]
                if cut and cut[-1] > 40:
                    chosen.append(para[:cut[-1]])
                    size += cut[-1]
                break
            chosen.append(para)
            size += len(para.encode("utf-8")) + 2
            j += 1
            if j >= len(paras):
                k = (k + 1) % len(by_src[fam])
                src_i = by_src[fam][k]
                paras = sources[src_i][2]
                j = 0
        yield f"{fam}/{docid:06d}.txt", make_title(chosen, src_title), "\n\n".join(chosen)


def source_documents(sources: str | Path) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """(what they are, the documents) for `--sources`: "debian" or a JSON Lines file."""
    if str(sources) == "debian":
        kind, docs = debian.collect()
        return f"debian:{kind}", docs
    return f"file:{Path(sources).resolve()}", load_sources(Path(sources))


def build(out: Path, n: int, sources: str | Path = DEFAULT_SOURCES,
          seed: int = 20240601, progress=None) -> dict:
    """Write out/files/<family>/<id>.txt, out/files/catalog.csv and out/docs.jsonl.

    Reuses an existing corpus with the same n, seed and kind of sources (manifest.json,
    written last, so an interrupted build is rebuilt rather than reused); delete it to
    rebuild after installing other packages. `progress` (default: stderr) gets a line
    every PROGRESS_EVERY documents: a million take some four minutes, mostly creating
    the files."""
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    manifest_path = out / "manifest.json"
    wanted = "debian" if str(sources) == "debian" else f"file:{Path(sources).resolve()}"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        made_from = manifest.get("sources", "")
        same = made_from == wanted or (wanted == "debian" and made_from.startswith("debian:"))
        if manifest.get("n") == n and manifest.get("seed") == seed and same:
            return manifest
    manifest_path.unlink(missing_ok=True)
    kind, documents = source_documents(sources)
    if not documents:
        raise RuntimeError(f"no source documents in {sources}")
    files = out / "files"
    shutil.rmtree(files, ignore_errors=True)  # nothing left of a corpus made from other text
    files.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    total = 0
    made: set[str] = set()  # family folders already created: one mkdir each, not one a file
    started = time.perf_counter()
    with open(out / "docs.jsonl", "w", encoding="utf-8") as docs, \
            open(files / "catalog.csv", "w", encoding="utf-8", newline="") as cat:
        rows = csv.writer(cat)
        rows.writerow(["path", "date", "author", "source"])
        for number, (path, title, body) in enumerate(generate(documents, n, seed), 1):
            date = f"{rng.randrange(2000, 2025)}-{rng.randrange(1, 13):02d}-" \
                   f"{rng.randrange(1, 29):02d}"
            family = path.split("/")[0]
            author = rng.choice(AUTHORS)
            if family not in made:
                (files / family).mkdir(parents=True, exist_ok=True)
                made.add(family)
            with open(files / path, "w", encoding="utf-8") as handle:
                handle.write(title + "\n\n" + body + "\n")
            rows.writerow([path, date, author, family])
            docs.write(json.dumps({"path": path, "title": title, "body": body, "date": date,
                                   "author": author, "source": family},
                                  ensure_ascii=False) + "\n")
            total += len(body.encode("utf-8"))
            if number % PROGRESS_EVERY == 0 and number < n:
                seconds = time.perf_counter() - started
                say(f"corpus: {number:,} of {n:,} documents, {total / 1e6:,.0f} MB of text, "
                    f"{seconds:.0f} s (about {seconds * (n - number) / number:.0f} s to go)")
    catalog_bytes = (files / "catalog.csv").stat().st_size
    if catalog_bytes > CATALOG_LIMIT_BYTES:
        say(f"corpus: warning: catalog.csv is {catalog_bytes / 1e6:.0f} MB, over the "
            f"{CATALOG_LIMIT_BYTES / 1e6:.0f} MB the app reads: no dates, authors or sources")
    families = sorted({family for family, _, _ in documents})
    manifest = {"n": n, "seed": seed, "body_bytes_total": total, "sources": kind,
                "families": families, "source_chars": debian.chars(documents),
                "catalog_bytes": catalog_bytes,
                "build_seconds": round(time.perf_counter() - started, 1)}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    say(f"corpus: {n:,} documents, {total / 1e6:,.0f} MB of text, in "
        f"{manifest['build_seconds']} s")
    return manifest


def read_docs(out: Path):
    with open(out / "docs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def sample_docs(out: Path, count: int) -> list[dict]:
    """The first `count` documents: all the query mix reads (bench/queries.py), so the
    bench never holds the whole corpus (several GB at a million documents)."""
    return list(islice(read_docs(out), count))
