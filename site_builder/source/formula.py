"""[2] A derived metric's formula (DESIGN.md §3): a small grammar of our own, read into an immutable tree.

    formula := sum
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := number | metric-id | "(" sum ")" | function "(" sum "," whole-number ")"
    function:= rolling_mean | rolling_sum

A hyphen between letters or digits is part of a metric id (``tele-visits`` is one metric);
subtraction is written with spaces (``a - b``). Nothing here is ever evaluated as Python:
the text is cut into tokens by hand and every token is one of the few above, so anything
else (``__import__('os')``, ``a.b``, ``a ** 2``) is one error saying what to write instead.
compute/derived.py evaluates the tree; formula_rules.py reports the errors at their line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Union

from site_builder.problems import excerpt
from site_builder.source.values import OUT_OF_RANGE, finite_in_range

MAX_CHARS = 2000  # a formula longer than this is refused before it is read
MAX_DEPTH = 64  # of the tree (and of the reader's own nesting): recursion can never overflow
MAX_WINDOW = 100_000  # the largest N of rolling_mean(X, N) / rolling_sum(X, N)
FUNCTIONS = ("rolling_mean", "rolling_sum")
OPERATORS = "+-*/"

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}", re.ASCII)  # DESIGN.md §3, as in the metric file names
# A word: letters, digits and '_', with single hyphens between them (part of the word).
_WORD = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_SPACE = " \t\r\n"


class FormulaError(ValueError):
    """A formula that cannot be read: ``message`` in plain words, ``position`` its 0-based character."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Ref:
    """A metric the formula is computed from."""

    metric_id: str
    position: int = field(default=0, compare=False)  # where it is written, 0-based


@dataclass(frozen=True)
class Negate:
    operand: "Expr"


@dataclass(frozen=True)
class Binary:
    op: str  # one of OPERATORS
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Rolling:
    function: str  # one of FUNCTIONS
    argument: "Expr"
    n: int  # >= 1


Expr = Union[Number, Ref, Negate, Binary, Rolling]


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Binary):
        return node.left, node.right
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Rolling):
        return (node.argument,)
    return ()


def references(ast: Expr) -> set[str]:
    """The metric ids a formula names."""
    return set(names(ast))


def names(ast: Expr) -> list[str]:
    """The metric ids a formula names, in the order they are written, each once."""
    found: dict[str, None] = {}
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            found.setdefault(node.metric_id)
        stack.extend(reversed(children(node)))
    return list(found)


# --- tokens ---------------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # number | id | function | op | ( | ) | , | end
    text: str
    position: int


def _quote(text: str) -> str:
    return f"'{excerpt(text)}'"


def tokens(text: str) -> list[Token]:
    """The formula cut into tokens, ending with an ``end`` token; FormulaError at the first wrong character."""
    if len(text) > MAX_CHARS:
        raise FormulaError(f"the formula is too long ({len(text):,} characters); keep it to {MAX_CHARS:,} at most",
                           MAX_CHARS)
    out: list[Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        if ch in "(),":
            out.append(Token(ch, ch, i))
            i += 1
            continue
        if ch in OPERATORS:
            if ch == "*" and text.startswith("**", i):
                raise FormulaError("'**' is not allowed: a formula has no powers; multiply instead (a * a)", i)
            out.append(Token("op", ch, i))
            i += 1
            continue
        word = _WORD.match(text, i)
        if word is None:
            if ch == ".":
                raise FormulaError("a '.' can only be the decimal point of a number (write 0.5, not .5)", i)
            raise FormulaError(f"the character {_quote(ch)} cannot be used in a formula: use numbers, metric ids, "
                               "+ - * /, parentheses, rolling_mean and rolling_sum", i)
        end = word.end()
        name = word.group()
        if _DIGITS.fullmatch(name) and end < size and text[end] == ".":
            decimals = _DIGITS.match(text, end + 1)
            if decimals is None:
                raise FormulaError(f"the number {_quote(name + '.')} needs digits after its decimal point", end)
            name, end = text[i:decimals.end()], decimals.end()
        if end < size and text[end] == ".":
            if _is_number(name):
                raise FormulaError(f"the number {_quote(text[i:end + 1])} has a second decimal point", end)
            raise FormulaError(f"{_quote(text[i:end + 1])}: a '.' cannot follow a name; a formula names whole "
                               "metrics by their id", end)
        if _is_number(name):
            value = float(name)
            reason = finite_in_range(value) if value != float("inf") else OUT_OF_RANGE
            if reason is not None:
                raise FormulaError(f"the number {_quote(name)} {reason}", i)
            out.append(Token("number", name, i))
        elif _call_follows(text, end) and (text[end:end + 1] == "(" or name in FUNCTIONS):
            if name not in FUNCTIONS:
                raise FormulaError(f"{_quote(name)} is not a function a formula can use: the functions are "
                                   "rolling_mean(X, N) and rolling_sum(X, N)", i)
            out.append(Token("function", name, i))
        elif name in FUNCTIONS:
            raise FormulaError(f"{name} needs parentheses: {name}(X, N)", i)
        elif ID_RE.fullmatch(name):
            out.append(Token("id", name, i))
        else:
            raise FormulaError(f"{_quote(name)} is not a metric id: ids are lowercase letters, digits and '-', "
                               "at most 64 characters", i)
        i = end
    out.append(Token("end", "", size))
    return out


def _is_number(word: str) -> bool:
    whole, dot, decimals = word.partition(".")
    return bool(_DIGITS.fullmatch(whole)) and (not dot or bool(_DIGITS.fullmatch(decimals)))


def _call_follows(text: str, end: int) -> bool:
    while end < len(text) and text[end] in _SPACE:
        end += 1
    return text[end:end + 1] == "("


# --- the reader -----------------------------------------------------------------------------


def _describe(token: Token) -> str:
    return "the end of the formula" if token.kind == "end" else _quote(token.text)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokens(text)
        self.at = 0
        self.nesting = 0
        self.depth: dict[int, int] = {}  # id(node) -> depth of the tree under it

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def node(self, node: Expr, position: int) -> Expr:
        depth = 1 + max((self.depth.get(id(c), 1) for c in children(node)), default=0)
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula is too long or too deeply nested (more than {MAX_DEPTH} steps); "
                               "split it into derived metrics of their own", position)
        self.depth[id(node)] = depth
        return node

    def enter(self, position: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise FormulaError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels); "
                               "split it into derived metrics of their own", position)

    def formula(self) -> Expr:
        if self.token.kind == "end":
            raise FormulaError("the formula is empty: write what the metric is computed from, "
                               "e.g. 100 * visits / patients", 0)
        tree = self.sum()
        token = self.token
        if token.kind == ")":
            raise FormulaError("a ')' closes a parenthesis that was never opened", token.position)
        if token.kind == ",":
            raise FormulaError("a ',' can only separate the two parts of rolling_mean(X, N) or rolling_sum(X, N)",
                               token.position)
        if token.kind != "end":
            raise FormulaError(f"an operator (+ - * /) is missing before {_describe(token)}", token.position)
        return tree

    def sum(self) -> Expr:
        left = self.product()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.take()
            left = self.node(Binary(op.text, left, self.product()), op.position)
        return left

    def product(self) -> Expr:
        left = self.unary()
        while self.token.kind == "op" and self.token.text in "*/":
            op = self.take()
            left = self.node(Binary(op.text, left, self.unary()), op.position)
        return left

    def unary(self) -> Expr:
        token = self.token
        if token.kind == "op" and token.text == "-":
            self.take()
            self.enter(token.position)
            operand = self.unary()
            self.nesting -= 1
            return self.node(Negate(operand), token.position)
        return self.primary()

    def primary(self) -> Expr:
        token = self.take()
        if token.kind == "number":
            return Number(float(token.text))
        if token.kind == "id":
            return Ref(token.text, token.position)
        if token.kind == "(":
            self.enter(token.position)
            inner = self.sum()
            self.expect(")", token, "a '(' is never closed: add a ')'")
            self.nesting -= 1
            return inner
        if token.kind == "function":
            return self.rolling(token)
        if token.kind == "end":
            last = self.tokens[self.at - 2] if self.at >= 2 else token
            if last.kind == "op":
                raise FormulaError(f"the formula ends with '{last.text}': a value must follow it", last.position)
            raise FormulaError("the formula ends where a value was expected", token.position)
        if token.kind == "op":
            if token.text == "+":
                raise FormulaError("a '+' needs a value on each side", token.position)
            raise FormulaError(f"'{token.text}' needs a value on each side; two operators are in a row",
                               token.position)
        if token.kind == ")":
            raise FormulaError("a value is missing before ')'", token.position)
        raise FormulaError(f"a value is missing before {_describe(token)}", token.position)

    def rolling(self, function: Token) -> Expr:
        usage = f"{function.text}(X, N)"
        self.expect("(", function, f"{function.text} needs parentheses: {usage}")
        self.enter(function.position)
        argument = self.sum()
        self.expect(",", function, f"{function.text} needs two parts, {usage}: what to average or add up, "
                                   "a comma, and how many observations")
        window = self.take()
        if window.kind == "op" and window.text == "-" and self.token.kind == "number":
            window = Token("number", "-" + self.take().text, window.position)
        if window.kind != "number" or not _DIGITS.fullmatch(window.text) or int(window.text) < 1:
            shown = "nothing" if window.kind in ("end", ")") else _describe(window)
            raise FormulaError(f"N in {usage} is how many observations: a whole number of 1 or more, "
                               f"not {shown}", window.position)
        n = int(window.text)
        if n > MAX_WINDOW:
            raise FormulaError(f"N in {usage} is at most {MAX_WINDOW:,} observations", window.position)
        self.expect(")", function, f"{function.text}(…) is not closed after N: add a ')'")
        self.nesting -= 1
        return self.node(Rolling(function.text, argument, n), function.position)

    def expect(self, kind: str, opener: Token, message: str) -> None:
        token = self.token
        if token.kind != kind:
            raise FormulaError(message, token.position if token.kind != "end" else opener.position)
        self.take()


def parse(text: str) -> Expr:
    """The formula's tree; FormulaError (with the character) when it cannot be read."""
    return _Parser(text).formula()


# --- for the metric page --------------------------------------------------------------------


def parts(formula_text: str) -> list[tuple[str, str | None]]:
    """The formula as written, in pieces: (text, the metric id it links to, or None).

    Joined, the texts are exactly ``formula_text``. Never raises: a formula that cannot be
    read is one piece without a link (the validate stage has reported it).
    """
    try:
        found = [t for t in tokens(formula_text) if t.kind == "id"]
    except FormulaError:
        found = []
    out: list[tuple[str, str | None]] = []
    at = 0
    for token in found:
        if token.position > at:
            out.append((formula_text[at:token.position], None))
        out.append((token.text, token.text))
        at = token.position + len(token.text)
    if at < len(formula_text) or not out:
        out.append((formula_text[at:], None))
    return out
