"""Where the benchmark's text comes from: the readers of Debian's files, and --sources FILE."""

from __future__ import annotations

import gzip
import json

from bench import corpus, sources

MAN_PAGE = r""".\" a comment that is left out
.TH FROB 1 "May 2024" "frob 1.0" "User Commands"
.SH NAME
frob \- turn widgets into gadgets
.SH DESCRIPTION
.B frob
reads each widget and writes a gadget, as described in
.BR gadgets (5).
It never changes the widget \fIitself\fR.
.PP
The second paragraph says \(lqquoted\(rq things \- with a dash.
.nf
frob --all   # a code block, left out
.fi
.SH SEE ALSO
widget(1)
"""

CHANGELOG = """frob (1.0-2) unstable; urgency=medium

  [ A. Person ]
  * Fix the gadget size on big-endian machines,
    which was off by one.
  * Translations:
    - Update the German translation.

 -- A. Person <a@example.org>  Mon, 02 Jan 2023 13:06:21 +0100
"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: frob

Files: *
Copyright: 2020 A. Person
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""


def test_a_manual_page_becomes_its_running_text(tmp_path):
    page = tmp_path / "frob.1.gz"
    page.write_bytes(gzip.compress(MAN_PAGE.encode()))
    title, paras = sources.man_doc(str(page))
    assert title == "frob(1)"
    assert paras[0] == "frob - turn widgets into gadgets"
    assert paras[1] == ("frob reads each widget and writes a gadget, as described in "
                        "gadgets(5). It never changes the widget itself.")
    assert paras[2] == 'The second paragraph says "quoted" things - with a dash.'
    assert not any("--all" in para or "comment" in para for para in paras)


def test_a_changelog_gives_one_paragraph_per_change(tmp_path):
    path = tmp_path / "frob" / "changelog.Debian.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(CHANGELOG.encode()))
    title, paras = sources.changelog_doc(str(path))
    assert title == "frob: changelog.Debian"
    assert paras == ["Fix the gadget size on big-endian machines, which was off by one.",
                     "Translations:", "Update the German translation."]


def test_a_copyright_file_keeps_its_licence_paragraphs(tmp_path):
    path = tmp_path / "frob" / "copyright"
    path.parent.mkdir()
    path.write_text(COPYRIGHT, encoding="utf-8")
    title, paras = sources.copyright_doc(str(path))
    assert title == "frob: copyright"
    assert paras[-1] == 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.'
    assert paras[-2].endswith("to any person obtaining a copy.")


def test_this_machine_has_enough_text_for_the_benchmark():
    kind, docs = sources.collect()
    assert kind in ("reference", "system")
    assert sources.chars(docs) >= sources.MIN_CHARS
    families = {family for family, _, _ in docs}
    assert families <= set(corpus.WEIGHTS) and len(families) >= 3
    paragraphs = [para for _, _, paras in docs for para in paras]
    assert all(para and para == para.strip() for para in paragraphs)
    if kind == "system":  # a licence text repeated in many copyright files counts once
        assert len(paragraphs) == len(set(paragraphs))


def test_a_sources_file_builds_the_same_corpus_twice(tmp_path):
    lines = [{"source": family, "title": f"{family} {i}",
              "body": "\n\n".join(f"Paragraph {j} of {family} document {i}. It has words."
                                  for j in range(30))}
             for family in ("kjv", "perl", "man") for i in range(5)]
    lines.append({"source": "unknown-family", "title": "left out", "body": "never used"})
    path = tmp_path / "sources.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    first = corpus.build(tmp_path / "a", 40, path)
    assert corpus.build(tmp_path / "b", 40, path) == first
    assert first["sources"] == f"file:{path.resolve()}" and first["families"] == \
        ["kjv", "man", "perl"]
    assert (tmp_path / "a" / "docs.jsonl").read_text() == \
        (tmp_path / "b" / "docs.jsonl").read_text()
    docs = list(corpus.read_docs(tmp_path / "a"))
    assert len(docs) == 40 and {doc["source"] for doc in docs} <= {"kjv", "perl", "man"}
    assert all("unknown" not in doc["body"] for doc in docs)
    files = sorted(p.relative_to(tmp_path / "a" / "files").as_posix()
                   for p in (tmp_path / "a" / "files").rglob("*.txt"))
    assert files == sorted(doc["path"] for doc in docs)
    assert corpus.build(tmp_path / "a", 40, path) == first  # reused, not rebuilt
