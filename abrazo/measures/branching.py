"""REDCap branching logic and calculations: a small tokenizer, a recursive-descent parser and an evaluator.

REDCap stores "show this field only if ..." as text such as ``[age] >= 3 and ([lang] = 'es' or [cb(2)] = '1')``.
Abrazo keeps that text verbatim (so a dictionary round-trips), and parses it here so that a survey can
show and hide fields the way REDCap would. Python's ``eval`` is never used: the grammar is small and
closed, and anything outside it raises :class:`UnsupportedLogic` (the dictionary reader turns that into a
warning, because the field can still be imported with its logic stored as text).

Grammar (lowest precedence first)::

    expr       := and_expr ( OR and_expr )*
    and_expr   := comparison ( AND comparison )*
    comparison := additive ( ( = | == | <> | != | < | > | <= | >= ) additive )?
    additive   := term ( ( + | - ) term )*
    term       := power ( ( * | / ) power )*
    power      := unary ( ^ power )?
    unary      := - unary | + unary | primary
    primary    := NUMBER | STRING | reference | FUNCTION ( args ) | ( expr )
    reference  := [event]?[field] | [field(code)] ; a trailing [N] instance number is accepted

Semantics follow REDCap: a missing answer is the empty string; two values that both look like numbers are
compared as numbers, anything else as text; an ordering comparison (< > <= >=) with a blank side is false
(REDCap compares a blank number as NaN); arithmetic with a blank or non-numeric side is blank; a checkbox
reference ``[field(code)]`` is "1" when the code is ticked and "0" when it is not.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

Answer = str | set[str] | frozenset[str]
Answers = Mapping[str, Answer]
Value = str | float | bool


class BranchingError(ValueError):
    """The logic text is not valid REDCap logic; `position` is the 0-based offset where reading failed."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


class UnsupportedLogic(BranchingError):
    """Valid-looking REDCap logic that Abrazo does not evaluate (an unknown function, say)."""


# --- syntax tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Ref:
    field: str
    code: str | None = None  # checkbox option: [field(code)]
    event: str | None = None  # [event][field]; evaluated against the same record
    instance: str | None = None  # [field][2]; repeat instances are not distinguished either


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # one of + - * / ^ = <> < > <= >=
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Number | Text | Ref | Negate | Binary | Logical | Call


# --- tokens -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # NUM STR REF NAME OP LPAREN RPAREN COMMA END
    text: str
    position: int
    ref: Ref | None = None


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
# Inside brackets: a field, optionally with a checkbox code or a smart-variable suffix such as :value.
_REF_BODY = re.compile(r"\s*([A-Za-z0-9_][A-Za-z0-9_\-]*)\s*(?:\(\s*([^()]*?)\s*\))?\s*(?::[A-Za-z\-]+)?\s*")
_OPERATORS = ("<=", ">=", "<>", "!=", "==", "=", "<", ">", "+", "-", "*", "/", "^")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char == "[":
            index = _read_reference(text, index, tokens)
            continue
        if char in "\"'":
            end = text.find(char, index + 1)
            if end < 0:
                raise BranchingError("A quoted value is not closed", index)
            tokens.append(Token("STR", text[index + 1 : end], index))
            index = end + 1
            continue
        number = _NUMBER.match(text, index)
        if number:
            tokens.append(Token("NUM", number.group(), index))
            index = number.end()
            continue
        name = _NAME.match(text, index)
        if name:
            tokens.append(Token("NAME", name.group(), index))
            index = name.end()
            continue
        if char in "(),":
            tokens.append(Token({"(": "LPAREN", ")": "RPAREN", ",": "COMMA"}[char], char, index))
            index += 1
            continue
        for operator in _OPERATORS:
            if text.startswith(operator, index):
                tokens.append(Token("OP", operator, index))
                index += len(operator)
                break
        else:
            raise BranchingError(f"Unexpected character {char!r}", index)
    tokens.append(Token("END", "", length))
    return tokens


def _read_reference(text: str, start: int, tokens: list[Token]) -> int:
    """Read one reference made of adjacent bracket groups: [field], [event][field], [field][instance]."""
    groups: list[str] = []
    index = start
    while index < len(text) and text[index] == "[":
        match = _BRACKET.match(text, index)
        if not match:
            raise BranchingError("A [field] reference is not closed", index)
        groups.append(match.group(1))
        index = match.end()
    instance = None
    if len(groups) > 1 and groups[-1].strip().isdigit():
        instance = groups.pop().strip()
    if len(groups) > 2:
        raise BranchingError("Too many [..] groups in one reference", start)
    parsed = _REF_BODY.fullmatch(groups[-1])
    if not parsed:
        raise BranchingError(f"[{groups[-1]}] is not a field name", start)
    event = None
    if len(groups) == 2:
        event = groups[0].strip()
        if not _REF_BODY.fullmatch(event):
            raise BranchingError(f"[{event}] is not an event name", start)
    ref = Ref(field=parsed.group(1), code=parsed.group(2), event=event, instance=instance)
    tokens.append(Token("REF", text[start:index], start, ref))
    return index


# --- parser -----------------------------------------------------------------------------------------

_COMPARISONS = {"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}

# name -> (minimum, maximum) number of arguments; None means any number.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "if": (3, 3),
    "datediff": (3, 5),
    "sum": (1, None),
    "mean": (1, None),
    "min": (1, None),
    "max": (1, None),
    "round": (1, 2),
    "roundup": (1, 2),
    "rounddown": (1, 2),
    "abs": (1, 1),
    "sqrt": (1, 1),
    "isnumber": (1, 1),
    "contains": (2, 2),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_word(self, word: str) -> bool:
        return self.current.kind == "NAME" and self.current.text.casefold() == word

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            found = self.current.text or "the end"
            raise BranchingError(f"Expected {what} but found {found!r}", self.current.position)
        return self.advance()

    def parse(self) -> Node:
        node = self.expression()
        if self.current.kind != "END":
            raise BranchingError(f"Unexpected {self.current.text!r}", self.current.position)
        return node

    def expression(self) -> Node:
        operands = [self.conjunction()]
        while self.is_word("or"):
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Logical("or", tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.comparison()]
        while self.is_word("and"):
            self.advance()
            operands.append(self.comparison())
        return operands[0] if len(operands) == 1 else Logical("and", tuple(operands))

    def comparison(self) -> Node:
        left = self.additive()
        if self.current.kind == "OP" and self.current.text in _COMPARISONS:
            op = _COMPARISONS[self.advance().text]
            return Binary(op, left, self.additive())
        return left

    def additive(self) -> Node:
        node = self.term()
        while self.current.kind == "OP" and self.current.text in "+-":
            op = self.advance().text
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.power()
        while self.current.kind == "OP" and self.current.text in "*/":
            op = self.advance().text
            node = Binary(op, node, self.power())
        return node

    def power(self) -> Node:
        base = self.unary()
        if self.current.kind == "OP" and self.current.text == "^":
            self.advance()
            return Binary("^", base, self.power())
        return base

    def unary(self) -> Node:
        if self.current.kind == "OP" and self.current.text == "-":
            self.advance()
            return Negate(self.unary())
        if self.current.kind == "OP" and self.current.text == "+":
            self.advance()
            return self.unary()
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "NUM":
            self.advance()
            return Number(float(token.text))
        if token.kind == "STR":
            self.advance()
            return Text(token.text)
        if token.kind == "REF":
            self.advance()
            assert token.ref is not None
            return token.ref
        if token.kind == "LPAREN":
            self.advance()
            node = self.expression()
            self.expect("RPAREN", "')'")
            return node
        if token.kind == "NAME":
            return self.call()
        raise BranchingError(f"Expected a value but found {token.text or 'the end'!r}", token.position)

    def call(self) -> Node:
        token = self.advance()
        name = token.text.casefold()
        if name in ("and", "or"):
            raise BranchingError(f"{token.text!r} needs a condition before it", token.position)
        if self.current.kind != "LPAREN":
            if name in ("true", "false"):  # datediff(..., true) asks for a signed difference
                return Number(1.0 if name == "true" else 0.0)
            raise BranchingError(f"Unknown word {token.text!r}", token.position)
        if name not in FUNCTIONS:
            raise UnsupportedLogic(f"The function {token.text}() is not supported", token.position)
        self.advance()
        args: list[Node] = []
        if self.current.kind != "RPAREN":
            args.append(self.expression())
            while self.current.kind == "COMMA":
                self.advance()
                args.append(self.expression())
        self.expect("RPAREN", "')'")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise BranchingError(f"{token.text}() was given {len(args)} arguments", token.position)
        return Call(name, tuple(args))


def parse(text: str) -> Node:
    """Parse REDCap logic; raises BranchingError (or its subclass UnsupportedLogic)."""
    if not text.strip():
        raise BranchingError("The logic is empty", 0)
    return _Parser(text).parse()


def references(node: Node) -> Iterator[Ref]:
    """Every [field] the logic reads, in order of appearance."""
    if isinstance(node, Ref):
        yield node
    elif isinstance(node, Negate):
        yield from references(node.operand)
    elif isinstance(node, Binary):
        yield from references(node.left)
        yield from references(node.right)
    elif isinstance(node, Logical | Call):
        for child in node.operands if isinstance(node, Logical) else node.args:
            yield from references(child)


# --- evaluation -------------------------------------------------------------------------------------

_NUMERIC = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*")


def as_number(value: Value) -> float | None:
    """The number a value stands for, or None when it does not look like one (blank included)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if _NUMERIC.fullmatch(value):
        return float(value)
    return None


def as_text(value: Value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


def truthy(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    number = as_number(value)
    if number is not None:
        return number != 0
    return as_text(value) != ""


def compare(op: str, left: Value, right: Value) -> bool:
    """REDCap comparison: numbers when both sides look numeric, text otherwise; blank never orders."""
    left_number, right_number = as_number(left), as_number(right)
    if left_number is not None and right_number is not None:
        a: float | str = left_number
        b: float | str = right_number
    else:
        a, b = as_text(left), as_text(right)
        if op not in ("=", "<>") and (a == "" or b == ""):
            return False
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]  # both sides have the same type here
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    a, b = as_number(left), as_number(right)
    if a is None or b is None:
        return ""
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return "" if b == 0 else a / b
        result = a**b
        return "" if isinstance(result, complex) else float(result)
    except (OverflowError, ZeroDivisionError):
        return ""


def lookup(ref: Ref, answers: Answers) -> str:
    """The answer a reference reads. Checkbox answers are sets of ticked codes (or flat field___code)."""
    if ref.field == "event-name":  # REDCap's smart variable for the current event
        event = answers.get("event-name", answers.get("redcap_event_name", ""))
        return event if isinstance(event, str) else ""
    value = answers.get(ref.field)
    if ref.code is not None:
        if isinstance(value, set | frozenset):
            return "1" if ref.code in value else "0"
        flat = answers.get(f"{ref.field}___{ref.code.casefold()}", answers.get(f"{ref.field}___{ref.code}"))
        return "1" if isinstance(flat, str) and flat.strip() == "1" else "0"
    if value is None:
        return ""
    if isinstance(value, set | frozenset):
        return ",".join(sorted(value))
    return value


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_UNIT_SECONDS = {"y": 365.2425 * 86400, "M": 30.44 * 86400, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def _as_datetime(value: Value, today: datetime) -> datetime | None:
    text = as_text(value).strip()
    if text.casefold() in ("today", "now"):
        return today
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _round(value: float, places: int, how: Callable[[float], float]) -> float:
    factor = 10.0**places
    return how(value * factor) / factor


def _call(node: Call, answers: Answers, today: datetime) -> Value:
    name = node.name
    if name == "if":
        chosen = node.args[1] if truthy(evaluate_value(node.args[0], answers, today)) else node.args[2]
        return evaluate_value(chosen, answers, today)
    values = [evaluate_value(arg, answers, today) for arg in node.args]
    if name == "datediff":
        start, end = _as_datetime(values[0], today), _as_datetime(values[1], today)
        unit = as_text(values[2]).strip()
        if start is None or end is None or unit not in _UNIT_SECONDS:
            return ""
        signed = len(values) == 5 and truthy(values[4])
        difference = (end - start).total_seconds() / _UNIT_SECONDS[unit]
        return difference if signed else abs(difference)
    if name == "contains":
        return as_text(values[1]).casefold() in as_text(values[0]).casefold()
    if name == "isnumber":
        return as_number(values[0]) is not None
    if name in ("sum", "mean", "min", "max"):
        numbers = [number for number in map(as_number, values) if number is not None]
        if not numbers:
            return ""
        if name == "sum":
            return math.fsum(numbers)
        if name == "mean":
            return math.fsum(numbers) / len(numbers)
        return min(numbers) if name == "min" else max(numbers)
    number = as_number(values[0])
    if number is None:
        return ""
    if name == "abs":
        return abs(number)
    if name == "sqrt":
        return "" if number < 0 else math.sqrt(number)
    places_value = as_number(values[1]) if len(values) > 1 else 0.0
    places = int(places_value or 0)
    if name == "round":
        # REDCap rounds halves away from zero (JavaScript-style), not to even as Python's round() does.
        return _round(number, places, lambda x: math.copysign(math.floor(abs(x) + 0.5), x))
    if name == "roundup":
        return _round(number, places, lambda x: math.copysign(math.ceil(abs(x)), x))
    return _round(number, places, lambda x: math.copysign(math.floor(abs(x)), x))


def evaluate_value(node: Node, answers: Answers, today: datetime | None = None) -> Value:
    """The value of an expression (a calculation's result, or a condition's truth)."""
    now = today or datetime.now()
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Text):
        return node.value
    if isinstance(node, Ref):
        return lookup(node, answers)
    if isinstance(node, Negate):
        number = as_number(evaluate_value(node.operand, answers, now))
        return "" if number is None else -number
    if isinstance(node, Logical):
        if node.op == "and":
            return all(truthy(evaluate_value(child, answers, now)) for child in node.operands)
        return any(truthy(evaluate_value(child, answers, now)) for child in node.operands)
    if isinstance(node, Binary):
        left, right = evaluate_value(node.left, answers, now), evaluate_value(node.right, answers, now)
        if node.op in ("=", "<>", "<", ">", "<=", ">="):
            return compare(node.op, left, right)
        return _arithmetic(node.op, left, right)
    return _call(node, answers, now)


def evaluate(expression: str | Node, answers: Answers, *, today: datetime | None = None) -> bool:
    """Whether REDCap would show the field: the logic's truth for one record's answers.

    Empty logic means "always show". Text is parsed first (BranchingError when it is not valid logic).
    """
    if isinstance(expression, str):
        if not expression.strip():
            return True
        expression = parse(expression)
    return truthy(evaluate_value(expression, answers, today))


def unparse(node: Node) -> str:
    """Logic text for a tree (fully parenthesised where precedence could be in doubt)."""
    if isinstance(node, Number):
        return as_text(node.value)
    if isinstance(node, Text):
        quote = "'" if "'" not in node.value else '"'
        return f"{quote}{node.value}{quote}"
    if isinstance(node, Ref):
        text = f"[{node.field}]" if node.code is None else f"[{node.field}({node.code})]"
        if node.event:
            text = f"[{node.event}]{text}"
        return text + (f"[{node.instance}]" if node.instance else "")
    if isinstance(node, Negate):
        return f"-({unparse(node.operand)})"
    if isinstance(node, Binary):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if isinstance(node, Logical):
        return "(" + f" {node.op} ".join(unparse(child) for child in node.operands) + ")"
    return f"{node.name}(" + ", ".join(unparse(arg) for arg in node.args) + ")"


# --- a plain-data form for browsers ---------------------------------------------------------------

# A tree as nested lists, so that a page can carry it as JSON and the browser's evaluator
# (measures/static/measures/branching.js) need not parse REDCap logic itself:
#   ["num", 3.0] ["str", "es"] ["ref", "field"] ["ref", "field", "code"] ["neg", tree]
#   [op, left, right] for op in + - * / ^ = <> < > <= >=
#   ["and", tree, tree, ...] ["or", tree, tree, ...] ["call", name, tree, ...]
# Events and repeat instances are left out: the evaluator reads every reference from the same record.
JsonTree = list[object]


def to_json(node: Node) -> JsonTree:
    """The tree as JSON-serialisable lists (see above). An infinite number (``1e999``) is kept as the text
    "Infinity" or "-Infinity", which JSON cannot hold as a number but JavaScript's Number() reads."""
    if isinstance(node, Number):
        value: object = node.value if math.isfinite(node.value) else ("Infinity" if node.value > 0 else "-Infinity")
        return ["num", value]
    if isinstance(node, Text):
        return ["str", node.value]
    if isinstance(node, Ref):
        return ["ref", node.field] if node.code is None else ["ref", node.field, node.code]
    if isinstance(node, Negate):
        return ["neg", to_json(node.operand)]
    if isinstance(node, Binary):
        return [node.op, to_json(node.left), to_json(node.right)]
    if isinstance(node, Logical):
        return [node.op, *(to_json(child) for child in node.operands)]
    return ["call", node.name, *(to_json(arg) for arg in node.args)]


def logic_json(text: str) -> str:
    """Logic text as a compact JSON tree for a page, or "" when the field always shows: blank logic, and logic
    that cannot be read (the server shows such a field too, so the browser must not hide it)."""
    if not text.strip():
        return ""
    try:
        node = parse(text)
    except (BranchingError, RecursionError):
        return ""
    return json.dumps(to_json(node), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


__all__: Sequence[str] = (
    "BranchingError",
    "Node",
    "Ref",
    "UnsupportedLogic",
    "evaluate",
    "evaluate_value",
    "logic_json",
    "parse",
    "references",
    "to_json",
    "tokenize",
    "unparse",
)
