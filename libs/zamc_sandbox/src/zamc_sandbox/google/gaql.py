"""A GAQL subset: SELECT … FROM … WHERE … (=, !=, <, >, IN, NOT IN, LIKE, BETWEEN, DURING) ORDER BY … LIMIT."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>!=|>=|<=|=|<|>|\(|\)|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "LIMIT", "ASC", "DESC", "IN", "NOT", "LIKE"}
KEYWORDS |= {"BETWEEN", "DURING", "IS", "NULL", "CONTAINS", "ANY", "ALL", "NONE", "PARAMETERS", "OR"}


class GaqlError(ValueError):
    """`reason` is a QueryErrorEnum name."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: str  # "=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN", "LIKE", "NOT LIKE", "BETWEEN", "DURING"
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Ordering:
    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    fields: tuple[str, ...]
    resource: str
    conditions: tuple[Condition, ...] = ()
    orderings: tuple[Ordering, ...] = ()
    limit: int | None = None
    selected: frozenset[str] = field(default=frozenset())


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise GaqlError(
                "UNEXPECTED_INPUT", f"Unexpected input at {position}: {text[position : position + 20]!r}"
            )
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.upper() in KEYWORDS:
            kind, value = "keyword", value.upper()
        out.append((kind, value))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.peek()
        if got_kind != kind or (value is not None and got != value):
            raise GaqlError("UNEXPECTED_INPUT", f"Expected {value or kind}, got {got or 'end of query'!r}")
        self.i += 1
        return got

    def accept(self, kind: str, value: str | None = None) -> bool:
        got_kind, got = self.peek()
        if got_kind == kind and (value is None or got == value):
            self.i += 1
            return True
        return False

    def literal(self) -> object:
        kind, value = self.peek()
        self.i += 1
        if kind == "string":
            return value[1:-1].replace("\\'", "'").replace('\\"', '"')
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "word":
            return value  # enum value or date literal name
        raise GaqlError("UNEXPECTED_INPUT", f"Expected a value, got {value!r}")

    def parse(self) -> Query:
        self.take("keyword", "SELECT")
        fields = [self.take("word")]
        while self.accept("op", ","):
            fields.append(self.take("word"))
        self.take("keyword", "FROM")
        resource = self.take("word")
        conditions: list[Condition] = []
        if self.accept("keyword", "WHERE"):
            conditions.append(self.condition())
            while self.accept("keyword", "AND"):
                conditions.append(self.condition())
            if self.peek() == ("keyword", "OR"):
                raise GaqlError("UNEXPECTED_INPUT", "OR is not supported in GAQL")
        orderings: list[Ordering] = []
        if self.accept("keyword", "ORDER"):
            self.take("keyword", "BY")
            while True:
                name = self.take("word")
                descending = self.accept("keyword", "DESC")
                if not descending:
                    self.accept("keyword", "ASC")
                orderings.append(Ordering(name, descending))
                if not self.accept("op", ","):
                    break
        limit = None
        if self.accept("keyword", "LIMIT"):
            limit = int(self.take("number"))
        if self.accept("keyword", "PARAMETERS"):
            self.i = len(self.tokens)
        if self.peek()[0] != "end":
            raise GaqlError("UNEXPECTED_INPUT", f"Unexpected {self.peek()[1]!r}")
        return Query(tuple(fields), resource, tuple(conditions), tuple(orderings), limit, frozenset(fields))

    def condition(self) -> Condition:
        name = self.take("word")
        kind, value = self.peek()
        self.i += 1
        if kind == "op" and value in ("=", "!=", "<", "<=", ">", ">="):
            return Condition(name, value, (self.literal(),))
        if (kind, value) == ("keyword", "NOT"):
            word = self.take("keyword")
            if word == "IN":
                return Condition(name, "NOT IN", self.value_list())
            if word == "LIKE":
                return Condition(name, "NOT LIKE", (self.literal(),))
            raise GaqlError("UNEXPECTED_INPUT", f"NOT {word} is not supported")
        if (kind, value) == ("keyword", "IN"):
            return Condition(name, "IN", self.value_list())
        if (kind, value) == ("keyword", "LIKE"):
            return Condition(name, "LIKE", (self.literal(),))
        if (kind, value) == ("keyword", "BETWEEN"):
            low = self.literal()
            self.take("keyword", "AND")
            return Condition(name, "BETWEEN", (low, self.literal()))
        if (kind, value) == ("keyword", "DURING"):
            return Condition(name, "DURING", (self.take("word").upper(),))
        if (kind, value) == ("keyword", "IS"):
            negated = self.accept("keyword", "NOT")
            self.take("keyword", "NULL")
            return Condition(name, "IS NOT NULL" if negated else "IS NULL", ())
        raise GaqlError("UNEXPECTED_INPUT", f"Unsupported operator {value!r}")

    def value_list(self) -> tuple[object, ...]:
        self.take("op", "(")
        values = [self.literal()]
        while self.accept("op", ","):
            values.append(self.literal())
        self.take("op", ")")
        return tuple(values)


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise GaqlError("UNEXPECTED_END_OF_QUERY", "The query is empty.")
    return _Parser(text).parse()
