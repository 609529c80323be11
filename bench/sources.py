"""Source text for the benchmark corpus, read from the Debian packages on this machine.

Nothing here is shipped with the project or fetched: the text is whatever the installed
packages put under /usr/share, each part under its own package's licence (stated in
/usr/share/doc/PACKAGE/copyright). Two sets of families:

- the reference set, when installed (`apt-get install bible-kjv bible-kjv-text
  postgresql-doc-15 perl-doc debian-reference-en fortunes`): the King James Bible (one
  document per chapter, five verses a paragraph), the PostgreSQL 15 HTML manual, the
  Debian Reference, Perl's core POD pages and the fortune files. The figures in README's
  Performance section were measured on this set; it is used when it holds at least
  REFERENCE_MIN_CHARS of text.
- otherwise, what every Debian system has: the licence texts in /usr/share/common-licenses,
  each package's /usr/share/doc/*/copyright, its Debian changelog, and the English manual
  pages (roff markup stripped). Each family is capped at SYSTEM_CAP_CHARS, its documents
  taken in a fixed pseudo-random order (by a hash of the path); a paragraph seen before
  (the same licence text in many copyright files) is left out.

A document is (family, title, [paragraphs]). The same installed packages give the same
documents; `python -m bench.sources OUT.jsonl.gz` writes them in the format `--sources`
reads, to keep or to compare.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

Source = tuple[str, str, list[str]]
REFERENCE = ("kjv", "postgres", "perl", "debref", "fortunes")
REFERENCE_MIN_CHARS = 10_000_000
SYSTEM = ("licenses", "copyright", "changelog", "man")
SYSTEM_CAP_CHARS = 6_000_000
MIN_CHARS = 300_000  # below this the corpus would be one text repeated

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text.replace("\u00b6", " ")).strip()


# -- the reference set (the same parsing as the corpus the README's figures come from) -----

class _HTMLText(html.parser.HTMLParser):
    """Collects block-level paragraphs of visible prose from a manual page."""

    BLOCK = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
             "br", "tr", "td", "th", "table", "section", "blockquote", "ul",
             "ol", "dl", "caption", "figcaption", "article", "main"}
    SKIP_TAGS = {"script", "style", "pre", "head", "nav", "footer", "header",
                 "noscript", "svg", "form", "button"}
    SKIP_CLASSES = {"sphinxsidebar", "related", "footer", "navheader",
                    "navfooter", "toc", "mobile-nav", "menu-wrapper",
                    "headerlink", "inline-search", "highlight", "breadcrumb",
                    "programlisting", "screen", "synopsis", "literallayout",
                    "refsynopsisdiv", "list-of-tables", "list-of-examples",
                    "titlepage-notice", "search"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base",
            "col", "embed", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.skip_depth = 0
        self.buf: list[str] = []
        self.paras: list[str] = []
        self.title = ""
        self._in_title = False

    def _flush(self):
        if self.buf:
            text = norm("".join(self.buf))
            if text:
                self.paras.append(text)
            self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        if tag in self.VOID:
            if tag == "br" and not self.skip_depth:
                self.buf.append(" ")
            return
        classes = set()
        for key, value in attrs:
            if key == "class" and value:
                classes.update(value.split())
        skip = tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES)
        if skip:
            self.skip_depth += 1
        self.stack.append((tag, skip))
        if tag in self.BLOCK and not self.skip_depth:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in self.VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):  # tolerates sloppy HTML
            if self.stack[i][0] == tag:
                for _, skipping in self.stack[i:]:
                    if skipping:
                        self.skip_depth -= 1
                del self.stack[i:]
                break
        if tag in self.BLOCK and not self.skip_depth:
            self._flush()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self.skip_depth:
            self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


def html_doc(path: str) -> tuple[str, list[str]]:
    parser = _HTMLText()
    with open(path, encoding="utf-8", errors="replace") as handle:
        parser.feed(handle.read())
    parser.close()
    paras = [x for x in parser.paras if len(x) >= 40 or len(x.split()) >= 3]
    title = norm(parser.title).split(" \u2014 ")[0].split(" - ")[0]
    return title, paras


_POD_CODE = re.compile(r"[A-Z]<<+\s(.*?)\s>>+|[A-Z]<([^<>]*)>")


def _pod_inline(text: str) -> str:
    previous = None
    while previous != text:  # nested codes: innermost first
        previous = text
        text = _POD_CODE.sub(lambda m: (m.group(1) or m.group(2) or "").split("|")[0], text)
    return text


def pod_doc(path: str) -> tuple[str, list[str]]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    paras, title = [], os.path.basename(path)[:-4]
    in_begin = False
    for block in re.split(r"\n\s*\n", text):
        if not block.strip():
            continue
        if block.startswith("=begin"):
            in_begin = True
        if in_begin:
            if block.startswith("=end") or "\n=end" in block:
                in_begin = False
            continue
        if block.startswith("="):
            match = re.match(r"=(head\d|item)\s+(.*)", block, re.S)
            if match:
                heading = norm(_pod_inline(match.group(2)))
                if len(heading.split()) >= 3:
                    paras.append(heading)
            continue
        if block[0] in " \t":  # verbatim (code)
            continue
        para = norm(_pod_inline(block))
        if para:
            paras.append(para)
    if paras and paras[0].lower().startswith(title.lower()):
        title = paras[0][:100]
    return title, paras


def kjv_docs() -> list[Source]:
    exe = shutil.which("bible")
    if not exe:
        return []
    out = subprocess.run([exe, "-f", "gen1:1-rev22:21"], capture_output=True, text=True,
                         check=True).stdout
    chapters: dict[str, list[str]] = {}
    for line in out.splitlines():
        match = re.match(r"(\S+?)(\d+):(\d+)\s+(.*)", line)
        if match:
            chapters.setdefault(f"{match.group(1)} {match.group(2)}", []).append(
                match.group(4).strip())
    return [("kjv", f"{key} (KJV)", [" ".join(verses[i:i + 5])
                                     for i in range(0, len(verses), 5)])
            for key, verses in chapters.items()]


def reference_sources() -> list[Source]:
    docs = kjv_docs()
    for path in sorted(glob.glob("/usr/share/doc/postgresql-doc-15/html/*.html")):
        title, paras = html_doc(path)
        if paras and not os.path.basename(path).startswith(("bookindex", "index")):
            docs.append(("postgres", title, paras))
    for path in sorted(glob.glob("/usr/share/debian-reference/*.en.html")):
        title, paras = html_doc(path)
        if paras:
            docs.append(("debref", title, paras))
    # /usr/share/perl/5.36 is a symlink to 5.36.0: one of each by real path
    for path in sorted({os.path.realpath(x) for x in glob.glob("/usr/share/perl/5.*/pod/*.pod")}):
        title, paras = pod_doc(path)
        if paras:
            docs.append(("perl", title, paras))
    for path in sorted(glob.glob("/usr/share/games/fortunes/*")):
        base = os.path.basename(path)
        if "." in base or os.path.isdir(path) or base in ("ascii-art", "art"):
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            entries = [norm(e) for e in re.split(r"^%\s*$", handle.read(), flags=re.M)]
        entries = [e for e in entries if e]
        if entries:
            docs.append(("fortunes", f"fortunes: {base}", entries))
    return docs


# -- what every Debian system has -------------------------------------------------------------

def _read(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return handle.read(2_000_000)
    except (OSError, EOFError):
        return ""


def _blocks(text: str) -> list[str]:
    return [norm(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def copyright_doc(path: str) -> tuple[str, list[str]]:
    """A debian/copyright file: its fields and licence texts (" ." lines are blank lines)."""
    text = re.sub(r"^[ \t]+\.[ \t]*$", "", _read(path), flags=re.M)
    return f"{Path(path).parent.name}: copyright", _blocks(text)


def changelog_doc(path: str) -> tuple[str, list[str]]:
    """A Debian changelog: each entry's change items, one paragraph each."""
    paras: list[str] = []
    item: list[str] = []
    for line in _read(path).splitlines():
        stripped = line.strip()
        bullet = stripped[:2] in ("* ", "+ ", "- ")
        if bullet or not stripped or not line.startswith(" ") or line.startswith(" -- "):
            if item:
                paras.append(norm(" ".join(item)))
            item = [stripped[2:]] if bullet else []
            continue
        item.append(stripped)
    if item:
        paras.append(norm(" ".join(item)))
    paras = [p for p in paras if not re.fullmatch(r"\[.*\]", p)]  # "[ A. Person ]"
    name = Path(path).parent.name
    return f"{name}: {os.path.basename(path).removesuffix('.gz')}", paras


_ROFF_ESCAPES = [
    (re.compile(r"\\f(\(..|\[[^\]]*\]|.)"), ""),          # font changes
    (re.compile(r"\\\*(\(..|\[[^\]]*\]|.)"), ""),         # strings
    (re.compile(r"\\\((em|en)"), "\u2014"), (re.compile(r"\\\(aq"), "'"),
    (re.compile(r"\\\((lq|rq|dq)"), '"'), (re.compile(r"\\\((bu|co|rg|tm)"), ""),
    (re.compile(r"\\\(.."), ""), (re.compile(r"\\\[[^\]]*\]"), ""),
    (re.compile(r"\\[sn][-+]?(\(..|\d)"), ""), (re.compile(r"\\[hvwkoz]'[^']*'"), ""),
    (re.compile(r"\\[-e]"), lambda m: "-" if m.group(0) == "\\-" else "\\"),
    (re.compile(r"\\[&|^,/%:c!]"), ""), (re.compile(r"\\ "), " "), (re.compile(r"\\(.)"), r"\1"),
]
_BREAKS = {"PP", "LP", "P", "TP", "IP", "HP", "SH", "SS", "sp", "br", "Pp", "Sh", "Ss", "It",
           "TQ", "RS", "RE"}
_FONT_RUNS = {"B", "I", "SM", "SB", "BR", "RB", "IR", "RI", "BI", "IB"}


def _roff_text(text: str) -> str:
    if "\\" not in text:
        return text
    for pattern, replacement in _ROFF_ESCAPES:
        text = pattern.sub(replacement, text)
    return text


def _macro_args(rest: str) -> list[str]:
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', rest)]


def man_doc(path: str) -> tuple[str, list[str]]:
    """A manual page in roff (man or mdoc macros): its running text, code blocks left out."""
    paras: list[str] = []
    words: list[str] = []
    title = os.path.basename(path).removesuffix(".gz")
    skipping = False

    def flush():
        if words:
            para = norm(_roff_text(" ".join(words)))
            if len(para) >= 40 or len(para.split()) >= 3:
                paras.append(para)
            words.clear()

    for line in _read(path).splitlines():
        if line.startswith((".\\\"", "'\\\"", '.\\"')):
            continue
        if line.startswith((".", "'")):
            name, _, rest = line[1:].strip().partition(" ")
            if name in ("nf", "EX", "Bd"):
                flush()
                skipping = True
            elif name in ("fi", "EE", "Ed"):
                skipping = False
            elif name == "so":
                return title, []
            elif name in ("TH", "Dt"):
                args = _macro_args(rest)
                if len(args) >= 2:
                    title = f"{args[0].lower()}({args[1]})"
            elif name in _BREAKS:
                flush()
                if name in ("SH", "SS", "Sh", "Ss") and rest.strip():
                    heading = _roff_text(" ".join(_macro_args(rest)))
                    if len(heading.split()) >= 3:
                        paras.append(norm(heading))
            elif name in _FONT_RUNS and not skipping:
                args = _macro_args(rest)
                words.append(("" if len(name) == 2 and name != "SM" else " ").join(args))
            continue
        if not skipping:
            words.append(line)
    flush()
    return title, paras


def _hash_order(paths: list[str]) -> list[str]:
    return sorted(paths, key=lambda p: hashlib.sha1(p.encode()).hexdigest())


def system_sources(cap: int = SYSTEM_CAP_CHARS) -> list[Source]:
    seen: set[str] = set()
    docs: list[Source] = []
    families = [
        ("licenses", sorted(glob.glob("/usr/share/common-licenses/*")),
         lambda p: (f"licence: {os.path.basename(p)}", _blocks(_read(p)))),
        ("copyright", _hash_order(glob.glob("/usr/share/doc/*/copyright")), copyright_doc),
        ("changelog", _hash_order(glob.glob("/usr/share/doc/*/changelog.Debian.gz")),
         changelog_doc),
        ("man", _hash_order(glob.glob("/usr/share/man/man[1-9]/*.gz")), man_doc),
    ]
    for family, paths, read in families:
        total = 0
        for path in paths:
            if total >= cap:
                break
            if not os.path.isfile(path):
                continue
            title, paras = read(path)
            fresh = []
            for para in paras:
                if para not in seen:
                    seen.add(para)
                    fresh.append(para)
            if fresh:
                docs.append((family, title, fresh))
                total += sum(len(p) for p in fresh)
    return docs


def chars(docs: list[Source]) -> int:
    return sum(len(p) for _, _, paras in docs for p in paras)


def collect() -> tuple[str, list[Source]]:
    """("reference" or "system", the documents); raises when the machine has too little."""
    reference = reference_sources()
    if chars(reference) >= REFERENCE_MIN_CHARS:
        return "reference", reference
    docs = system_sources()
    if chars(docs) < MIN_CHARS:
        raise RuntimeError(
            f"only {chars(docs)} characters of text found under /usr/share (licences, "
            "copyright files, changelogs, manual pages); install some documentation, e.g. "
            "`apt-get install man-db manpages bible-kjv bible-kjv-text fortunes`")
    return "system", docs


def write_jsonl(path: Path, docs: list[Source]) -> None:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for family, title, paras in docs:
            handle.write(json.dumps({"source": family, "title": title,
                                     "body": "\n\n".join(paras)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.sources OUT.jsonl[.gz]")
    kind, found = collect()
    write_jsonl(Path(sys.argv[1]), found)
    print(f"{kind}: {len(found)} documents, {chars(found)} characters")
