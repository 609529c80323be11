"""What the CLI prints for people: every field from a file or a user shown harmlessly.

File names, titles, notes and tags come from files an adversary may have written. Raw,
`ESC]0;…BEL` would retitle the terminal, `ESC[31m` recolour it, a newline forge an extra
result line, U+202E reverse what follows, and a lone surrogate (a non-UTF-8 file name)
crash the print. `show` renders each such character as a visible escape (`\\x1b`, `\\n`,
`\\u202e`), so the line reads as what it is. `--json` needs none of this: JSON escapes
control characters itself.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u202a-\u202e\u2066-\u2069\u2028\u2029"
                     "\ud800-\udfff]")
"""C0 (newline and tab too: inside a field they forge lines and columns), DEL, C1 (8-bit
CSI), the bidi embeddings, overrides and isolates, the line separators, lone surrogates."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def show(value: object) -> str:
    """One field as it may be printed: control and bidi characters as visible escapes."""
    text = str(value)
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text

