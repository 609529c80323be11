"""One measurement per process, so peak memory (ru_maxrss) belongs to that step alone.

`python -m bench.worker STEP JSON-ARGS` prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import sys
import threading
import time
from pathlib import Path


def _peak_mb() -> dict:
    """ru_maxrss figures; note Linux carries a parent's high-water mark into a forked
    child, so these can overstate (TreeMemory's sampled figures do not)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_child_rss_mb": round(children, 1)}


class TreeMemory:
    """Samples the resident memory of this process and all its descendants every 50 ms.

    Indexing children come from a forkserver, so they are grandchildren that
    RUSAGE_CHILDREN never counts; the sum over the process tree is what the machine
    must hold at once.
    """

    def __init__(self):
        self.peak_total = 0.0
        self.peak_child = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.wait(0.05):
            sizes = _tree_rss_mb(os.getpid())
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            children = [mb for pid, mb in sizes.items() if pid != os.getpid()]
            self.peak_child = max([self.peak_child, *children])

    def figures(self) -> dict:
        return {"peak_tree_rss_mb": round(self.peak_total, 1),
                "peak_tree_child_rss_mb": round(self.peak_child, 1)}


def _tree_rss_mb(root: int) -> dict[int, float]:
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields["PPid"])
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    tree, grown = {root}, True
    while grown:
        before = len(tree)
        tree |= {pid for pid, parent in parents.items() if parent in tree}
        grown = len(tree) != before
    return {pid: rss[pid] for pid in tree}


def _memory_now() -> dict:
    """Private memory, USS and RSS, in MB.

    USS (Private_Clean + Private_Dirty) also counts the pages of the index files this
    process has mapped in and read (file-backed, clean, dropped by the OS under
    pressure). The issue's memory target excludes them, so `private_mb` is the
    process's anonymous memory (heap, Python objects, caches): smaps' Anonymous.
    """
    values = {}
    try:
        with open("/proc/self/smaps_rollup") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in ("Rss", "Private_Clean", "Private_Dirty", "Private_Hugetlb",
                            "Anonymous"):
                    values[name] = int(rest.split()[0]) / 1024
    except OSError:
        return {"private_mb": None, "uss_mb": None, "rss_mb": None}
    uss = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0) + \
        values.get("Private_Hugetlb", 0)
    return {"private_mb": round(values.get("Anonymous", 0), 1), "uss_mb": round(uss, 1),
            "rss_mb": round(values.get("Rss", 0), 1)}


def _library(home: str):
    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths
    return Library(AppPaths(Path(home)))


def _import_library() -> None:
    """Import our package before a timed open, as the naive steps import Whoosh first:
    the open figure is then opening, not Python's module imports (~0.35 s)."""
    import archive_app.core.library  # noqa: F401


def step_index(home: str, files: str) -> dict:
    library = _library(home)
    with TreeMemory() as memory:
        started = time.perf_counter()
        summary = library.sync([Path(files)])
        seconds = time.perf_counter() - started
    count = library.doc_count()
    library.close()
    return {"docs": count, "added": summary.added, "skipped": len(summary.skipped),
            "seconds": round(seconds, 3), "docs_per_s": round(summary.added / seconds, 1),
            **_peak_mb(), **memory.figures()}


def step_rescan(home: str, files: str) -> dict:
    _import_library()
    started = time.perf_counter()
    library = _library(home)
    open_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    summary = library.sync([Path(files)])
    unchanged = time.perf_counter() - started
    target = sorted(Path(files).glob("*/*.txt"))[0]
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"\nA line the benchmark added at {time.time()}.\n")
    started = time.perf_counter()
    changed = library.sync([Path(files)])
    one_changed = time.perf_counter() - started
    library.close()
    return {"library_open_ms": round(open_ms, 1), "unchanged_rescan_s": round(unchanged, 3),
            "unchanged_files": summary.unchanged, "one_changed_s": round(one_changed, 3),
            "one_changed_updated": changed.updated}


def step_search(home: str, queries: str) -> dict:
    mix = json.loads(Path(queries).read_text())
    _import_library()
    started = time.perf_counter()
    library = _library(home)
    library.doc_count()
    open_ms = (time.perf_counter() - started) * 1000
    times, totals, highlighted = [], [], 0
    for item in mix:
        started = time.perf_counter()
        results = library.search(item["query"], limit=20, sort=item["sort"])
        times.append((time.perf_counter() - started) * 1000)
        totals.append(results.total)
        highlighted += sum(1 for hit in results.hits
                           if any(s.highlights for s in hit.snippets))
    memory = _memory_now()
    library.close()
    return {"open_ms": round(open_ms, 1), "times_ms": times, "totals": totals,
            "hits_with_highlights": highlighted, **memory, **_peak_mb()}


# -- naive Whoosh: StemmingAnalyzer on a stored body, one writer, defaults ---------------
def _naive_schema():
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    return Schema(path=ID(stored=True, unique=True), title=TEXT(stored=True),
                  body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
                  date=ID(stored=True, sortable=True), source=ID(stored=True),
                  author=TEXT(stored=True))


def step_naive_index(home: str, docs: str) -> dict:
    from whoosh import index
    os.makedirs(home, exist_ok=True)
    ix = index.create_in(home, _naive_schema())
    with TreeMemory() as memory:
        started = time.perf_counter()
        writer = ix.writer()
        count = 0
        with open(docs, encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                writer.add_document(path=doc["path"], title=doc["title"], body=doc["body"],
                                    date=doc["date"], source=doc["source"],
                                    author=doc["author"])
                count += 1
        writer.commit()
        seconds = time.perf_counter() - started
    return {"docs": count, "seconds": round(seconds, 3),
            "docs_per_s": round(count / seconds, 1), **_peak_mb(), **memory.figures()}


def step_naive_search(home: str, queries: str) -> dict:
    from whoosh import index
    from whoosh.qparser import FuzzyTermPlugin, QueryParser
    mix = json.loads(Path(queries).read_text())
    started = time.perf_counter()
    ix = index.open_dir(home)
    searcher = ix.searcher()
    open_ms = (time.perf_counter() - started) * 1000
    parser = QueryParser("body", ix.schema)
    parser.add_plugin(FuzzyTermPlugin())
    times = []
    for item in mix:
        if item["whoosh"] is None:
            times.append(None)
            continue
        started = time.perf_counter()
        query = parser.parse(item["whoosh"])
        options = {"limit": 20}
        if item["sort"] == "newest":
            options.update(sortedby="date", reverse=True)
        results = searcher.search(query, **options)
        for hit in results:
            hit.highlights("body", top=1)
        times.append((time.perf_counter() - started) * 1000)
    memory = _memory_now()
    return {"open_ms": round(open_ms, 1), "times_ms": times, **memory}


# -- SQLite FTS5 (porter) --------------------------------------------------------------
def step_fts_index(home: str, docs: str) -> dict:
    os.makedirs(home, exist_ok=True)
    db = Path(home) / "fts.sqlite3"
    db.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, title, body, "
                       "date UNINDEXED, source, author, tokenize='porter unicode61')")
    count = 0
    with TreeMemory() as memory:
        started = time.perf_counter()
        with connection, open(docs, encoding="utf-8") as handle:
            rows = []
            for line in handle:
                doc = json.loads(line)
                rows.append((doc["path"], doc["title"], doc["body"], doc["date"],
                             doc["source"], doc["author"]))
                count += 1
            connection.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
        seconds = time.perf_counter() - started
    connection.close()
    return {"docs": count, "seconds": round(seconds, 3),
            "docs_per_s": round(count / seconds, 1), **_peak_mb(), **memory.figures()}


def step_fts_search(home: str, queries: str) -> dict:
    mix = json.loads(Path(queries).read_text())
    started = time.perf_counter()
    connection = sqlite3.connect(Path(home) / "fts.sqlite3")
    connection.execute("SELECT count(*) FROM docs").fetchone()
    open_ms = (time.perf_counter() - started) * 1000
    times = []
    for item in mix:
        if item["fts"] is None:
            times.append(None)
            continue
        where = f" AND {item['fts_where']}" if item["fts_where"] else ""
        order = item["fts_order"] or "rank"
        sql = ("SELECT path, snippet(docs, 2, '[', ']', '...', 24) FROM docs "
               f"WHERE docs MATCH ?{where} ORDER BY {order} LIMIT 20")
        started = time.perf_counter()
        try:
            connection.execute(sql, (item["fts"],)).fetchall()
        except sqlite3.OperationalError:
            times.append(None)
            continue
        times.append((time.perf_counter() - started) * 1000)
    memory = _memory_now()
    connection.close()
    return {"open_ms": round(open_ms, 1), "times_ms": times, **memory}


STEPS = {name[5:]: value for name, value in globals().items() if name.startswith("step_")}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
