"""Hostile annotation files and hostile rewrites cannot crash, stall or exhaust a run.

`import-annotations` reads a file someone else made: every item is checked for shape
(a bad item gets its own message and the good ones still import), deep nesting is
refused with a message, the fuzzy matcher is bounded, and a large import refreshes the
index once. Re-anchoring after a hostile rewrite (the context repeated megabytes long,
the quote gone) stays bounded too. The bounds are generous: they catch minutes and
gigabytes, not milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.annotations.anchoring import ORPHANED, loose_matches, make_anchor, reanchor
from archive_app.core.annotations.importing import import_annotations
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import PROJECT_ROOT, write_files
from tests.core.archive_fixtures import KEYS, index_of, make_corpus

SECONDS = 30.0  # a bound against minutes-long stalls, not a speed target
MEGABYTES = 1024  # a bound against gigabytes, measured as the child's peak resident size
ADDRESS_LIMIT = 4 * 1024 ** 3  # a failing run hits MemoryError here, not the machine's RAM


def annotation(source: str, exact: str, tag: str = "t", **extra) -> dict:
    """A W3C annotation of our export's shape."""
    item = {"type": "Annotation",
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": tag}],
            "target": {"source": source, "selector": [
                {"type": "TextQuoteSelector", "exact": exact}]}}
    item.update(extra)
    return item


def urn(key: str) -> str:
    return f"urn:archive-app:{key}"


def run_bounded(home: Path, *args: str) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run the real CLI in a child with an address-space cap; (result, seconds, peak MB)."""
    def limit() -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))

    started = time.perf_counter()
    with open(home.parent / "out.txt", "w+") as out, open(home.parent / "err.txt", "w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "archive_app", "--home", str(home),
                                  *args], stdout=out, stderr=err, cwd=PROJECT_ROOT,
                                 preexec_fn=limit, text=True)
        guard = threading.Timer(240, child.kill)  # a hang fails the test, not the suite
        guard.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            guard.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(child.args, child.returncode, out.read(),
                                             err.read())
    return result, seconds, usage.ru_maxrss / 1024


def indexed_home(tmp_path: Path, files: dict[str, str] | None = None) -> tuple[Path, Path]:
    home = tmp_path / "home"
    corpus = write_files(tmp_path / "corpus", files) if files else make_corpus(tmp_path)
    library = Library(AppPaths(home))
    library.sync([corpus])
    library.close()
    return home, corpus


def test_each_bad_item_gets_a_message_and_the_good_ones_import(app_paths, tmp_path):
    library = Library(app_paths)
    library.sync([make_corpus(tmp_path)])
    good = annotation(urn(KEYS["ashraf"]), "52 residents", "count")
    items = [
        good,                                                            # 1
        {**annotation(urn(KEYS["ashraf"]), "Witnesses described"),       # 2
         "target": {"source": urn(KEYS["ashraf"]), "selector": [
             {"type": "TextQuoteSelector", "exact": "Witnesses described"},
             {"type": "TextPositionSelector", "start": "abc", "end": 5}]}},
        {**annotation(urn(KEYS["ashraf"]), "the massacre"),              # 3
         "target": {"source": urn(KEYS["ashraf"]), "selector": [
             {"type": "TextQuoteSelector", "exact": "the massacre"},
             {"type": "TextPositionSelector", "start": 1e400, "end": 2}]}},
        {**good, "target": 42},                                          # 4
        {**good, "body": [{"purpose": "tagging", "value": {"a": 1}}]},   # 5
        {**good, "body": [{"purpose": "tagging", "value": "x"}], "tags": 7},  # 6
        annotation(urn(KEYS["ashraf"]), 123),                            # 7
        "not an annotation",                                             # 8
        {**good, "target": {"source": ["x"], "selector": "nope"}},       # 9
        annotation(urn(KEYS["liberty"]), "Mortar attacks struck the camp", "attack"),  # 10
        {**good, "target": {"source": {"x": 1}, "selector": good["target"]["selector"]}},
    ]
    report = import_annotations(library, items)
    library.close()
    assert report.created == 2  # items 1 and 10
    messages = "\n".join(report.invalid)
    for number, words in [(2, "start"), (3, "start"), (4, "target"), (5, "tag"), (6, "tags"),
                          (7, "exact"), (8, "not an object"), (9, "selector"),
                          (11, "source")]:
        assert f"item {number}:" in messages and words in messages, (number, messages)
    assert "Traceback" not in messages


def test_wrong_types_through_the_cli_give_messages_not_tracebacks(tmp_path):
    home, _ = indexed_home(tmp_path)
    items = [{"target": {"selector": [{"type": "TextPositionSelector", "start": "abc"},
                                      {"type": "TextQuoteSelector", "exact": {"x": 1}}]},
              "body": {"value": [1, 2]}}, 5, None, [], {"body": 3, "target": True},
             annotation(urn(KEYS["liberty"]), "Mortar attacks struck the camp")]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(items), encoding="utf-8")
    result, _, _ = run_bounded(home, "import-annotations", str(source))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "imported 1 annotations" in result.stdout
    for number in range(1, 6):
        assert f"item {number}:" in result.stdout, result.stdout


def test_deeply_nested_json_is_refused_with_a_message(tmp_path):
    home, _ = indexed_home(tmp_path)
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result, seconds, _ = run_bounded(home, "import-annotations", str(source))
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert result.returncode == 1
    assert "nested too deeply" in result.stderr, result.stderr
    assert seconds < SECONDS


def test_a_huge_quote_in_no_document_is_bounded(tmp_path):
    """4,000 words that are nowhere, against a document full of its own context."""
    filler = "ab " * 40_000
    home, _ = indexed_home(tmp_path, {"filler.txt": "Filler\n\n" + filler + "end."})
    words = " ".join(f"word{n % 97}x{n}" for n in range(4_000))
    items = [annotation(urn("corpus/filler.txt"), words, "huge",
                        target={"source": urn("corpus/filler.txt"), "selector": [
                            {"type": "TextQuoteSelector", "exact": words,
                             "prefix": "ab", "suffix": "ab"}]}),
             annotation("", words, "huge-unsourced")]
    source = tmp_path / "huge.json"
    source.write_text(json.dumps(items), encoding="utf-8")
    result, seconds, peak = run_bounded(home, "import-annotations", str(source))
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "imported 0 annotations" in result.stdout and "2 not placed" in result.stdout
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)


def test_two_thousand_annotations_import_with_one_index_refresh(app_paths, tmp_path):
    files = {f"doc{n}.txt": f"Document {n}\n\n" + " ".join(
        f"sentence{n}w{m} words follow here." for m in range(100)) for n in range(20)}
    corpus = write_files(tmp_path / "corpus", files)
    library = Library(app_paths)
    library.sync([corpus])
    items = [annotation(urn(f"corpus/doc{n % 20}.txt"), f"sentence{n % 20}w{n // 20} words",
                        f"tag{n % 7}") for n in range(2_000)]
    generation = index_of(library).engine.generation()
    report = import_annotations(library, items)
    refreshes = index_of(library).engine.generation() - generation
    assert report.created == 2_000, report.not_found[:3]
    assert refreshes == 1
    assert library.search("tag:tag3").total == 20
    library.close()


def test_reanchoring_after_a_hostile_three_megabyte_rewrite_is_bounded(tmp_path):
    prefix, quote, suffix = ("The committee met again on Tuesday and said ",
                             "the figures were checked twice by the auditors",
                             " before the report went to print in May.")
    home, corpus = indexed_home(tmp_path, {"report.txt": "Minutes\n\n" + prefix + quote
                                           + suffix + "\n\nEnd of minutes."})
    library = Library(AppPaths(home))
    library.annotate_quote("corpus/report.txt", quote, ["audit"])
    library.close()
    repeated = (prefix + suffix + " ") * (3_000_000 // (len(prefix) + len(suffix) + 1))
    (corpus / "report.txt").write_text("Minutes\n\n" + repeated, encoding="utf-8")
    result, seconds, peak = run_bounded(home, "index")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "1 annotations need attention" in result.stdout
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from(["ab", "camp", "the", "x", "report", "a b", "\n"]),
                      min_size=1, max_size=400),
       cut=st.data())
def test_reanchor_stays_within_the_text_and_finds_exact_quotes(words, cut):
    text = " ".join(words)
    start = cut.draw(st.integers(0, max(0, len(text) - 1)))
    end = cut.draw(st.integers(start + 1, len(text)))
    if not text[start:end].strip():
        return
    anchor = make_anchor(text, start, end)
    edited = cut.draw(st.sampled_from(["same", "prefix", "cut"]))
    changed = {"same": text, "prefix": "New words on top. " + text,
               "cut": text[:start] + text[end:] + " " + text[:start]}[edited]
    placement = reanchor(anchor, changed)
    if placement.state != ORPHANED:
        assert 0 <= placement.start < placement.end <= len(changed)
    if edited != "cut":
        assert placement.state != ORPHANED
        assert " ".join(changed[placement.start:placement.end].split()) == \
            " ".join(anchor.exact.split())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.text(alphabet="ab \n", min_size=1, max_size=12),
       quote_words=st.integers(1, 3_000))
def test_fuzzy_matching_is_bounded_on_repetitive_text(unit, quote_words):
    if not unit.strip():
        return
    text = unit * (400_000 // len(unit))
    quote = " ".join(f"q{n}" for n in range(quote_words))
    anchor = make_anchor(unit + quote + unit, len(unit), len(unit) + len(quote))
    started = time.perf_counter()
    placement = reanchor(anchor, text)
    assert time.perf_counter() - started < SECONDS
    assert placement.state == ORPHANED or 0 <= placement.start < placement.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab \n\t\u00a0", max_size=60),
       quote=st.text(alphabet="ab \n", min_size=1, max_size=8))
def test_loose_matching_finds_what_the_regex_of_the_words_finds(text, quote):
    """The linear matcher keeps the old definition: the words in order, any white space."""
    words = quote.split()
    expected = []
    if words:
        pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
        expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
    assert loose_matches(text, quote) == expected
