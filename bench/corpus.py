"""The benchmark corpus: realistic documents cut from real text, with dates and sources.

The generation logic is vendored from ../shared/bench/make_corpus.py (the project's own
material; stdlib only) for the `--sources sources.jsonl.gz` case: the same seed gives the
same documents (docs.jsonl of make_corpus with the same --n and --seed). On top of it the
bench writes a root `catalog.csv` giving every document a date (2000-2024), an author and
a source name, so date ranges, sorting and facets measure something real.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
import re
from pathlib import Path

WEIGHTS = {"kjv": 0.20, "python": 0.27, "postgres": 0.22, "perl": 0.18, "debref": 0.03,
           "fortunes": 0.10}
DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "shared" / "bench" / "sources.jsonl.gz"
AUTHORS = ["Ada Byron", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
           "Donald Knuth", "Frances Allen", "Ken Thompson", "Margaret Hamilton", "John Backus"]
_SENT_END = re.compile(r"(?<=[.!?])\s")


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


def build(out: Path, n: int, sources: Path = DEFAULT_SOURCES, seed: int = 20240601) -> dict:
    """Write out/files/<family>/<id>.txt, out/files/catalog.csv and out/docs.jsonl.

    Reuses an existing corpus with the same n and seed (manifest.json)."""
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("n") == n and manifest.get("seed") == seed:
            return manifest
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    total = 0
    with open(out / "docs.jsonl", "w", encoding="utf-8") as docs, \
            open(files / "catalog.csv", "w", encoding="utf-8", newline="") as cat:
        rows = csv.writer(cat)
        rows.writerow(["path", "date", "author", "source"])
        for path, title, body in generate(load_sources(sources), n, seed):
            date = f"{rng.randrange(2000, 2025)}-{rng.randrange(1, 13):02d}-" \
                   f"{rng.randrange(1, 29):02d}"
            family = path.split("/")[0]
            author = rng.choice(AUTHORS)
            target = files / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(title + "\n\n" + body + "\n", encoding="utf-8")
            rows.writerow([path, date, author, family])
            docs.write(json.dumps({"path": path, "title": title, "body": body, "date": date,
                                   "author": author, "source": family},
                                  ensure_ascii=False) + "\n")
            total += len(body.encode("utf-8"))
    manifest = {"n": n, "seed": seed, "body_bytes_total": total}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def read_docs(out: Path):
    with open(out / "docs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)
