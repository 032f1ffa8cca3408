"""A notifier's custom conditions: whether one notification is sent (reference 4.4).

A notifier stores, as Tautulli, a list of conditions and an optional logic expression::

    custom_conditions = [
        {"parameter": "user", "operator": "is", "value": ["Alice", "Bob"], "type": "str"},
        {"parameter": "media_type", "operator": "is not", "value": ["track"], "type": "str"},
        {"parameter": "progress_percent", "operator": "is greater than", "value": ["90"], "type": "int"},
    ]
    custom_conditions_logic = "{1} and ({2} or {3})"   # blank: all of them

:func:`evaluate` answers for one notification's parameters; :func:`validate` checks what a form
or the API is about to store. The logic is parsed by a small recursive-descent parser of
Tautulli's grammar (``{n}``, ``and``, ``or``, parentheses; ``and`` binds tighter), never
``eval``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)


class ConditionError(ValueError):
    """Conditions or a logic expression that cannot be used; the message says which and why."""


STR_OPERATORS = (
    "contains",
    "does not contain",
    "is",
    "is not",
    "begins with",
    "does not begin with",
    "ends with",
    "does not end with",
)
NUMBER_OPERATORS = ("is", "is not", "is greater than", "is less than")
# The operators each parameter type offers (Tautulli's CUSTOM_CONDITION_TYPE_OPERATORS).
OPERATORS: dict[str, tuple[str, ...]] = {
    "str": STR_OPERATORS,
    "int": NUMBER_OPERATORS,
    "float": NUMBER_OPERATORS,
}


# --- The logic expression ----------------------------------------------------------------

# A parsed expression: a condition number, or ("and" | "or", [operands]).
Logic = int | tuple[str, list["Logic"]]

_TOKEN = re.compile(r"\s*(?:(?P<cond>\{\d+\})|(?P<word>[a-z]+)|(?P<punct>\S))")


def parse_logic(logic: str, count: int) -> Logic | None:
    """The parsed ``logic`` over conditions ``{1}``..``{count}``, or None when blank.

    Grammar (Tautulli's ``parse_condition_logic_string``; case-insensitive)::

        expression := term ("or" term)*
        term       := atom ("and" atom)*
        atom       := "{" number "}" | "(" expression ")"

    Raises :class:`ConditionError` with the position of the problem: an unknown word (``not``
    included: Tautulli has none; use a negative operator), a condition number outside
    1..count, a missing operand or bracket.
    """
    tokens = _tokenize(logic)
    if not tokens:
        return None
    parser = _Parser(tokens, count)
    tree = parser.expression()
    if parser.peek() is not None:
        raise parser.error("expected 'and', 'or' or the end")
    return tree


def _tokenize(logic: str) -> list[tuple[str, int]]:
    """``[(token, position), ...]``: ``{n}``, ``and``, ``or``, ``(`` and ``)``."""
    tokens = []
    text = logic.lower()
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing spaces are left
            break
        token = match.group(match.lastgroup)
        start = match.start(match.lastgroup)
        if match["word"] == "not":
            raise ConditionError(
                f"'not' at character {start + 1}: the logic has only 'and', 'or' and brackets; "
                "use a negative operator (is not, does not contain...) in the condition instead"
            )
        if match["word"] not in (None, "and", "or") or (match["punct"] and token not in "()"):
            raise ConditionError(
                f"unexpected '{logic[start : start + len(token)]}' at character {start + 1} "
                "of the condition logic; use {1}, {2}... with 'and', 'or' and brackets"
            )
        tokens.append((token, start))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, int]], count: int):
        self.tokens = tokens
        self.index = 0
        self.count = count

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def error(self, expected: str) -> ConditionError:
        if self.index < len(self.tokens):
            token, position = self.tokens[self.index]
            where = f"'{token}' at character {position + 1}"
        else:
            where = "the end"
        return ConditionError(f"condition logic: {expected}, found {where}")

    def expression(self) -> Logic:
        return self._chain("or", self.term)

    def term(self) -> Logic:
        return self._chain("and", self.atom)

    def _chain(self, operator: str, operand) -> Logic:
        operands = [operand()]
        while self.peek() == operator:
            self.index += 1
            operands.append(operand())
        return operands[0] if len(operands) == 1 else (operator, operands)

    def atom(self) -> Logic:
        token = self.peek()
        if token == "(":
            self.index += 1
            tree = self.expression()
            if self.peek() != ")":
                raise self.error("expected ')'")
            self.index += 1
            return tree
        if token is not None and token.startswith("{"):
            number = int(token[1:-1])
            if not 1 <= number <= self.count:
                raise ConditionError(
                    f"condition logic: there is no condition {token}; "
                    + (
                        f"conditions are {{1}} to {{{self.count}}}"
                        if self.count
                        else "no condition is set"
                    )
                )
            self.index += 1
            return number
        raise self.error("expected a condition like {1} or '('")


def _evaluate_logic(tree: Logic, results: Sequence[bool]) -> bool:
    if isinstance(tree, int):
        return results[tree - 1]
    operator, operands = tree
    values = (_evaluate_logic(operand, results) for operand in operands)
    return all(values) if operator == "and" else any(values)


# --- One condition -----------------------------------------------------------------------


def _cast_int(value: Any) -> int:
    """Tautulli's ``cast_to_int``: ``int(value)``, or 0 when that fails."""
    try:
        return int(value)
    except (ValueError, TypeError):
        return 0


def _cast_float(value: Any) -> float:
    """Tautulli's ``cast_to_float``: ``float(value)``, or 0 when that fails."""
    try:
        return float(value)
    except (ValueError, TypeError):
        return 0


def _cast_str(value: Any) -> str:
    return "" if value is None else str(value).strip().lower()


_CASTS = {"int": _cast_int, "float": _cast_float, "str": _cast_str}


def _compare(operator: str, actual: Any, values: list) -> bool:
    """One operator over the condition's values (OR-ed; negative operators: none matches)."""
    match operator:
        case "contains":
            return any(value in actual for value in values)
        case "does not contain":
            return all(value not in actual for value in values)
        case "is":
            return any(actual == value for value in values)
        case "is not":
            return all(actual != value for value in values)
        case "begins with":
            return actual.startswith(tuple(values))
        case "does not begin with":
            return not actual.startswith(tuple(values))
        case "ends with":
            return actual.endswith(tuple(values))
        case "does not end with":
            return not actual.endswith(tuple(values))
        case "is greater than":
            return any(actual > value for value in values)
        case "is less than":
            return any(actual < value for value in values)
    raise ConditionError(f"unknown operator '{operator}'")


def _is_blank(condition: Mapping[str, Any]) -> bool:
    return not (condition.get("parameter") and condition.get("operator") and condition.get("value"))


def _evaluate_one(
    number: int,
    condition: Mapping[str, Any],
    parameters: Mapping[str, Any],
    parameter_types: Mapping[str, str],
) -> bool | None:
    """True/False for one non-blank condition; None when it cannot be evaluated at all (an
    unknown type: Tautulli then refuses the whole notification)."""
    parameter = condition["parameter"]
    operator = condition["operator"]
    values = condition["value"]
    if not isinstance(values, list):
        values = [values]
    kind = condition.get("type") or parameter_types.get(parameter)
    cast = _CASTS.get(kind)
    if cast is None:
        logger.error("Condition {%s}: unknown type %r for parameter '%s'", number, kind, parameter)
        return None
    if kind == "str":
        values = ["" if value == "~" else cast(value) for value in values]
    else:
        values = [cast(value) for value in values]
    actual = cast(parameters.get(parameter, ""))
    try:
        result = _compare(operator, actual, values)
    except (ConditionError, TypeError, AttributeError) as exc:
        # An operator that does not fit the type ("contains" on a number): not met.
        logger.warning(
            "Condition {%s}: '%s %s' cannot be evaluated: %s", number, parameter, operator, exc
        )
        return False
    logger.debug(
        "Condition {%s}: %s %s %r (value %r) -> %s",
        number,
        parameter,
        operator,
        values,
        actual,
        result,
    )
    return result


def evaluate(
    conditions: Sequence[Mapping[str, Any]],
    logic: str | None,
    parameters: Mapping[str, Any],
    *,
    parameter_types: Mapping[str, str] | None = None,
) -> bool:
    """Whether a notification with ``parameters`` (name → value) passes a notifier's custom
    conditions. Tautulli's rules (``notify_custom_conditions``), reference 4.4:

    * each condition is ``{"parameter", "operator", "value": [..], "type": "str"|"int"|"float"}``;
      ``type`` missing falls back to ``parameter_types`` (the builder's ``PARAMETER_TYPES``);
    * a blank condition (no parameter, operator or value) is met;
    * values are OR-ed: ``is`` any equal, ``contains`` any contained, ``is greater than`` greater
      than any; negative operators (``is not``, ``does not contain``, ``does not begin/end
      with``) need every value to miss;
    * ``str``: parameter and values lower-cased and trimmed, a value ``~`` is the empty string;
      ``int``/``float``: both cast, a value that is not a number counting as 0 (Tautulli);
      a missing parameter is ``""`` (0 for numbers);
    * ``logic`` blank: all conditions; otherwise only the conditions it names count;
    * a condition whose type is unknown makes the whole answer False (logged); an operator that
      does not fit the type is not met (logged).

    Raises :class:`ConditionError` for a logic expression that does not parse (Tautulli then
    sends nothing: the caller should log the message and skip the notifier).
    """
    parameter_types = parameter_types or {}
    has_logic = bool(logic and logic.strip())
    if not has_logic and all(_is_blank(condition) for condition in conditions):
        return True
    tree = parse_logic(logic, len(conditions)) if has_logic else None
    results = []
    for number, condition in enumerate(conditions, start=1):
        result = (
            True
            if _is_blank(condition)
            else _evaluate_one(number, condition, parameters, parameter_types)
        )
        if result is None:
            return False
        results.append(result)
    return all(results) if tree is None else _evaluate_logic(tree, results)


# --- Validation for forms and the API ----------------------------------------------------


def validate(
    conditions: Any,
    logic: str | None,
    parameter_types: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The conditions in their stored form, checked; raises :class:`ConditionError` naming the
    first problem (``"condition {2}: ..."``).

    ``conditions`` is what a form or ``set_notifier_config`` received (a list of dicts);
    ``parameter_types`` maps each notification parameter to ``"str"``, ``"int"`` or
    ``"float"``. Each condition comes back as ``{"parameter", "operator", "value": [..],
    "type"}`` with parameter and operator lower-cased, the value a list and the type taken
    from ``parameter_types`` (Tautulli's ``validate_conditions``); a blank parameter gives a
    blank condition (type None). Checked, beyond Tautulli: the values of ``int``/``float``
    parameters are numbers, and ``logic`` parses over these conditions (:func:`parse_logic`).
    """
    if not isinstance(conditions, list):
        raise ConditionError("the conditions must be a list")
    validated = []
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, Mapping):
            raise ConditionError(
                f"condition {{{number}}}: must be an object with parameter, operator, value"
            )
        validated.append(_validate_one(number, condition, parameter_types))
    if logic and logic.strip():
        parse_logic(logic, len(validated))
    return validated


def _validate_one(
    number: int, condition: Mapping[str, Any], parameter_types: Mapping[str, str]
) -> dict[str, Any]:
    where = f"condition {{{number}}}"
    parameter = str(condition.get("parameter") or "").strip().lower()
    operator = str(condition.get("operator") or "").strip().lower()
    values = condition.get("value")
    if values is None or values == "":
        values = []
    elif not isinstance(values, list):
        values = [values]
    kind = None
    if parameter:
        kind = parameter_types.get(parameter)
        if kind not in OPERATORS:
            raise ConditionError(f"{where}: there is no parameter '{parameter}'")
        if operator and operator not in OPERATORS[kind]:
            raise ConditionError(
                f"{where}: '{operator}' does not apply to {parameter} ({kind}); "
                f"use one of: {', '.join(OPERATORS[kind])}"
            )
    elif operator and operator not in STR_OPERATORS + NUMBER_OPERATORS:
        raise ConditionError(f"{where}: there is no operator '{operator}'")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConditionError(f"{where}: the value {value!r} must be a text or a number")
        if kind in ("int", "float") and not _is_number(value, kind):
            what = "a whole number" if kind == "int" else "a number"
            raise ConditionError(f"{where}: '{value}' is not {what} ({parameter} is {kind})")
    return {"parameter": parameter, "operator": operator, "value": values, "type": kind}


def _is_number(value: str | int | float, kind: str) -> bool:
    try:
        (int if kind == "int" else float)(str(value).strip() if isinstance(value, str) else value)
    except ValueError:
        return False
    return not (kind == "int" and isinstance(value, float) and not value.is_integer())
