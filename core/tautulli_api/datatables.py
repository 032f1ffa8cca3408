"""Tautulli's DataTables-style table parameters (reference section 1.1).

Table commands (``get_history``, ``get_users_table``, ``get_libraries_table``, ``get_user_ips``,
``get_notification_log``, ``get_newsletter_log``...) accept either ``json_data`` (a serialized
DataTables request) or the simple parameters ``order_column``, ``order_dir`` (comma lists
allowed), ``start`` (0), ``length`` (25) and ``search``. They answer
``{"draw": 1, "recordsTotal": N, "recordsFiltered": M, "data": [...]}``.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from core.limits import MAX_OFFSET

from .errors import ApiError
from .params import Params, check_int, parse_int

MAX_LENGTH = 10_000


@dataclass
class TableRequest:
    """A parsed table request. ``order`` is a list of (column, descending) pairs."""

    start: int = 0
    length: int = 25
    search: str = ""
    order: list[tuple[str, bool]] = field(default_factory=list)
    draw: int = 1

    @classmethod
    def from_params(
        cls, params: Params, *, default_order: list[tuple[str, bool]], columns: set[str]
    ) -> "TableRequest":
        """Read ``json_data`` or the simple parameters; unknown order columns raise ApiError.

        ``columns`` are the sortable column names the command accepts.
        """
        raw_json = params.str("json_data")
        if raw_json:
            return cls._from_json(raw_json, default_order=default_order, columns=columns)
        start = params.offset("start", 0)
        length = params.int("length", 25, maximum=MAX_OFFSET)
        if length is None or length <= 0:
            length = 25
        order_columns = params.str_list("order_column")
        order_dirs = params.str_list("order_dir")
        order = []
        for index, column in enumerate(order_columns):
            if column not in columns:
                raise ApiError(
                    f"Parameter order_column: unknown column {column!r}; one of: "
                    + ", ".join(sorted(columns))
                )
            direction = order_dirs[index] if index < len(order_dirs) else "desc"
            order.append((column, _descending(direction)))
        return cls(
            start=start,
            length=min(length, MAX_LENGTH),
            search=(params.str("search") or "").strip(),
            order=order or list(default_order),
        )

    @classmethod
    def _from_json(cls, raw_json, *, default_order, columns) -> "TableRequest":
        try:
            data = json.loads(raw_json)
            column_defs = data.get("columns") or []
            order = []
            for item in data.get("order") or []:
                column = column_defs[int(item["column"])].get("data")
                if column in columns:
                    order.append((column, _descending(item.get("dir", "desc"))))
            search = data.get("search") or {}
            start = max(_json_int("start", data.get("start", 0)), 0)
            length = _json_int("length", data.get("length", 25))
            search_value = str(search.get("value", "") if isinstance(search, dict) else "")
            if "\x00" in search_value:
                raise ApiError("Parameter json_data: search contains a null character")
            return cls(
                start=check_int("start", start, maximum=MAX_OFFSET),
                length=min(length if length > 0 else 25, MAX_LENGTH),
                search=search_value.strip(),
                order=order or list(default_order),
                draw=_json_int("draw", data.get("draw", 1)),
            )
        except ApiError:
            raise
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
            OverflowError,
            RecursionError,
        ):
            raise ApiError("Parameter json_data is not a valid DataTables request") from None


def _json_int(key: str, value) -> int:
    """An integer of ``json_data`` (a JSON number or a numeric string), in the signed 64-bit
    range: :class:`ApiError` naming ``key`` otherwise (``1e400``, ``NaN``, ``"²"``, 2**64)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ApiError(f"Parameter json_data: {key} must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ApiError(f"Parameter json_data: {key} must be an integer")
        value = int(value)
    elif isinstance(value, str):
        value = parse_int(key, value)
    return check_int(f"json_data {key}", value)


def _descending(direction: str) -> bool:
    direction = direction.strip().lower()
    if direction not in {"asc", "desc"}:
        raise ApiError(f"Parameter order_dir must be asc or desc, got {direction!r}")
    return direction == "desc"


@dataclass
class TablePage:
    """One page of a table command: counts and rows (JSON-ready dicts) for :func:`table_response`."""

    total: int
    filtered: int
    rows: list[dict]


def table_response(request: TableRequest, *, total: int, filtered: int, rows: list, **extra):
    """The DataTables envelope data, in Tautulli's key order."""
    return {
        "recordsFiltered": filtered,
        "recordsTotal": total,
        "data": rows,
        "draw": request.draw,
        **extra,
    }


def default_order(params: Params, column: str) -> list[tuple[str, bool]]:
    """Tautulli's default order of a table: ``column`` descending, or in the direction of
    ``order_dir`` when that is given without ``order_column`` (Tautulli's
    ``build_datatables_json`` applies it to the default column). For ``default_order=``."""
    directions = params.str_list("order_dir")
    if params.str_list("order_column") or not directions:
        return [(column, True)]
    return [(column, _descending(directions[0]))]


def table_request(params: Params, *, default_column: str, columns: set[str]) -> TableRequest:
    """The table request of a command whose default order is ``default_column`` (descending,
    or in the direction of a lone ``order_dir``, see :func:`default_order`)."""
    return TableRequest.from_params(
        params, default_order=default_order(params, default_column), columns=columns
    )


# --- SQL helpers for table commands ---------------------------------------------------------


def sort_term(expression, descending: bool):
    """``expression`` as an ORDER BY term: NULLs first ascending and last descending (SQLite's
    NULL order, which Tautulli's tables have), on PostgreSQL too."""
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)


def order_terms(order: list[tuple[str, bool]], expressions: dict) -> list:
    """ORDER BY terms (:func:`sort_term`) of ``order``'s (column, descending) pairs, with
    ``expressions`` mapping each column to its SQL expression."""
    return [sort_term(expressions[column], descending) for column, descending in order]


def annotation_sort_terms(order: list[tuple[str, bool]], keys: dict[str, tuple[str, bool]]) -> list:
    """ORDER BY terms for ``(column, descending)`` pairs; ``keys`` maps a column to its
    annotation and whether to lower-case it here (NOCASE). NULLs sort first ascending and
    last descending, SQLite's order, on PostgreSQL too. Unknown columns are skipped."""
    terms = []
    for column, descending in order:
        if column not in keys:
            continue
        name, nocase = keys[column]
        terms.append(sort_term(Lower(name) if nocase else F(name), descending))
    return terms


def search_q(search: str, fields: Iterable[str]) -> Q:
    """Tautulli's table search: ``search`` in any of ``fields`` (case-insensitive substring,
    its ``LIKE '%search%'``)."""
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": search})
    return condition


def queryset_table(
    params: Params,
    queryset: QuerySet,
    *,
    order: dict,
    search_fields: Iterable[str],
    default_column: str,
    row: Callable,
):
    """The whole answer of a table command over one queryset (the notification and newsletter
    logs): the request read with :func:`default_order` on ``default_column``, ``search`` in
    ``search_fields``, ``order`` mapping the sortable columns to SQL expressions, ties broken by
    ``id`` ascending (Tautulli's rowid order), the page cut in SQL and each object turned into a
    JSON row by ``row``. ``recordsTotal`` counts ``queryset``, ``recordsFiltered`` the matches."""
    table = TableRequest.from_params(
        params, default_order=default_order(params, default_column), columns=set(order)
    )
    total = queryset.count()
    if table.search:
        queryset = queryset.filter(search_q(table.search, search_fields))
        filtered = queryset.count()
    else:
        filtered = total
    ordered = queryset.order_by(*order_terms(table.order, order), "id")
    page = ordered[table.start : table.start + table.length]
    return table_response(table, total=total, filtered=filtered, rows=[row(obj) for obj in page])
