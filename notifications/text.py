"""Notification texts: Tautulli's template language, media-type blocks and HTML per agent.

A notifier's subject and body are templates over the notification parameters (reference 4.5)::

    {user} ({player}) started playing {title}{ (<year>)}.
    {title!u}  {actors:[:2]}  {started_datestamp:YYYY-MM-DD}  {`int(duration) // 60`}
    <movie>Movie: {title}</movie><episode>Episode: {show_name} S{season_num00}E{episode_num00}</episode>

:func:`render` is the one entry point of the pipeline: media-type blocks, HTML policy, then
:func:`format_text` (or :func:`format_json` for JSON agents, :func:`format_script_args` for
scripts), falling back to the action's default text when a template is malformed, as Tautulli
(``build_notify_text`` in ``plexpy/notification_handler.py``).

The formatter is our own parser of Tautulli's syntax (Python ``str.format`` fields plus
Tautulli's additions), with these deliberate differences, all on templates Tautulli itself
rejects or prints badly:

* attribute and index access (``{title.upper}``, ``{user[0]}``) is refused (Tautulli either
  fails or prints an object; it also opens Python's format-string attribute walk);
* ``{0}`` and ``{}`` are unknown parameters, printed literally (Tautulli fails on them);
* a parameter whose value is ``None`` prints as empty (Tautulli prints ``None``);
* ``{actors:[-1]}`` is the last item (Tautulli prints nothing);
* a lone back-tick in a field is an ordinary character;
* a back-tick expression is evaluated by simpleeval, never ``eval``; any error in it prints
  the expression, as Tautulli does for its usual errors;
* the ``strip`` HTML policy returns plain text (``&`` stays ``&``; Tautulli sends ``&amp;``).
"""

from __future__ import annotations

import html
import json
import logging
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import arrow
import bleach
from django.conf import settings
from simpleeval import InvalidExpression, SimpleEval

from .defaults import default_texts

logger = logging.getLogger(__name__)


class TextFormatError(ValueError):
    """A notification template that cannot be formatted; the message says where and why."""


class DateValue:
    """A date parameter (``datestamp``, ``started_timestamp``, ``air_date``...): an
    :class:`arrow.Arrow` printed with Arrow tokens.

    ``{started_datestamp:YYYY-MM-DD}`` formats with the given tokens; ``{started_datestamp}``
    and ``str()`` with ``default_format`` (the settings' NOTIFY_DATE_FORMAT / _TIME_FORMAT,
    chosen by the parameter builder), or Arrow's ISO form without one. Tautulli's
    ``CustomArrow``, reference 4.5.
    """

    def __init__(self, value: arrow.Arrow, default_format: str | None = None):
        self.value = value
        self.default_format = default_format

    def __format__(self, spec: str) -> str:
        if spec:
            return self.value.format(spec)
        if self.default_format:
            return self.value.format(self.default_format)
        return str(self.value)

    def format(self, spec: str = "") -> str:
        """The date printed with the Arrow tokens ``spec`` (the default format when empty)."""
        return self.__format__(spec)

    def __str__(self) -> str:
        return self.__format__("")

    def __repr__(self) -> str:
        return f"DateValue({self.value!r}, {self.default_format!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DateValue):
            return (self.value, self.default_format) == (other.value, other.default_format)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.value, self.default_format))


# --- Back-tick expressions ---------------------------------------------------------------


def _forgiving(cast, fallback=0):
    """A cast that answers ``fallback`` instead of raising, as Tautulli's helpers."""

    def call(*args):
        try:
            return cast(*args)
        except (ValueError, TypeError):
            return fallback

    return call


# The functions an expression may call: Tautulli's list (``str_eval``), with its forgiving
# casts (``int("abc")`` is 0, ``len(5)`` is 0).
EVAL_FUNCTIONS = {
    "bool": bool,
    "divmod": _forgiving(divmod),
    "float": _forgiving(float),
    "int": _forgiving(int),
    "len": _forgiving(len),
    "round": _forgiving(round),
    "str": str,
}


def _evaluate(expression: str, parameters: Mapping[str, Any]) -> Any:
    """The value of a back-tick expression (back-ticks stripped) over the parameters, through
    simpleeval's sandbox. Any error is logged and the field's text is the result (Tautulli's
    rule for its usual errors)."""
    evaluator = SimpleEval(names=dict(parameters), functions=EVAL_FUNCTIONS)
    try:
        return evaluator.eval(expression)
    except (
        InvalidExpression,
        SyntaxError,
        ArithmeticError,
        LookupError,
        ValueError,
        TypeError,
    ) as exc:
        logger.error("Failed to evaluate notification text `%s`: %s", expression, exc)
        return f"`{expression}`"


# --- The formatter -----------------------------------------------------------------------

# A list slice spec ``[start:end]`` or an index ``[n]`` (matched at the start of the spec).
_SLICE = re.compile(r"\[(?P<start>-?\d*)(?P<colon>:?)(?P<end>-?\d*)\]")
# Back-tick expressions inside a field.
_EXPRESSION = re.compile(r"`[^`]*`")
# Python's limit on nested fields in a format spec (``{a:{b:{c}}}`` is the deepest).
_MAX_DEPTH = 2


@dataclass
class _Context:
    parameters: Mapping[str, Any]
    allow_eval: bool


def format_text(
    template: str, parameters: Mapping[str, Any], *, allow_eval: bool | None = None
) -> str:
    """``template`` with its ``{...}`` fields replaced from ``parameters`` (name → value).

    Tautulli's rules (reference 4.5):

    * ``{name}``: the value; an unknown name stays as written, ``{name}``;
    * conversions ``!u`` upper, ``!l`` lower, ``!c`` title case, ``!s`` str, ``!r`` repr
      (another letter is ignored), then a Python format spec (``{progress_percent:03d}``) or
      Arrow tokens for dates (:class:`DateValue`); a spec that does not apply is ignored;
    * ``{actors:[:2]}`` / ``{genres:[0]}``: a slice of a comma-separated value (or a list),
      joined with ``", "``;
    * ``{prefix<name>suffix}``: prefix and suffix printed around the value only when it is not
      empty; ``\\n`` (backslash, n) in them is a newline; an empty value prints nothing at all;
    * ``{`expression`}``: evaluated when ``allow_eval`` (default: the NOTIFY_TEXT_EVAL
      setting) with the parameters as names and ``bool, divmod, float, int, len, round, str``
      as functions; left as written otherwise;
    * ``{{`` and ``}}`` are literal braces.

    Raises :class:`TextFormatError` for a malformed template: an unclosed or lone brace, a bad
    conversion, attribute/index access, fields nested too deep.
    """
    if allow_eval is None:
        allow_eval = settings.NOTIFY_TEXT_EVAL
    return _format(template, _Context(parameters, allow_eval), _MAX_DEPTH)


def _format(template: str, context: _Context, depth: int) -> str:
    if depth < 0:
        raise TextFormatError("fields are nested too deeply in a format spec")
    out = []
    for literal, fieldtext in _split_fields(template):
        out.append(literal)
        if fieldtext is not None:
            out.append(_format_field(fieldtext, context, depth))
    return "".join(out)


def _split_fields(template: str) -> list[tuple[str, str | None]]:
    """``[(literal text, field text or None), ...]``: the template cut at its ``{...}`` fields
    (outer braces removed). Braces inside a field nest; back-tick expressions are opaque."""
    pieces: list[tuple[str, str | None]] = []
    literal: list[str] = []
    i, n = 0, len(template)
    while i < n:
        char = template[i]
        if char in "{}" and template.startswith(char * 2, i):
            literal.append(char)
            i += 2
        elif char == "}":
            raise TextFormatError(f"a lone '}}' at character {i + 1}; write '}}}}' for a brace")
        elif char == "{":
            end = _field_end(template, i)
            pieces.append(("".join(literal), template[i + 1 : end]))
            literal = []
            i = end + 1
        else:
            literal.append(char)
            i += 1
    pieces.append(("".join(literal), None))
    return pieces


def _field_end(template: str, start: int) -> int:
    """Index of the ``}`` closing the field opened at ``start``."""
    depth, i = 0, start
    while i < len(template):
        char = template[i]
        if char == "`":
            close = template.find("`", i + 1)
            if close >= 0:  # a lone back-tick is an ordinary character
                i = close
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise TextFormatError(f"the '{{' at character {start + 1} is never closed")


def _format_field(fieldtext: str, context: _Context, depth: int) -> str:
    """One field's output: prefix + formatted value + suffix, or '' for an empty value."""
    expressions = _EXPRESSION.findall(fieldtext)
    masked = _EXPRESSION.sub("\0", fieldtext)  # so ``<``, ``!``, ``:`` in expressions count not

    def unmask(text: str) -> str:
        return re.sub("\0", lambda _m: expressions.pop(0), text)

    # Tautulli splits the whole field once on "<" and once on ">", each only when it occurs once.
    prefix = suffix = ""
    parts = masked.split("<")
    if len(parts) == 2:
        prefix, masked = parts
    parts = masked.split(">")
    if len(parts) == 2:
        masked, suffix = parts
    prefix = unmask(prefix).replace("\\n", "\n")
    name, conversion, spec = _parse_field(masked)
    name, spec = unmask(name), unmask(spec)
    suffix = unmask(suffix).replace("\\n", "\n")

    if "{" in spec:
        spec = _format(spec, context, depth - 1)
    value = _lookup(name, context)
    value = _convert(value, conversion)
    formatted = _apply_spec(value, spec)
    return f"{prefix}{formatted}{suffix}" if formatted else ""


def _parse_field(text: str) -> tuple[str, str | None, str]:
    """``name!c:spec`` → ``(name, conversion or None, spec)``, Python's field syntax."""
    cut = min((i for i in (text.find("!"), text.find(":")) if i >= 0), default=len(text))
    name, rest = text[:cut], text[cut:]
    conversion = None
    if rest.startswith("!"):
        if len(rest) < 2:
            raise TextFormatError(f"'{{{text}}}': a conversion letter must follow '!'")
        conversion, rest = rest[1], rest[2:]
        if rest and not rest.startswith(":"):
            raise TextFormatError(
                f"'{{{text}}}': expected ':' or '}}' after the conversion !{conversion}"
            )
    return name, conversion, rest[1:]


def _lookup(name: str, context: _Context) -> Any:
    if name.startswith("`") and name.endswith("`") and len(name) > 1:
        if context.allow_eval:
            return _evaluate(name[1:-1], context.parameters)
        return f"{{{name}}}"
    if "." in name or "[" in name:
        raise TextFormatError(f"'{{{name}}}': attribute and index access are not supported")
    if name not in context.parameters:
        return f"{{{name}}}"
    value = context.parameters[name]
    return "" if value is None else value


def _convert(value: Any, conversion: str | None) -> Any:
    if conversion is None:
        return value
    if isinstance(value, list | tuple):
        value = ", ".join(str(item) for item in value)
    match conversion:
        case "s":
            return str(value)
        case "r":
            return repr(value)
        case "u":
            return str(value).upper()
        case "l":
            return str(value).lower()
        case "c":
            return str(value).title()
    return value  # Tautulli ignores an unknown conversion letter


def _apply_spec(value: Any, spec: str) -> str:
    if spec.startswith("[") and spec.endswith("]"):
        match = _SLICE.match(spec)
        if value and match:
            value = _slice(value, match)
    else:
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        try:
            value = format(value, spec)
        except ValueError:
            pass  # a spec that does not fit the value is ignored (Tautulli)
        except TypeError as exc:
            raise TextFormatError(f"format spec ':{spec}': {exc}") from exc
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _slice(value: Any, match: re.Match) -> str:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    items = [str(item).strip() for item in items]
    start = int(match["start"]) if match["start"] else None
    end = int(match["end"]) if match["end"] else None
    if not match["colon"]:
        if start is None:
            raise TextFormatError("an empty list index '[]'; write [n] or [start:end]")
        end = start + 1 if start != -1 else None
    return ", ".join(items[start:end])


# --- Media-type blocks, HTML, JSON, script arguments -------------------------------------

MEDIA_TYPE_TAGS = ("movie", "show", "season", "episode", "artist", "album", "track")


def media_type_blocks(text: str, media_type: str | None) -> str:
    """``text`` with the ``<movie>…</movie>``, ``<show>``, ``<season>``, ``<episode>``,
    ``<artist>``, ``<album>``, ``<track>`` blocks resolved: the block of ``media_type`` loses
    its tags and keeps its content, every other block is removed with its content. For any
    other media type (clip, photo, a server action's none) all blocks are removed. Tags are
    case-insensitive and blocks may span lines. Tautulli rule (``build_notify_text``),
    reference 4.5."""
    alternatives = []
    for tag in MEDIA_TYPE_TAGS:
        if tag == media_type:
            alternatives.append(f"<{tag}>|</{tag}>")
        else:
            alternatives.append(f"<{tag}>.*?</{tag}>")
    return re.sub("|".join(alternatives), "", text, flags=re.IGNORECASE | re.DOTALL)


# HTML policies, by agent (Tautulli's ``strip_tag``, reference 4.5).
HTML_KEEP = "keep"  # e-mail, Slack, Discord, webhook: HTML left as written
HTML_STRIP = "strip"  # every other agent: plain text
HTML_PUSHOVER = "pushover"  # Pushover's subset
HTML_TELEGRAM = "telegram"  # Telegram's subset (core.telegram.org/bots/api#html-style)

_ALLOWED_HTML: dict[str, dict[str, list[str]]] = {
    HTML_STRIP: {},
    HTML_PUSHOVER: {"b": [], "i": [], "u": [], "a": ["href"], "font": ["color"]},
    HTML_TELEGRAM: {
        **dict.fromkeys(
            ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre"), []
        ),
        "span": ["class"],
        "a": ["href"],
        "tg-emoji": ["emoji-id"],
        "code": ["class"],
        "blockquote": ["expandable"],
    },
}
HTML_POLICIES = (HTML_KEEP, *_ALLOWED_HTML)

# ``{...}`` fields: their ``<``/``>`` (prefix/suffix markers) are not HTML.
_FIELD_TEXT = re.compile(r"{.+?}")
_LT, _GT = "%temp_lt_token%", "%temp_gt_token%"  # bleach drops NUL characters


def clean_html(text: str, policy: str) -> str:
    """``text`` (a template, before formatting) with the HTML that ``policy`` does not allow
    removed, tags stripped and their content kept (bleach).

    Policies: :data:`HTML_KEEP` (unchanged), :data:`HTML_STRIP` (no tags; returned as plain
    text, entities decoded), :data:`HTML_PUSHOVER` (``b i u a[href] font[color]``),
    :data:`HTML_TELEGRAM` (Telegram's tags). The ``<``/``>`` inside ``{...}`` fields are not
    touched. Tautulli rule (``strip_tag``), reference 4.5. Raises ``ValueError`` for an
    unknown policy.
    """
    if policy == HTML_KEEP:
        return text
    if policy not in _ALLOWED_HTML:
        raise ValueError(f"unknown HTML policy {policy!r}; one of {', '.join(HTML_POLICIES)}")
    allowed = _ALLOWED_HTML[policy]
    masked = _FIELD_TEXT.sub(lambda m: m.group().replace("<", _LT).replace(">", _GT), text)
    cleaned = bleach.clean(masked, tags=set(allowed), attributes=allowed, strip=True)
    if policy == HTML_STRIP:
        cleaned = html.unescape(cleaned)
    return cleaned.replace(_LT, "<").replace(_GT, ">")


def format_json(
    template: str, parameters: Mapping[str, Any], *, allow_eval: bool | None = None
) -> str:
    """A JSON template (webhook headers or body, MQTT's JSON subject/body) with every string in
    it, keys and values at any depth, formatted by :func:`format_text`; returned as JSON text
    (``json.dumps``' default form). Numbers, booleans and null are kept. An empty or blank
    template gives ``""``. Tautulli rule (``build_notify_text`` for agent 25 / ``as_json``),
    reference 4.5.

    Raises :class:`TextFormatError` for invalid JSON or a malformed string in it.
    """
    if not template.strip():
        return ""
    try:
        data = json.loads(template)
    except ValueError as exc:
        raise TextFormatError(f"invalid JSON: {exc}") from exc

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {walk(key): walk(value) for key, value in node.items()}
        if isinstance(node, str):
            return format_text(node, parameters, allow_eval=allow_eval)
        return node

    return json.dumps(walk(data))


def format_script_args(
    template: str, parameters: Mapping[str, Any], *, allow_eval: bool | None = None
) -> list[str]:
    """A script's argument string split as a shell would (``shlex``), each argument formatted:
    ``'-u {user} -t "{title}"'`` → ``["-u", "Alice", "-t", "Dune: Part Two"]``. Tautulli rule
    (agent 15's subject), reference 4.5. Raises :class:`TextFormatError` for unbalanced
    quotes or a malformed argument."""
    try:
        args = shlex.split(template)
    except ValueError as exc:
        raise TextFormatError(f"script arguments: {exc}") from exc
    return [format_text(arg, parameters, allow_eval=allow_eval) for arg in args]


# --- The pipeline's entry point ----------------------------------------------------------

MODE_TEXT = "text"  # subject and body are messages
MODE_JSON = "json"  # subject = JSON headers, body = JSON body (webhook; MQTT with as_json)
MODE_SCRIPT = "script"  # subject = the script's arguments; body left as written


@dataclass(frozen=True)
class Rendered:
    """The texts to deliver.

    ``script_args`` is filled in :data:`MODE_SCRIPT` only. ``errors`` has one readable
    message per part that could not be formatted and was replaced (empty when all went well).
    """

    subject: str
    body: str
    script_args: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def fell_back(self) -> bool:
        """True when a template was malformed and a fallback was used."""
        return bool(self.errors)


def render(
    subject: str | None,
    body: str | None,
    parameters: Mapping[str, Any],
    *,
    action: str,
    html_policy: str = HTML_STRIP,
    mode: str = MODE_TEXT,
    media_type: str | None = None,
    allow_eval: bool | None = None,
) -> Rendered:
    """Subject and body of one notification, as Tautulli's ``build_notify_text`` (reference
    4.5): both templates go through :func:`media_type_blocks` (``media_type`` defaults to the
    ``media_type`` parameter), :func:`clean_html` with ``html_policy``, lose surrounding
    whitespace, then are formatted per ``mode``:

    * :data:`MODE_TEXT`: :func:`format_text`; a malformed template is replaced by ``action``'s
      default text (:func:`notifications.defaults.default_texts`), formatted;
    * :data:`MODE_JSON`: :func:`format_json` for each non-empty one; a malformed one becomes
      ``""``;
    * :data:`MODE_SCRIPT`: the subject gives ``script_args`` (:func:`format_script_args`,
      ``[]`` when malformed); subject and body are returned unformatted.

    A template that is not a string (``None``) is replaced by the default first. Every
    fallback is logged as a warning and listed in :attr:`Rendered.errors`; never raises for a
    bad template.
    """
    if media_type is None:
        media_type = parameters.get("media_type")
    agent_name = "scripts" if mode == MODE_SCRIPT else None
    default_subject, default_body = default_texts(action, agent_name=agent_name)
    errors: list[str] = []

    def prepare(template: str | None, default: str, part: str) -> str:
        if not isinstance(template, str):
            errors.append(f"{part}: not a text, the default is used")
            template = default
        text = clean_html(media_type_blocks(template, media_type), html_policy)
        return text.strip(" \t\n\r")

    subject_text = prepare(subject, default_subject, "subject")
    body_text = prepare(body, default_body, "body")

    def attempt(func, template: str, part: str, fallback):
        try:
            return func(template, parameters, allow_eval=allow_eval)
        except TextFormatError as exc:
            errors.append(f"{part}: {exc}")
            return fallback()

    def default_of(default: str):
        return lambda: format_text(default, parameters, allow_eval=False)

    script_args: list[str] = []
    if mode == MODE_SCRIPT:
        script_args = attempt(format_script_args, subject_text, "script arguments", list)
    elif mode == MODE_JSON:
        subject_text = attempt(format_json, subject_text, "JSON headers", str)
        body_text = attempt(format_json, body_text, "JSON body", str)
    elif mode == MODE_TEXT:
        subject_text = attempt(format_text, subject_text, "subject", default_of(default_subject))
        body_text = attempt(format_text, body_text, "body", default_of(default_body))
    else:
        raise ValueError(f"unknown render mode {mode!r}")
    for error in errors:
        logger.warning("Notification text for %s, using the fallback: %s", action, error)
    return Rendered(subject_text, body_text, script_args, errors)
