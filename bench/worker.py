"""One measurement per process, so peak memory (ru_maxrss) belongs to that step alone.

`python -P bench/worker.py STEP ARGS...` prints one JSON object on stdout. The bench runs
this file by path, with PYTHONPATH set to the checkout whose engine it measures (this
one, or a `git worktree` of an older revision for `--old`): the same measuring code for
every engine, so a difference between two columns is the engines'. For that it imports
nothing from `bench`, only the standard library, Whoosh and archive_app.
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
        while not self._stop.wait(SAMPLE_SECONDS):
            sizes = _tree_rss_mb(os.getpid())
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            children = [mb for pid, mb in sizes.items() if pid != os.getpid()]
            self.peak_child = max([self.peak_child, *children])

    def figures(self) -> dict:
        return {"peak_tree_rss_mb": round(self.peak_total, 1),
                "peak_tree_child_rss_mb": round(self.peak_child, 1)}


SAMPLE_SECONDS = 0.5
"""How often the memory of the process tree is read. Every 50 ms cost the indexing
parent a quarter of its time at 1M (reading /proc/*/status of every process in Python,
holding the GIL), and the parent is what the children wait for."""


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


def _engine_code() -> str:
    """The checkout archive_app was imported from. The bench checks it is the one it
    meant: an editable install must not slip this checkout's engine in under `old`."""
    import archive_app
    return str(Path(archive_app.__file__).resolve().parent.parent)


# -- the first query after opening, in a fresh process --------------------------------------
def first_queries(mix: list[dict], open_engine, run_query, close_engine, can_run) -> dict:
    """Open + first query for each query class, each in a forked child that has opened
    nothing yet.

    What a user waits for after starting the app is the index opening and the first
    search; the main loop has one such query (times_ms[0]), of one class. Here the first
    query of each class gets a process of its own, forked after the modules are imported
    (the open figures exclude imports) and before anything is opened, so no reader,
    cache or warmed searcher carries over. The OS page cache does: these are figures for
    an index read recently (dropping that cache needs root and is machine-wide).
    """
    firsts: dict[str, dict] = {}
    for item in mix:
        if item["category"] not in firsts and can_run(item):
            firsts[item["category"]] = item
    per_class = {category: _in_child(item, open_engine, run_query, close_engine)
                 for category, item in firsts.items()}
    done = [v for v in per_class.values() if v.get("open_plus_first_ms") is not None]
    worst = max(done, key=lambda v: v["open_plus_first_ms"], default=None)
    return {"per_class": per_class,
            "median_open_plus_first_ms": _median([v["open_plus_first_ms"] for v in done]),
            "median_first_ms": _median([v["first_ms"] for v in done]),
            "max_open_plus_first_ms": worst["open_plus_first_ms"] if worst else None,
            "max_class": worst["category"] if worst else None,
            "errors": sum(1 for v in per_class.values() if "error" in v)}


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    value = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return round(value, 1)


def _in_child(item: dict, open_engine, run_query, close_engine) -> dict:
    """Fork; the child opens the engine, runs one query and writes its timings to a pipe."""
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child never returns into the parent's code
        os.close(read_end)
        try:
            started = time.perf_counter()
            engine = open_engine()
            opened = time.perf_counter()
            run_query(engine, item)
            finished = time.perf_counter()
            close_engine(engine)
            figures = {"open_ms": round((opened - started) * 1000, 1),
                       "first_ms": round((finished - opened) * 1000, 1),
                       "open_plus_first_ms": round((finished - started) * 1000, 1)}
        except BaseException as error:  # reported to the parent, which goes on
            figures = {"error": repr(error)[:500], "open_plus_first_ms": None}
        figures.update(category=item["category"], query=item["query"])
        try:
            with os.fdopen(write_end, "w") as handle:
                handle.write(json.dumps(figures))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        answer = handle.read()
    os.waitpid(pid, 0)
    if not answer:
        return {"error": "the child died without an answer", "open_plus_first_ms": None,
                "category": item["category"], "query": item["query"]}
    return json.loads(answer)


# -- our engine (this checkout's, or an older one's for --old) -----------------------------
def _ours_query(library, item: dict):
    return library.search(item["query"], limit=20, sort=item["sort"])


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
            **_peak_mb(), **memory.figures(), "engine_code": _engine_code()}


def first_corpus_file(files: Path) -> Path:
    """The first document in name order, as sorted(files.glob("*/*.txt"))[0] was, without
    building and sorting a list of every path (a million at --docs 1000000)."""
    for family in sorted(entry.name for entry in os.scandir(files) if entry.is_dir()):
        first = min((entry.name for entry in os.scandir(files / family)
                     if entry.name.endswith(".txt") and not entry.name.startswith(".")
                     and entry.is_file()), default=None)
        if first:
            return files / family / first
    raise FileNotFoundError(f"no */*.txt under {files}")


def step_rescan(home: str, files: str) -> dict:
    """An unchanged re-scan, then one with one file changed; then the file is put back as
    it was (bytes and mtime) and synced again, untimed.

    Putting it back keeps the corpus the same for every engine and every run: the old
    engine's re-scan, which runs after ours, would otherwise find our change and
    re-index it in its "unchanged" re-scan, and the file would grow a line a run.
    """
    _import_library()
    started = time.perf_counter()
    library = _library(home)
    open_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    summary = library.sync([Path(files)])
    unchanged = time.perf_counter() - started
    target = first_corpus_file(Path(files))
    before, before_stat = target.read_bytes(), target.stat()
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"\nA line the benchmark added at {time.time()}.\n")
        started = time.perf_counter()
        changed = library.sync([Path(files)])
        one_changed = time.perf_counter() - started
    finally:
        target.write_bytes(before)
        os.utime(target, ns=(before_stat.st_atime_ns, before_stat.st_mtime_ns))
    started = time.perf_counter()
    library.sync([Path(files)])
    restored = time.perf_counter() - started
    library.close()
    return {"library_open_ms": round(open_ms, 1), "unchanged_rescan_s": round(unchanged, 3),
            "unchanged_files": summary.unchanged, "one_changed_s": round(one_changed, 3),
            "one_changed_updated": changed.updated, "put_back_sync_s": round(restored, 3),
            "engine_code": _engine_code()}


def step_search(home: str, queries: str) -> dict:
    mix = json.loads(Path(queries).read_text())
    _import_library()
    first = first_queries(mix, lambda: _library(home), _ours_query,
                          lambda library: library.close(), lambda item: True)
    started = time.perf_counter()
    library = _library(home)
    library.doc_count()
    open_ms = (time.perf_counter() - started) * 1000
    times, totals, highlighted = [], [], 0
    for item in mix:
        started = time.perf_counter()
        results = _ours_query(library, item)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(results.total)
        highlighted += sum(1 for hit in results.hits
                           if any(s.highlights for s in hit.snippets))
    memory = _memory_now()
    library.close()
    return {"open_ms": round(open_ms, 1), "times_ms": times, "totals": totals,
            "hits_with_highlights": highlighted, "first_query": first, **memory,
            **_peak_mb(), "engine_code": _engine_code()}


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


def _naive_open(home: str):
    from whoosh import index
    from whoosh.qparser import FuzzyTermPlugin, QueryParser
    ix = index.open_dir(home)
    searcher = ix.searcher()
    parser = QueryParser("body", ix.schema)
    parser.add_plugin(FuzzyTermPlugin())
    return searcher, parser


def _naive_query(opened, item: dict) -> None:
    searcher, parser = opened
    query = parser.parse(item["whoosh"])
    options = {"limit": 20}
    if item["sort"] == "newest":
        options.update(sortedby="date", reverse=True)
    results = searcher.search(query, **options)
    for hit in results:
        hit.highlights("body", top=1)


def step_naive_search(home: str, queries: str) -> dict:
    import whoosh.index  # noqa: F401 - imported before the timed open
    import whoosh.qparser  # noqa: F401
    mix = json.loads(Path(queries).read_text())
    first = first_queries(mix, lambda: _naive_open(home), _naive_query,
                          lambda opened: opened[0].close(),
                          lambda item: item["whoosh"] is not None)
    started = time.perf_counter()
    opened = _naive_open(home)
    open_ms = (time.perf_counter() - started) * 1000
    times = []
    for item in mix:
        if item["whoosh"] is None:
            times.append(None)
            continue
        started = time.perf_counter()
        _naive_query(opened, item)
        times.append((time.perf_counter() - started) * 1000)
    memory = _memory_now()
    return {"open_ms": round(open_ms, 1), "times_ms": times, "first_query": first, **memory}


# -- SQLite FTS5 (porter) --------------------------------------------------------------
def step_fts_index(home: str, docs: str) -> dict:
    """All rows in one transaction, streamed from docs.jsonl: holding them in a list first
    would need the whole corpus in memory (some 5 GB at a million documents)."""
    os.makedirs(home, exist_ok=True)
    db = Path(home) / "fts.sqlite3"
    db.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, title, body, "
                       "date UNINDEXED, source, author, tokenize='porter unicode61')")
    count = 0

    def rows(handle):
        nonlocal count
        for line in handle:
            doc = json.loads(line)
            count += 1
            yield (doc["path"], doc["title"], doc["body"], doc["date"], doc["source"],
                   doc["author"])

    with TreeMemory() as memory:
        started = time.perf_counter()
        with connection, open(docs, encoding="utf-8") as handle:
            connection.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows(handle))
        seconds = time.perf_counter() - started
    connection.close()
    return {"docs": count, "seconds": round(seconds, 3),
            "docs_per_s": round(count / seconds, 1), **_peak_mb(), **memory.figures()}


def _fts_query(connection, item: dict) -> None:
    where = f" AND {item['fts_where']}" if item["fts_where"] else ""
    order = item["fts_order"] or "rank"
    sql = ("SELECT path, snippet(docs, 2, '[', ']', '...', 24) FROM docs "
           f"WHERE docs MATCH ?{where} ORDER BY {order} LIMIT 20")
    connection.execute(sql, (item["fts"],)).fetchall()


def step_fts_search(home: str, queries: str) -> dict:
    mix = json.loads(Path(queries).read_text())
    path = Path(home) / "fts.sqlite3"
    first = first_queries(mix, lambda: sqlite3.connect(path), _fts_query,
                          lambda connection: connection.close(),
                          lambda item: item["fts"] is not None)
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("SELECT count(*) FROM docs").fetchone()
    open_ms = (time.perf_counter() - started) * 1000
    times = []
    for item in mix:
        if item["fts"] is None:
            times.append(None)
            continue
        started = time.perf_counter()
        try:
            _fts_query(connection, item)
        except sqlite3.OperationalError:
            times.append(None)
            continue
        times.append((time.perf_counter() - started) * 1000)
    memory = _memory_now()
    connection.close()
    return {"open_ms": round(open_ms, 1), "times_ms": times, "first_query": first, **memory}


STEPS = {name[5:]: value for name, value in globals().items() if name.startswith("step_")}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
