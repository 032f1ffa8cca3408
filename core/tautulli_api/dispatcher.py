"""The /api/v2 endpoint: authentication, dispatch, Tautulli's envelope and output formats.

Transport and errors follow reference section 1.1, with these deliberate differences (bugs fixed,
reference section 9): the key is accepted from the ``X-Api-Key`` header as well as ``apikey``
(newer Tautulli does this, and the PyPI ``tautulli`` client relies on it); malformed or missing
parameters answer HTTP 400 with a message naming the parameter, where Tautulli raised and answered
500 "Check the logs for errors"; ``docs`` and ``docs_md`` need the key like every other command.

Commands parse their parameters (:class:`~core.tautulli_api.Params`) into typed values and call
domain code, which raises :class:`core.errors.InvalidInput` for input that makes no sense (a range
that ends before it starts, an unknown server): answered like an :class:`ApiError`, HTTP 400 with
its message. Each command runs in a :func:`core.freshness.fresh_reads` scope.
"""

import json
import logging
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack

import xmltodict
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase

from core.errors import InvalidInput
from core.freshness import fresh_reads
from core.models import ApiKey

from .encoded import EncodedJSON
from .errors import ApiError
from .params import CONTROL_CHARACTERS, Params
from .registry import APP_TOKEN_AUTHENTICATORS, COMMANDS

logger = logging.getLogger(__name__)

RESERVED_PARAMS = {"apikey", "cmd", "callback", "debug", "profileme", "out_type", "app"}
_CALLBACK_RE = re.compile(r"^[a-zA-Z_$][a-zA-Z0-9_$.]*$")
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*", re.ASCII)
# Context managers entered around every authenticated command: ``hook(request, command_name)``
# (the project's audit log names the API key, or the device of an app token, as the author of
# what the command changes: tautulli_project.audit). Registered by the project, so that core
# knows no audit library.
COMMAND_HOOKS: list[Callable[[HttpRequest, str], AbstractContextManager]] = []


def _request_params(request: HttpRequest) -> dict[str, str]:
    """Query string and form body merged (the form wins), as CherryPy gives them to Tautulli,
    whatever the method (a form body is read for POST, as Django parses it).

    Raises :class:`ApiError` when Django refuses to parse them: more than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` parameters, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (Django's own limits), a malformed multipart body or one the client stopped sending.
    """
    try:
        merged = {key: request.GET.get(key) for key in request.GET}
        if request.method == "POST":
            merged.update({key: request.POST.get(key) for key in request.POST})
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
        raise ApiError(f"The request cannot be read: {exc}") from None
    return merged


def _possible_commands() -> str:
    return ", ".join(sorted(COMMANDS))


def _authenticate(request: HttpRequest, params: dict[str, str]) -> None:
    """Raise ApiError unless the request carries the API key (or, with app=true, a token that a
    registered app-token authenticator accepts: a Tautulli Remote device's)."""
    key = params.get("apikey") or request.headers.get("X-Api-Key") or ""
    if not key:
        raise ApiError("Parameter apikey is required")
    # The key a command was called with (register_device stores it as the device's token).
    request.tautulli_api_key = key
    if str(params.get("app", "")).lower() == "true":
        command = params.get("cmd") or ""
        if not any(accepts(key, command) for accepts in APP_TOKEN_AUTHENTICATORS):
            raise ApiError("Invalid apikey")
        return
    if not ApiKey.matches(key):
        raise ApiError("Invalid apikey")


def _envelope(result: str, message, data) -> dict:
    return {"response": {"result": result, "message": message, "data": data}}


def _render(envelope: dict, params: dict[str, str], status: int) -> HttpResponse:
    out_type = (params.get("out_type") or "json").lower()
    debug = params.get("debug") in {"1", "true"}
    response = envelope["response"]
    if isinstance(response["data"], EncodedJSON) and (out_type == "xml" or debug):
        # These outputs are built from the data itself (XML, sorted and indented JSON).
        envelope = _envelope(response["result"], response["message"], json.loads(response["data"]))
    if out_type == "xml":
        body = xmltodict.unparse(_xml_safe(envelope), pretty=True)
        return HttpResponse(body, status=status, content_type="application/xml;charset=UTF-8")
    if debug:
        body = json.dumps(envelope, indent=4, sort_keys=True, ensure_ascii=False)
    else:
        body = _json_text(envelope)
    callback = params.get("callback")
    if callback:
        if not _CALLBACK_RE.match(callback):
            bad = _envelope("error", "Invalid callback name", {})
            return HttpResponse(json.dumps(bad), status=400, content_type=JSON_CONTENT_TYPE)
        return HttpResponse(
            f"{callback}({body});", status=status, content_type="application/javascript"
        )
    return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


def _json_text(envelope: dict) -> str:
    """``json.dumps(envelope, ensure_ascii=False)``; data already encoded (:class:`EncodedJSON`)
    is put in as it is, with the same separators and key order."""
    response = envelope["response"]
    if not isinstance(response["data"], EncodedJSON):
        return json.dumps(envelope, ensure_ascii=False)
    head = json.dumps(
        {"result": response["result"], "message": response["message"]}, ensure_ascii=False
    )
    return f'{{"response": {head[:-1]}, "data": {response["data"]}}}}}'


def _xml_safe(value):
    """xmltodict wants strings; None becomes an empty element, booleans 0/1-like text.

    Whatever the data holds, the document is well-formed XML 1.0: characters it cannot carry
    (control characters, U+FFFE/U+FFFF: :data:`~.params.CONTROL_CHARACTERS`) become U+FFFD, and a key that is not an XML name
    (``"1"``, ``"a b"``, ``"@x"``) becomes one (``_1``, ``a_b``, ``_x``)."""
    if isinstance(value, dict):
        return {_xml_name(str(k)): _xml_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xml_safe(v) for v in value]
    if value is None:
        return None
    return CONTROL_CHARACTERS.sub("\ufffd", str(value))


def _xml_name(key: str) -> str:
    if _XML_NAME.fullmatch(key):
        return key
    name = re.sub(r"[^\w.-]", "_", key, flags=re.ASCII)
    return name if _XML_NAME.fullmatch(name) else f"_{name}"


def dispatch(request: HttpRequest) -> HttpResponse:
    """Answer one /api/v2 request. Never raises: every failure becomes an error envelope."""
    started = time.monotonic()
    try:
        raw_params = _request_params(request)
    except ApiError as exc:
        return _render(_envelope("error", exc.message, exc.data), {}, exc.status)
    command_name = raw_params.get("cmd") or ""
    try:
        _authenticate(request, raw_params)
        if not command_name:
            raise ApiError(
                f"Parameter cmd is required. Possible commands are: {_possible_commands()}"
            )
        command = COMMANDS.get(command_name)
        if command is None:
            raise ApiError(
                f"Unknown command: {command_name}. Possible commands are: {_possible_commands()}"
            )
        params = Params({k: v for k, v in raw_params.items() if k not in RESERVED_PARAMS})
        with fresh_reads(), ExitStack() as hooks:  # derived tables sync once per command
            for hook in COMMAND_HOOKS:
                hooks.enter_context(hook(request, command_name))
            data = command.func(request, params)
    except ApiError as exc:
        return _render(_envelope("error", exc.message, exc.data), raw_params, exc.status)
    except InvalidInput as exc:  # raised by domain code: the same answer as a bad parameter
        return _render(_envelope("error", exc.message, {}), raw_params, 400)
    except DatabaseError:
        logger.exception("/api/v2 %s failed on the database", command_name)
        return _render(_envelope("error", "Check the logs for errors", {}), raw_params, 500)
    except Exception:  # noqa: BLE001 - the envelope, never a traceback, whatever went wrong
        logger.exception("/api/v2 %s failed", command_name)
        return _render(_envelope("error", "Check the logs for errors", {}), raw_params, 500)
    finally:
        logger.debug("/api/v2 %s took %.1f ms", command_name, (time.monotonic() - started) * 1000)

    if command.raw:
        return data if isinstance(data, HttpResponseBase) else HttpResponse(data)  # files stream
    if data is False:
        return _render(_envelope("error", None, {}), raw_params, 400)
    message = None
    result = "success"
    if isinstance(data, dict) and ("result" in data or "message" in data):
        data = dict(data)
        result = data.pop("result", "success")
        message = data.pop("message", None)
    if data is None:
        data = {}
    return _render(
        _envelope(result, message, data), raw_params, 200 if result == "success" else 400
    )


def legacy_api(request: HttpRequest) -> HttpResponse:
    """``/api`` without ``v2``: Tautulli's pointer to the right endpoint (HTTP 200)."""
    return _render(_envelope("error", "Please use the /api/v2 endpoint.", {}), {}, 200)
