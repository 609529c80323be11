"""The query language of DESIGN.md parsed into a small engine-independent tree.

Grammar (AND binds tighter than OR; juxtaposition means AND)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | "+"? primary
    primary := "(" or_expr ")" | FIELD ":" value | value
    value   := "(" or_expr ")" | '"phrase"' | "[" a "TO" b "]" | word | prefix* | fuzzy~N

Parsing is ours rather than Whoosh's because Whoosh's parser accepts anything (`title:(`
silently becomes a search for nothing) and users deserve to be told what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archive_app.core.errors import QueryError

FIELDS = {
    "title": "title",
    "author": "author",
    "source": "source",
    "tag": "tags",
    "tags": "tags",
    "note": "notes",
    "notes": "notes",
    "lang": "lang",
    "format": "format",
    "date": "date",
    "year": "date",
    "body": "body",
    "text": "body",
    "from": "mail_from",
    "to": "mail_to",
    "cc": "mail_cc",
    "ocr": "ocr",
}
"""Field names a user may type, mapped to the index field they search."""

MAX_QUERY_LENGTH = 4000
MAX_DEPTH = 50
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Wildcard:
    pattern: str
    field: str | None = None


@dataclass(frozen=True)
class Fuzzy:
    text: str
    distance: int = 1
    field: str | None = None


@dataclass(frozen=True)
class DateRange:
    """Dates as ISO prefixes; `end` is inclusive of everything it prefixes (2014 = all 2014)."""

    start: str | None
    end: str | None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Word | Phrase | Prefix | Wildcard | Fuzzy | DateRange | And | Or | Not

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<quote>")
      | (?P<lbracket>[\[{])
      | (?P<field>[A-Za-z_]+):(?=\S)(?!//)
      | (?P<badfield>[A-Za-z_]+):(?=\s|$)
      | (?P<word>[^\s()"\[\]{}]+)
    """,
    re.VERBOSE,
)


@dataclass
class _Token:
    kind: str
    text: str
    position: int


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position] == '"':
            end = text.find('"', position + 1)
            if end < 0:
                raise QueryError("A quotation mark is not closed: add the closing \".", position)
            tokens.append(_Token("phrase", text[position + 1 : end], position))
            position = end + 1
            continue
        if text[position] in "[{":
            closer = "]" if text[position] == "[" else "}"
            end = text.find(closer, position + 1)
            if end < 0:
                raise QueryError(f"A range is not closed: add '{closer}'.", position)
            tokens.append(_Token("range", text[position + 1 : end], position))
            position = end + 1
            continue
        if text[position] in "]}":
            raise QueryError(f"'{text[position]}' closes a range that was never opened.", position)
        match = _TOKEN.match(text, position)
        assert match is not None  # every character matches one alternative
        kind = match.lastgroup or "word"
        if kind == "badfield":
            raise QueryError(f"'{match.group()}' needs something to search for after the colon.",
                             position)
        if kind != "space":
            value = match.group(kind) if kind == "field" else match.group()
            tokens.append(_Token(kind, value, position))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _lex(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_operator(self, token: _Token | None, name: str) -> bool:
        return token is not None and token.kind == "word" and token.text == name

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("The query is empty: type a word to search for.", 0)
        node = self.or_expr(field=None)
        token = self.peek()
        if token is not None:
            if token.kind == "rparen":
                raise QueryError("')' closes a bracket that was never opened.", token.position)
            raise QueryError(f"Unexpected '{token.text}'.", token.position)
        return node

    def or_expr(self, field: str | None) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"The query nests brackets more than {MAX_DEPTH} deep.", 0)
        items = [self.and_expr(field)]
        while self.is_operator(self.peek(), "OR"):
            operator = self.take()
            if self.peek() is None or self.peek().kind == "rparen":
                raise QueryError("'OR' needs something after it.", operator.position)
            items.append(self.and_expr(field))
        self.depth -= 1
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self, field: str | None) -> Node:
        items = [self.unary(field)]
        while True:
            token = self.peek()
            if token is None or token.kind == "rparen" or self.is_operator(token, "OR"):
                break
            if self.is_operator(token, "AND"):
                self.take()
                if self.peek() is None or self.peek().kind == "rparen":
                    raise QueryError("'AND' needs something after it.", token.position)
            items.append(self.unary(field))
        if all(isinstance(item, Not) for item in items):
            raise QueryError("A query cannot only exclude words: add a word to look for.",
                             self.tokens[0].position)
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self, field: str | None) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("The query ends too early.", len(self.text))
        if self.is_operator(token, "NOT"):
            self.take()
            if self.peek() is None:
                raise QueryError("'NOT' needs a word after it.", token.position)
            return Not(self.unary(field))
        if token.kind == "word" and token.text in ("OR", "AND"):
            raise QueryError(f"'{token.text}' needs a word before it.", token.position)
        if token.kind == "word" and token.text[0] in "-+" and len(token.text) > 1:
            self.take()
            rest = _Token("word", token.text[1:], token.position + 1)
            self.tokens.insert(self.index, rest)
            return Not(self.unary(field)) if token.text[0] == "-" else self.unary(field)
        return self.primary(field)

    def primary(self, field: str | None) -> Node:
        token = self.take()
        if token.kind == "lparen":
            if self.peek() is None:
                raise QueryError("A bracket '(' is not closed: add ')'.", token.position)
            if self.peek().kind == "rparen":
                raise QueryError("Empty brackets: put words inside them.", token.position)
            node = self.or_expr(field)
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError("A bracket '(' is not closed: add ')'.", token.position)
            self.take()
            return node
        if token.kind == "rparen":
            raise QueryError("')' closes a bracket that was never opened.", token.position)
        if token.kind == "field":
            return self.field_value(token)
        return self.value(token, field)

    def field_value(self, token: _Token) -> Node:
        name = token.text.lower()
        if name not in FIELDS:
            known = ", ".join(sorted({f"{k}:" for k in FIELDS if k not in ("tags", "notes")}))
            raise QueryError(f"Unknown field '{token.text}:'. Known fields: {known}",
                             token.position)
        if self.peek() is None:
            raise QueryError(f"'{token.text}:' needs something to search for.", token.position)
        return self.primary(FIELDS[name])

    def value(self, token: _Token, field: str | None) -> Node:
        if token.kind == "range":
            return self.range_value(token, field)
        if token.kind == "phrase":
            if not token.text.strip():
                raise QueryError("Empty quotation marks: put words between them.",
                                 token.position)
            if field == "date":
                return self.date_value(token.text.strip(), token.position)
            return Phrase(token.text, field)
        if field == "date":
            return self.date_value(token.text, token.position)
        return self.word_value(token, field)

    def word_value(self, token: _Token, field: str | None) -> Node:
        text = token.text
        fuzzy = re.fullmatch(r"(.+?)~([12]?)", text)
        if fuzzy:
            return Fuzzy(fuzzy.group(1), int(fuzzy.group(2) or 1), field)
        if text.strip("*?") == "":
            raise QueryError(f"'{text}' alone would match everything: put letters before it.",
                             token.position)
        if text.endswith("*") and "*" not in text[:-1] and "?" not in text:
            return Prefix(text[:-1], field)
        if "*" in text or "?" in text:
            if len(text.lstrip("*?")) < len(text):
                raise QueryError(f"'{text}' starts with a wildcard: put letters before it.",
                                 token.position)
            return Wildcard(text, field)
        return Word(text, field)

    def date_value(self, text: str, position: int) -> Node:
        if not _DATE.match(text):
            raise QueryError(f"'{text}' is not a date: write 2013, 2013-09 or 2013-09-01.",
                             position)
        return DateRange(text, text)

    def range_value(self, token: _Token, field: str | None) -> Node:
        if field != "date":
            raise QueryError("Ranges [a TO b] work on dates: write date:[2013 TO 2014].",
                             token.position)
        parts = re.split(r"\s+TO\s+|\s+to\s+", f" {token.text} ")
        if len(parts) != 2:
            raise QueryError("A date range looks like date:[2013-01-01 TO 2014-12-31].",
                             token.position)
        bounds: list[str | None] = []
        for part in parts:
            part = part.strip()
            if part in ("", "*"):
                bounds.append(None)
            elif _DATE.match(part):
                bounds.append(part)
            else:
                raise QueryError(f"'{part}' is not a date: write 2013, 2013-09 or 2013-09-01.",
                                 token.position)
        start, end = bounds
        if start and end and start > end and not end.startswith(start):
            raise QueryError(f"The range starts ({start}) after it ends ({end}).",
                             token.position)
        return DateRange(start, end)


def parse_query(text: str) -> Node:
    """Parse a user's query; raises `QueryError` with a message a person can act on."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is too long ({len(text)} characters; "
                         f"the limit is {MAX_QUERY_LENGTH}).", MAX_QUERY_LENGTH)
    # control characters become spaces; format characters (ZWNJ, direction marks) stay,
    # because they sit inside Persian and Arabic words and folding removes them there
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in text)
    return _Parser(text).parse()
