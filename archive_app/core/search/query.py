"""The query language of DESIGN.md parsed into a small engine-independent tree.

Grammar (AND binds tighter than OR; juxtaposition means AND)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    unary   := ("NOT" | "-") unary | "+"? primary
    and_expr:= near (["AND"] near)*
    near    := unary (("NEAR" | "NEAR/" N) unary)*
    primary := "(" or_expr ")" | FIELD ":" value | value
    value   := "(" or_expr ")" | '"phrase"' | '"proximity"~N' | "[" a "TO" b "]"
             | word | prefix* | fuzzy~N | /regex/

Proximity: `"camp attack"~5` is the words in this order with at most 5 other words
between them in all (`~0` is the words side by side); `ashraf NEAR/10 maliki` is the two
words in either order with at most 10 words between them (`NEAR` alone: 10). Inside
either, a word means its word forms, and prefix*, fuzzy~ and /regex/ words work. A
/regex/ is matched against whole indexed words (lower case, accents folded).

Parsing is ours rather than Whoosh's because Whoosh's parser accepts anything (`title:(`
silently becomes a search for nothing) and users deserve to be told what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import re2

from archive_app.core.errors import QueryError
from archive_app.core.text.analysis import words

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
    "entity": "entity",
    "email": "email",
    "phone": "phone",
    "link": "link",
    "iban": "iban",
    "mentioned": "mentioned",
}
"""Field names a user may type, mapped to the index field they search."""

MAX_QUERY_LENGTH = 4000
MAX_DEPTH = 50
MAX_DISTANCE = 200
"""The widest proximity a query may ask for (`~N`, `NEAR/N`)."""
DEFAULT_NEAR = 10
"""The distance of a bare `NEAR`."""
MAX_NEAR_WORDS = 10
"""Words a proximity phrase or a NEAR chain may hold."""
MAX_REGEX_LENGTH = 200
REGEX_OPTIONS = re2.Options()
REGEX_OPTIONS.log_errors = False
REGEX_OPTIONS.case_sensitive = False
REGEX_OPTIONS.never_nl = True
REGEX_OPTIONS.max_mem = 64 << 20
"""RE2: linear time whatever the pattern, case-insensitive (the index is lower case),
never across a line (the lexicon walk joins words with newlines), 64 MB of automaton."""
_NEAR = re.compile(r"NEAR(?:/(\d+))?")
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


@dataclass(frozen=True)
class Regex:
    """A regular expression (RE2 syntax, linear time) that whole indexed words match."""

    pattern: str
    field: str | None = None


@dataclass(frozen=True)
class Near:
    """Words close together: `items` are single-word parts (Word, Prefix, Wildcard, Fuzzy,
    Regex) with at most `distance` other words between the first and the last, in the
    items' order when `ordered` (a proximity phrase), in any order otherwise (NEAR)."""

    items: tuple[Node, ...]
    distance: int
    ordered: bool
    field: str | None = None


Node = Word | Phrase | Prefix | Wildcard | Fuzzy | Regex | Near | DateRange | And | Or | Not
NEAR_PARTS = (Word, Prefix, Wildcard, Fuzzy, Regex)
"""The query parts a proximity search can hold: each stands for one word."""

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
            slop = re.compile(r"~(\d*)").match(text, end + 1)
            if slop is None:
                tokens.append(_Token("phrase", text[position + 1 : end], position))
                position = end + 1
                continue
            if not slop.group(1):
                raise QueryError("A proximity search needs its distance: write "
                                 '"camp attack"~5.', end + 1)
            tokens.append(_Token("proximity", f"{slop.group(1)}\x00{text[position + 1:end]}",
                                 position))
            position = slop.end()
            continue
        if text[position] == "/" and (position == 0 or text[position - 1] in " \t(:"):
            end = _regex_end(text, position)
            if end is not None:
                tokens.append(_Token("regex", text[position + 1 : end], position))
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


def _regex_end(text: str, start: int) -> int | None:
    """Where a /regex/ token that starts at `start` closes: the next unescaped '/' that is
    followed by the end, a space or ')'. None when there is none (then '/usr/bin' and
    'and/or' are plain words)."""
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "/":
            after = text[position + 1 : position + 2]
            return position if after in ("", " ", "\t", ")") and position > start + 1 else None
        position += 1
    return None


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
        items = [self.near(field)]
        while True:
            token = self.peek()
            if token is None or token.kind == "rparen" or self.is_operator(token, "OR"):
                break
            if self.is_operator(token, "AND"):
                self.take()
                if self.peek() is None or self.peek().kind == "rparen":
                    raise QueryError("'AND' needs something after it.", token.position)
            items.append(self.near(field))
        if all(isinstance(item, Not) for item in items):
            raise QueryError("A query cannot only exclude words: add a word to look for.",
                             self.tokens[0].position)
        return items[0] if len(items) == 1 else And(tuple(items))

    def near_operator(self, token: _Token | None) -> int | None:
        """The distance of a NEAR / NEAR/N token (None for any other token)."""
        if token is None or token.kind != "word":
            return None
        match = _NEAR.fullmatch(token.text)
        if match is None:
            return None
        distance = int(match.group(1)) if match.group(1) else DEFAULT_NEAR
        if distance > MAX_DISTANCE:
            raise QueryError(f"NEAR/{distance} is too wide: the most is NEAR/{MAX_DISTANCE}.",
                             token.position)
        return distance

    def near(self, field: str | None) -> Node:
        first = self.peek()
        items = [self.unary(field)]
        distances = []
        while (distance := self.near_operator(self.peek())) is not None:
            operator = self.take()
            following = self.peek()
            if following is None or following.kind == "rparen":
                raise QueryError(f"'{operator.text}' needs a word after it.", operator.position)
            distances.append(distance)
            items.append(self.unary(field))
        if len(items) == 1:
            return items[0]
        if len(set(distances)) > 1:
            raise QueryError("A chain of NEARs uses one distance: write a NEAR/5 b NEAR/5 c.",
                             first.position)
        return _near(tuple(items), distances[0], False, first.position)

    def unary(self, field: str | None) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("The query ends too early.", len(self.text))
        if self.is_operator(token, "NOT"):
            self.take()
            if self.peek() is None:
                raise QueryError("'NOT' needs a word after it.", token.position)
            return Not(self.unary(field))
        if token.kind == "word" and (token.text in ("OR", "AND")
                                     or self.near_operator(token) is not None):
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
        if token.kind == "regex":
            return regex_value(token.text, field, token.position)
        if token.kind == "proximity":
            return self.proximity_value(token, field)
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
        if text.startswith("/") and text.endswith("/") and len(text) > 2:
            return regex_value(text[1:-1], field, token.position)
        if text.endswith("*") and "*" not in text[:-1] and "?" not in text:
            return Prefix(text[:-1], field)
        if "*" in text or "?" in text:
            if len(text.lstrip("*?")) < len(text):
                raise QueryError(f"'{text}' starts with a wildcard: put letters before it.",
                                 token.position)
            return Wildcard(text, field)
        return Word(text, field)

    def proximity_value(self, token: _Token, field: str | None) -> Node:
        """`"camp attack"~5`: each piece between spaces is a word part (a word of several
        index words, "al-Maliki", stands for those words in order)."""
        distance_text, inside = token.text.split("\x00", 1)
        distance = int(distance_text)
        if distance > MAX_DISTANCE:
            raise QueryError(f"~{distance} is too wide: the most is ~{MAX_DISTANCE}.",
                             token.position)
        if field == "date":
            raise QueryError("Proximity works on words, not dates.", token.position)
        items: list[Node] = []
        for piece in inside.split():
            part = self.word_value(_Token("word", piece, token.position), None)
            if isinstance(part, Word):
                items.extend(Word(word) for word in words(piece))
            else:
                items.append(part)
        if not items:
            raise QueryError("Empty quotation marks: put words between them.", token.position)
        if len(items) == 1:
            return _with_field(items[0], field)
        return _near(tuple(items), distance, True, token.position, field)

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


def _with_field(node: Node, field: str | None) -> Node:
    return type(node)(**{**node.__dict__, "field": field}) if field else node


def _near(items: tuple[Node, ...], distance: int, ordered: bool, position: int,
          field: str | None = None) -> Near:
    """A Near of single-word parts, all of one field."""
    for item in items:
        if not isinstance(item, NEAR_PARTS):
            raise QueryError("NEAR joins single words (word, prefix*, fuzzy~ or /regex/); "
                             'for words in order write "camp attack"~5.', position)
        if isinstance(item, Word) and len(words(item.text)) != 1:
            raise QueryError(f"NEAR joins single words: '{item.text}' is several; "
                             f'write "{item.text}" with ~N for words in order.', position)
    fields = {field} if field else {item.field for item in items}
    if len(fields) > 1:
        raise QueryError("The words of a NEAR search must be in one field: write "
                         "title:(a NEAR b).", position)
    common = fields.pop()
    if common in ("date", "tags", "lang", "format", "ocr"):
        raise QueryError(f"Proximity works on text: {common}: has no word positions.",
                         position)
    if len(items) > MAX_NEAR_WORDS:
        raise QueryError(f"A proximity search holds at most {MAX_NEAR_WORDS} words.",
                         position)
    bare = tuple(type(item)(**{**item.__dict__, "field": None}) for item in items)
    return Near(bare, distance, ordered, common)


def regex_value(pattern: str, field: str | None, position: int) -> Regex:
    """A /regex/ part, checked now so a mistake is told before anything is searched."""
    if field == "date":
        raise QueryError("Dates take a year or a range, not a /regex/.", position)
    if not pattern.strip():
        raise QueryError("An empty /regex/: put a pattern between the slashes.", position)
    if len(pattern) > MAX_REGEX_LENGTH:
        raise QueryError(f"A /regex/ is at most {MAX_REGEX_LENGTH} characters.", position)
    try:
        re2.compile(pattern, REGEX_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = str(reason).split(":")[0] or "not understood"
        raise QueryError(f"/{pattern}/ is not a regular expression this search understands: "
                         f"{reason}.", position) from None
    return Regex(pattern, field)


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
