"""Watch-list figures: what adding, editing and deleting a list costs at N documents.

    .venv/bin/python -m bench.watchlist_refresh [--docs 100000] [--out /tmp/watch-bench]
        [--entities 50] [--rounds 5] [--build-only]

Builds the benchmark corpus (bench/corpus.py) under OUT/corpus-N and indexes it with this
checkout into OUT/home-N (reused when complete). Then it makes a list of ENTITIES
entities from words of the corpus (each with a capitalised and an upper-case alias,
so three written forms), and times, ROUNDS times each:

- save: `Library.save_watchlist` of the whole list (the store, the engine's phrase
  search for every form, the refresh of every document they name from stored text);
- edit: one entity's aliases changed (only its documents are refreshed);
- delete: the list deleted (its documents refreshed without it);
- search: `entity:X` for one entity, and the co-occurrence table of a common word.

No document file is read in any of them (the refresh reads the catalog's stored text).
Prints medians and p95 in ms and the documents refreshed, and writes OUT/watch-N.json.
`--build-only` builds and indexes the corpus and stops (a 100,000-document home takes a
while; build it in the background once, then time it).

One run at a time per home: a run takes OUT/home-N/bench.lock and another one started on
the same home stops at once with a message. Two runs on one home (a long 100,000-document
run still going in the background when the bench is started again) delete each other's
list: the second's clean-up deletes "Bench" from the store while the first holds the
index writer, so the first then fails with "there is no watch-list 'Bench'".
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bench import corpus

ROUNDS = 5


def say(line: str) -> None:
    print(f"[watch-bench] {line}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def hold_home(home: Path):
    """The home's bench lock (an exclusive flock, released when the process ends), or
    SystemExit naming the run that holds it."""
    home.mkdir(parents=True, exist_ok=True)
    handle = open(home / "bench.lock", "a+")  # noqa: SIM115 (held for the whole run)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        raise SystemExit(f"another watch-list bench is running on {home} "
                         f"(pid {handle.read().strip() or '?'}); wait for it or stop it"
                         ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def timed(action, rounds: int = ROUNDS) -> dict:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "rounds": rounds}


def pick_words(out: Path, count: int) -> list[str]:
    """Words of middling frequency in the corpus (each in tens to hundreds of
    documents): names a watch-list would hold behave so."""
    frequency: Counter = Counter()
    for doc in corpus.sample_docs(out, 2000):
        frequency.update({w for w in doc["body"].lower().split() if w.isalpha() and len(w) > 5})
    # most frequent first, ties by the word: a set's (and so the Counter's) order
    # changes with the hash seed, so most_common() picked other words in each run
    ranked = sorted(frequency.items(), key=lambda item: (-item[1], item[0]))
    middling = [w for w, n in ranked if 5 <= n <= 60]
    return middling[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/watch-bench"))
    parser.add_argument("--entities", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    from archive_app.core.entities.watchlists import Entity
    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths

    out = args.out / f"corpus-{args.docs}"
    if not (out / "docs.jsonl").exists():
        say(f"corpus of {args.docs:,} documents in {out} ...")
        corpus.build(out, args.docs)
    home = args.out / f"home-{args.docs}"
    lock = hold_home(home)
    library = Library(AppPaths(home))
    if library.needs_sync or not (home / "complete").exists():
        say("indexing ...")
        started = time.monotonic()
        library.sync([out / "files"])
        (home / "complete").write_text("ok")
        say(f"indexed in {time.monotonic() - started:.0f} s")
    if args.build_only:
        library.close()
        return
    rounds = args.rounds
    words = pick_words(out, args.entities)
    entities = [Entity(word, (word.capitalize(), word.upper())) for word in words]
    report: dict = {"docs": args.docs, "entities": len(entities), "rounds": rounds}
    if any(found.name.casefold() == "bench" for found in library.watchlists()):
        library.delete_watchlist("Bench")  # left by a run that was stopped

    def save():
        library.save_watchlist("Bench", entities)
        library.delete_watchlist("Bench")

    report["save_then_delete"] = timed(save, rounds)
    library.save_watchlist("Bench", entities)
    named = library.search(f'entity:"{words[0]}"', limit=1).total
    report["documents_naming_first_entity"] = named
    report["documents_with_any_entity"] = library.search(
        " OR ".join(f'entity:"{w}"' for w in words[:20]), limit=1).total
    report["documents_with_any_of_the_list"] = library.search(  # what a save refreshes
        " OR ".join(f'entity:"{w}"' for w in words), limit=1).total
    flip = [True]

    def edit():
        changed = list(entities)
        first = changed[0]
        changed[0] = Entity(first.name, first.aliases[:1] if flip[0] else first.aliases)
        flip[0] = not flip[0]
        library.save_watchlist("Bench", changed)

    report["edit_one_entity"] = timed(edit, rounds)
    report["search_entity"] = timed(
        lambda: library.search(f'entity:"{words[0]}"', limit=20), max(rounds, 20))
    report["cooccurrence"] = timed(lambda: library.cooccurrence("the"), max(rounds, 20))

    def delete_and_restore():
        library.delete_watchlist("Bench")
        library.save_watchlist("Bench", entities)

    report["delete_then_save"] = timed(delete_and_restore, rounds)
    library.close()
    lock.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"watch-{args.docs}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
