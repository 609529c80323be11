"""Rich Text Format (.rtf): a small linear reader of our own.

One regular-expression pass tokenises the file (control words, control symbols,
\\'hh bytes, braces, text); groups are kept on an explicit stack (no recursion), at most
MAX_DEPTH deep. Text bytes and \\'hh bytes are decoded with the document's code page
(\\ansicpg, else Windows-1252), \\uN gives the character and skips the \\ucN fallback
characters after it. Destinations that are not text are skipped: any \\* group, font,
colour and style tables, pictures, objects, fields' instructions, headers and footers,
and \\info, from which the title, author and creation date are taken.
"""

from __future__ import annotations

import re
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted

MAX_DEPTH = 1000
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+"
    rb"|([^\\{}\r\n]+)", re.S)
_SKIP = frozenset({
    "fonttbl", "colortbl", "stylesheet", "pict", "object", "fldinst", "header", "footer",
    "headerl", "headerr", "headerf", "footerl", "footerr", "footerf", "listtable",
    "listoverridetable", "rsidtbl", "generator", "themedata", "colorschememapping",
    "datastore", "latentstyles", "filetbl", "revtbl", "xmlnstbl", "mmathPr", "bkmkstart",
    "bkmkend", "info", "pgdsctbl", "shppict", "nonshppict", "comment", "annotation",
})
_INFO_FIELDS = {"title": "title", "author": "author"}
_WORDS = {"par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "tab": "\t",
          "cell": "\t", "row": "\n", "emdash": "\u2014", "endash": "\u2013",
          "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
          "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ", "enspace": " "}
_SYMBOLS = {b"~": "\u00a0", b"_": "-", b"-": "", b"\\": "\\", b"{": "{", b"}": "}",
            b"\n": "\n", b"\r": "\n", b"\t": "\t"}


class _Reader:
    def __init__(self) -> None:
        self.encoding = "cp1252"
        self.out: list[str] = []
        self.pending = bytearray()
        self.meta: dict[str, str] = {}
        self.date: dict[str, int] = {}

    def flush(self, sink: list[str]) -> None:
        if self.pending:
            try:
                sink.append(self.pending.decode(self.encoding, "replace"))
            except LookupError:
                sink.append(self.pending.decode("cp1252", "replace"))
            self.pending.clear()


def extract(path: Path) -> Extracted:
    data = limits.read_bytes(path)
    if not data.lstrip()[:5] == b"{\\rtf":
        raise RejectedFile("corrupt", "RTF could not be read: it does not begin with {\\rtf")
    reader = _Reader()
    # group state: skip (destination not text), uc (fallback count), field (info field)
    skip, uc, field = False, 1, ""
    stack: list[tuple[bool, int, str]] = []
    group_start = False  # the token after '{' (a destination word or \*)
    to_skip = 0  # fallback characters after \uN still to skip
    info_text: list[str] = []
    for match in _TOKEN.finditer(data):
        word, argument, hexbyte, symbol, brace, text = match.groups()
        sink = info_text if field else reader.out
        if brace == b"{":
            if len(stack) >= MAX_DEPTH:
                raise RejectedFile("corrupt", f"RTF groups are nested more than "
                                              f"{MAX_DEPTH} deep")
            reader.flush(sink)
            stack.append((skip, uc, field))
            group_start, to_skip = True, 0
            continue
        if brace == b"}":
            reader.flush(sink)
            if field and (not stack or stack[-1][2] != field):
                value = "".join(info_text).strip()
                if value:
                    reader.meta.setdefault(_INFO_FIELDS[field], value[:1000])
                info_text.clear()
            if not stack:
                break  # the end of the document
            skip, uc, field = stack.pop()
            group_start, to_skip = False, 0
            continue
        starting, group_start = group_start, False
        if word is not None:
            name = word.decode("ascii")
            if starting and name in _INFO_FIELDS and stack and stack[-1][0]:
                field, skip = name, False  # a field of \info: read its text aside
                continue
            if name in _SKIP:
                if starting or name == "info":
                    reader.flush(sink)
                    skip = True
                continue
            if name in ("yr", "mo", "dy") and field == "" and skip and argument:
                reader.date.setdefault(name, int(argument))
                continue
            if skip:
                continue
            if name == "ansicpg" and argument:
                reader.encoding = f"cp{int(argument)}"
            elif name == "uc" and argument:
                uc = max(0, min(int(argument), 10))
            elif name == "u" and argument:
                reader.flush(sink)
                code = int(argument)
                code = code + 65536 if code < 0 else code
                sink.append(chr(code) if 0 < code < 0x110000 else "\ufffd")
                to_skip = uc
            elif name in _WORDS:
                reader.flush(sink)
                sink.append(_WORDS[name])
            continue
        if symbol is not None:
            if symbol == b"*":
                if starting:
                    skip = True
                continue
            if not skip and symbol in _SYMBOLS:
                reader.flush(sink)
                sink.append(_SYMBOLS[symbol])
            continue
        if skip:
            continue
        if hexbyte is not None:
            if to_skip:
                to_skip -= 1
            else:
                reader.pending.append(int(hexbyte, 16))
        elif text is not None:
            if to_skip:
                cut = min(to_skip, len(text))
                to_skip -= cut
                text = text[cut:]
            reader.pending.extend(text)
    reader.flush(reader.out)
    meta = dict(reader.meta)
    if {"yr", "mo", "dy"} <= reader.date.keys():
        meta["date"] = (f"{reader.date['yr']:04d}-{reader.date['mo']:02d}-"
                        f"{reader.date['dy']:02d}")
    # \\uN gives characters beyond the BMP as UTF-16 surrogate pairs: join them
    text = "".join(reader.out).encode("utf-16-le", "surrogatepass").decode("utf-16-le",
                                                                           "replace")
    return Extracted(text=text, metadata=meta)
