"""A hostile, property-based test of the whole REST API, driven by its own OpenAPI schema.

For every operation the schema lists (and the schema must list every operation ninja routes),
hypothesis builds requests from the operation's parameters and body schema, mixing valid values
(in the documented bounds, the seeded rows' ids) with hostile ones: integers beyond 64 bits,
negative and zero, NUL, unicode digits, huge strings, SQL fragments, impossible or extreme dates
and datetimes, forged cursors, bodies that are not JSON. Every answer must be:

* never a 5xx (the test client re-raises a view's exception, so a 500 fails with its traceback);
* JSON, and a status the operation documents (``responses`` of the schema), ``{"detail": ...}``
  for a 4xx;
* for a GET, without a single row written: the connection's write counter (SQLite's
  ``total_changes()``, PostgreSQL's ``pg_stat_xact_user_tables``, both counting trigger writes)
  is unchanged by the request, and a checksum of every table is the same after the run.

Each operation must also have answered at least one 2xx (valid requests reach the handler: the
test cannot pass by being refused everywhere) and one 4xx. Reproducible and bounded:
``derandomize`` (a fixed seed), a fixed number of examples per operation, no example database.
"""

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.module_loading import import_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from history.models import HistoryMediaInfo, HistoryMetadata
from libraries.models import Library, LibraryMedia
from servers.models import Server
from tautulli_project.api import REST_ROUTERS, rest
from users.models import User

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 40
# The schema as clients read it (/api/openapi.json: JSON, so status codes are strings).
SCHEMA = json.loads(json.dumps(rest.get_openapi_schema(), cls=DjangoJSONEncoder))
OPERATIONS = {
    f"{method.upper()} {path}": operation
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
}

# --- hostile values -----------------------------------------------------------------------------
BIG = [2**63, -(2**63) - 1, 2**64, -593421217655596636506475724800, 10**400]
HOSTILE = [
    *map(str, BIG),
    "-1",
    "0",
    "-0",
    "00",
    "+1",
    "1_000",
    " 1 ",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "\x00",
    "1\x00",
    "\x00' OR 1=1 --",
    "²",
    "٣",
    "１２",
    "߂",
    "9" * 5000,
    "x" * 20000,
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    '"; SELECT pg_sleep(5); --',
    "%",
    "_",
    "\\",
    "😀",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "1970-01-01",
    "1969-12-31",
    "-0001-01-01",
    "garbage",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59.999999",
    "0001-01-01T00:00:00",
    "2026-11-22T10:30:00+24:00",
    "true",
    "maybe",
    "",
]


# Sent alone in every parameter (and as every body field) of every operation.
SWEEP = [
    *map(str, BIG),
    "-1",
    "0",
    "\x00",
    "1\x00",
    "²",
    "٣",
    "１２",
    "1e309",
    "9" * 5000,
    "x" * 20000,
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "0001-01-01",
    "1970-01-02",
    (FROZEN_NOW + dt.timedelta(days=1)).date().isoformat(),  # tomorrow: an empty window
    "9998-12-30",
    "9999-12-31",
    "0000-00-00",
    "garbage",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "",
]
SWEEP_JSON = [*BIG, -1, 0, None, True, "", "\x00", "x" * 5000, [], {}, 1.5, float("nan")]
SWEEP_BODIES = [b"", b"null", b"[]", b"1", b"{", b"\x00", b"\xff\xfe", b'{"a": ' * 500]


def _cursor(payload) -> str:
    """A forged keyset cursor (core/pagination.py's format) holding ``payload``."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = [
    _cursor({"v": "0001-01-01T00:00:00+05:00", "id": 1}),
    _cursor({"v": "9999-12-31T23:59:59-05:00", "id": 1}),
    _cursor({"v": "9999-12-31T23:59:59", "id": 1}),
    _cursor({"v": "2026-11-01T00:00:00Z", "id": 2**63}),
    _cursor({"v": "2026-11-01T00:00:00Z", "id": -1}),
    _cursor({"v": "garbage", "id": 1}),
    _cursor({"v": 5, "id": 1}),
    _cursor({"v": None, "id": 10**30}),
    _cursor([1, 2]),
    _cursor({"v": "2026-11-01\x00", "id": 1}),
    "!!!",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)  # no lone surrogates
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(CURSORS),
    st.integers().map(str),
    st.integers(min_value=2**63, max_value=2**200).map(str),
    st.integers(min_value=-(2**200), max_value=-(2**63) - 1).map(str),
    st.text("0123456789²³¹٠١٢٣٤٥٦٧٨٩０１２３߀߁௫-+. _", min_size=1, max_size=30),
    TEXT,
)


# JSON values for a body field that is not what the schema asks for.
HOSTILE_JSON = st.one_of(
    st.sampled_from([*BIG, -1, 0, None, True, [], {}, "", "\x00", "x" * 5000, 1.5, float("nan")]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(TEXT, st.integers(), max_size=2),
)


# --- values the schema asks for -----------------------------------------------------------------
def _plain(schema: dict) -> dict:
    """``schema`` without its ``anyOf [X, null]`` wrapper (optional parameters)."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return {**schema, **options[0]} if options else schema


def valid_text(schema: dict, seeds: dict) -> st.SearchStrategy[str]:
    """Strings a client following the schema would send for a parameter of ``schema``."""
    schema = _plain(schema)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return st.sampled_from([str(value) for value in schema["enum"]])
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        ids = [
            n for n in seeds["ints"] if (low is None or n >= low) and (high is None or n <= high)
        ]
        bounded = st.integers(min_value=low, max_value=high)
        return st.one_of(st.sampled_from(ids), bounded).map(str) if ids else bounded.map(str)
    if kind == "boolean":
        return st.sampled_from(["true", "false", "1", "0"])
    if fmt == "date":
        recent = st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
        return st.one_of(recent, st.dates()).map(dt.date.isoformat)
    if fmt == "date-time":
        offsets = st.sampled_from(["", "Z", "+05:00", "-23:59"])
        return st.tuples(st.datetimes(), offsets).map(lambda v: v[0].isoformat() + v[1])
    if kind == "array":
        return valid_text(schema["items"], seeds)
    size = schema.get("maxLength", 300)
    return st.one_of(st.sampled_from(seeds["names"]), TEXT.map(lambda s: s[:size]))


def valid_json(schema: dict, seeds: dict):
    """JSON values a client following the schema would send for a body field of ``schema``."""
    schema = _plain(schema)
    if schema.get("type") == "boolean":
        return st.booleans()
    if schema.get("type") == "string":
        return st.one_of(st.none(), TEXT.map(lambda s: s[: schema.get("maxLength", 300)]))
    return st.none()


def parameter_values(parameter: dict, seeds: dict, hostile: bool):
    """``[(name, value), ...]`` for one parameter: absent, or valid values (``hostile``: or
    hostile ones), repeated for an array; never absent for a path parameter."""
    schema = parameter["schema"]
    one = valid_text(schema, seeds)
    if hostile:
        one = st.one_of(one, HOSTILE_TEXT)
    if parameter["in"] == "path":
        if parameter["name"] in seeds["paths"]:  # mostly the seeded rows, so that some exist
            rows = st.sampled_from(seeds["paths"][parameter["name"]]).map(str)
            one = st.one_of(rows, rows, one)
        # "/" or nothing would address another route (tests/test_rest_api checks those 404s).
        return one.filter(lambda v: v and "/" not in v).map(lambda v: [(parameter["name"], v)])
    single = one.map(lambda value: [value])
    many = st.lists(one, max_size=3) if _plain(schema).get("type") == "array" else single
    present = many.map(lambda values: [(parameter["name"], v) for v in values])
    return st.one_of(st.just([]), present)


def body_values(operation: dict, seeds: dict, hostile: bool):
    """``(bytes, content type)`` of a request body: the schema's object with valid (or
    ``hostile``) field values; when ``hostile``, also something that is not such an object."""
    content = operation["requestBody"]["content"]["application/json"]["schema"]
    name = content["$ref"].rsplit("/", 1)[-1]
    properties = SCHEMA["components"]["schemas"][name]["properties"]
    fields = st.fixed_dictionaries(
        {},
        optional={
            field: st.one_of(valid_json(schema, seeds), HOSTILE_JSON)
            if hostile
            else valid_json(schema, seeds)
            for field, schema in properties.items()
        },
    )
    as_json = fields.map(lambda body: json.dumps(body).encode())
    if not hostile:
        return st.tuples(as_json, st.just("application/json"))
    garbage = st.one_of(
        st.sampled_from([b"", b"null", b"[]", b"1", b"{", b'{"a": 1', b"\x00", b"\xff\xfe"]),
        st.binary(max_size=50),
        HOSTILE_JSON.map(lambda value: json.dumps(value).encode()),
    )
    content_type = st.sampled_from(["application/json", "text/plain", "multipart/x"])
    return st.tuples(st.one_of(as_json, garbage), content_type)


def requests(method: str, path: str, operation: dict, seeds: dict, *, hostile: bool):
    """Whole requests to one operation: ``(url, (body, content type), right key?)``. Not
    ``hostile``: what a client following the schema sends (valid values, the right key)."""
    parameters = operation.get("parameters", [])
    groups = st.tuples(*(parameter_values(p, seeds, hostile) for p in parameters))
    if "requestBody" in operation:
        body = body_values(operation, seeds, hostile)
    else:
        body = st.just((b"", None))
    # Unknown parameters, now and then more than Django takes (DATA_UPLOAD_MAX_NUMBER_FIELDS).
    extra = st.integers(0, 9).flatmap(
        lambda n: (
            st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), max_size=2)
            if n
            else st.just([("x", "1")] * 1001)
        )
    )
    keyed = st.booleans() if hostile else st.just(True)  # a wrong key: 401

    def url(groups, unknown) -> str:
        values = dict(pair for group in groups for pair in group)
        query = [
            pair
            for parameter, group in zip(parameters, groups, strict=True)
            if parameter["in"] == "query"
            for pair in group
        ]
        filled = path
        for parameter in parameters:
            if parameter["in"] == "path":
                filled = filled.replace(
                    "{" + parameter["name"] + "}", quote(values[parameter["name"]], safe="")
                )
        encoded = urlencode(query + unknown)
        return f"{filled}?{encoded}" if encoded else filled

    return st.tuples(st.builds(url, groups, extra if hostile else st.just([])), body, keyed)


# --- the data and the database's witnesses ------------------------------------------------------
@pytest.fixture
def seeds(db):
    """Two servers with users, libraries, their inventory and a month of history (titles,
    stream decisions): ``{"ints": ids and keys of the rows, "names": their names, "paths":
    {path parameter: the ids that address a row}}``."""
    home = baker.make(Server, name="Home", machine_identifier="abc123")
    cabin = baker.make(Server, name="Cabin")
    users = [
        baker.make(User, user_id=user_id, username=name, friendly_name=name.title())
        for user_id, name in ((1, "alice"), (2, "bob"), (1001, "carol"), (0, "Local"))
    ]
    libraries = [
        baker.make(Library, server=home, section_id=1, section_name="Movies", section_type="movie"),
        baker.make(Library, server=home, section_id=2, section_name="TV", section_type="show"),
        baker.make(
            Library, server=cabin, section_id=1, section_name="Music", section_type="artist"
        ),
    ]
    rows = []
    for n in range(24):
        library = libraries[n % 3]
        stopped = FROZEN_NOW - dt.timedelta(days=n, hours=n % 5)
        row = bake_play(
            library.server,
            users[n % 4],
            stopped=stopped,
            seconds=600 + 60 * n,
            paused=30 * (n % 3),
            continues=rows[-1] if n % 6 == 5 else None,
            section_id=library.section_id,
            rating_key=100 + n,
            parent_rating_key=50 + n % 4,
            grandparent_rating_key=10 + n % 2,
            media_type=("movie", "episode", "track")[n % 3],
            platform=("Roku", "Chrome", "iOS")[n % 3],
            username=users[n % 4].username,
        )
        baker.make(HistoryMetadata, history=row, title=f"Title {n}", full_title=f"Show - {n}")
        baker.make(
            HistoryMediaInfo,
            history=row,
            transcode_decision=("direct play", "copy", "transcode")[n % 3],
        )
        baker.make(
            LibraryMedia,
            server=library.server,
            section_id=library.section_id,
            rating_key=100 + n,
            media_type="movie",
            added_at=stopped - dt.timedelta(days=40 * n),
            file_size=10**9 * n,
        )
        rows.append(row)
    candidates = _candidates(libraries[0])
    ints = {0, 1, 2, 100, 1001, home.pk, cabin.pk, *(r.pk for r in rows)}
    ints |= {lib.pk for lib in libraries}
    return {
        "ints": sorted(ints),
        "names": ["Home", "Cabin", "abc123", str(home.pk), "alice"],
        "paths": {
            "server_id": [home.pk, cabin.pk],
            "user_id": [user.user_id for user in users],
            "library_id": [library.pk for library in libraries],
            "history_id": [row.pk for row in rows],
            "candidate_id": [candidate.pk for candidate in candidates],
        },
    }


def _candidates(library) -> list:
    """A rule set (dry run) with a deletion candidate per item of ``library``."""
    from housekeeping.models import Candidate, RuleSet

    rule_set = RuleSet.objects.create(name="Old movies")
    rule_set.libraries.add(library)
    return [
        Candidate.objects.create(
            rule_set=rule_set,
            item=item,
            first_matched_at=FROZEN_NOW,
            last_matched_at=FROZEN_NOW,
            due_at=FROZEN_NOW + dt.timedelta(days=n),
            size=item.file_size,
        )
        for n, item in enumerate(
            LibraryMedia.objects.filter(server=library.server, section_id=library.section_id)
        )
    ]


def writes() -> int:
    """Rows inserted, updated or deleted so far on this connection (in this transaction on
    PostgreSQL), triggers' writes included."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
                "FROM pg_stat_xact_user_tables"
            )
        return int(cursor.fetchone()[0])


def checksum() -> str:
    """A digest of every row of every table of the project's models."""
    digest = hashlib.sha256()
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def warm_up(client, key):
    """Read every derived table once, so that later reads find them up to date (a read may
    bring play groups and statistics rollups up to date: that write is not the request's)."""
    for name in SCHEMA["paths"]:
        if "{" not in name:
            assert client.get(name, HTTP_X_API_KEY=key).status_code == 200, name
    for graph in SCHEMA["paths"]["/api/stats/graphs/{name}"]["get"]["parameters"][0]["schema"][
        "enum"
    ]:
        client.get(f"/api/stats/graphs/{graph}", HTTP_X_API_KEY=key)


# --- the tests ----------------------------------------------------------------------------------
def test_the_schema_lists_every_operation_ninja_routes():
    routed = set()
    for prefix, dotted in REST_ROUTERS:
        for path, view in import_string(dotted).path_operations.items():
            for operation in view.operations:
                full = f"/api/{prefix}{path}".rstrip("/")
                routed |= {f"{method} {full}" for method in operation.methods}
    assert routed == set(OPERATIONS)


def sweep(path: str, operation: dict, seeds: dict):
    """The systematic part: every parameter alone set to each :data:`SWEEP` value (the path's
    other parameters a seeded row), every body field alone set to each :data:`SWEEP_JSON` value
    and bodies that are no JSON object: ``[(url, body, content type)]``."""
    parameters = operation.get("parameters", [])
    defaults = {
        p["name"]: str(seeds["paths"].get(p["name"], _plain(p["schema"]).get("enum", [1]))[0])
        for p in parameters
        if p["in"] == "path"
    }

    def url(name: str, value: str) -> str:
        filled, query = path, []
        for parameter in parameters:
            if parameter["in"] == "path":
                given = value if parameter["name"] == name else defaults[parameter["name"]]
                filled = filled.replace("{" + parameter["name"] + "}", quote(given, safe=""))
            elif parameter["name"] == name:
                query.append((name, value))
        return f"{filled}?{urlencode(query)}" if query else filled

    body, json_type = (b"{}", "application/json") if "requestBody" in operation else (b"", None)
    cases = [
        (url(p["name"], value), body, json_type)
        for p in parameters
        for value in SWEEP
        if not (p["in"] == "path" and (not value or "/" in value))
    ]
    if "requestBody" in operation:
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        fields = SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
        cases += [
            (url("", ""), json.dumps({field: value}).encode(), json_type)
            for field in fields
            for value in SWEEP_JSON
        ]
        cases += [(url("", ""), raw, json_type) for raw in SWEEP_BODIES]
    return cases


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_hostile_requests_never_break_an_operation(client, api_key, seeds, name):
    method, path = name.split(" ", 1)
    operation = OPERATIONS[name]
    documented = set(operation["responses"])
    statuses = Counter()
    warm_up(client, api_key)
    before = checksum() if method == "GET" else None

    def send(url: str, body: bytes, content_type: str | None, right_key: bool = True):
        key = api_key if right_key else "wrong-key"
        written = writes()
        extra = {"content_type": content_type} if content_type else {}
        response = client.generic(method, url, body, HTTP_X_API_KEY=key, **extra)
        status = response.status_code
        statuses[status] += 1
        assert status < 500, (url, body)
        assert response["Content-Type"].startswith("application/json"), (url, status)
        answer = json.loads(response.content)
        assert str(status) in documented, (url, status, answer)
        if not right_key:  # 400 when Django refuses to read the request at all
            assert status in (400, 401), (url, status)
        if status >= 400:
            assert "detail" in answer, (url, answer)
        if method == "GET":
            assert writes() == written, (url, "a GET wrote to the database")

    for case in sweep(path, operation, seeds):
        send(*case)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        request=st.one_of(
            requests(method, path, operation, seeds, hostile=False),
            requests(method, path, operation, seeds, hostile=True),
        )
    )
    def explore(request):
        url, (body, content_type), right_key = request
        send(url, body, content_type, right_key)

    explore()
    assert any(200 <= s < 300 for s in statuses), statuses  # valid requests got through
    assert any(s in (400, 404, 422) for s in statuses), statuses  # hostile ones were refused
    if before is not None:
        assert checksum() == before


def test_the_write_witness_sees_a_write(client, api_key, seeds):
    """The GETs' witness is not blind: a PATCH that changes a user moves it."""
    written = writes()
    response = client.patch(
        "/api/users/1",
        {"do_notify": False},
        content_type="application/json",
        HTTP_X_API_KEY=api_key,
    )
    assert response.status_code == 200 and writes() > written


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/nothing", 404),
        ("get", "/api/servers/", 404),
        ("get", "/api/stats/graphs/", 404),
        ("post", "/api/servers", 405),
        ("delete", "/api/users/1", 405),
        ("put", "/api/history", 405),
    ],
)
def test_unknown_routes_and_methods_answer_json(client, api_key, method, path, status):
    response = getattr(client, method)(path, HTTP_X_API_KEY=api_key)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_every_operation_documents_its_errors():
    for name, operation in OPERATIONS.items():
        responses = set(operation["responses"])
        assert {"200", "400", "401", "422"} <= responses, name
        if "{" in name:
            assert responses & {"404", "422"}, name
