"""A small client of Tautulli's ``/api/v2`` (the commands the sync reads).

Every failure is a :class:`TautulliAPIError` whose message is one line naming the Tautulli by
its address (never with the API key): down, too slow, an HTTP error status, Tautulli's error
envelope (``{"response": {"result": "error", "message": ...}}``) or an answer that is not
Tautulli's JSON. Shapes: reference/tautulli-compat.md §1.1 and §1.3, captures in
``fixtures/tautulli-dart/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from ..errors import TautulliImportError

CONNECT_TIMEOUT = 10  # seconds to open the connection
# Seconds to wait for an answer: Tautulli reads its whole filtered history for each get_history
# page (then slices it), about 2 s per call at 100k rows (reference, known issues).
READ_TIMEOUT = 120


class TautulliAPIError(TautulliImportError):
    """Tautulli could not be read; the message is one line without the API key."""


@dataclass
class HistoryPage:
    """One ``get_history`` answer: ``rows`` (dicts, Tautulli's row keys) and ``total``
    (``recordsFiltered``: the rows matching the filters, all pages)."""

    rows: list[dict]
    total: int


class TautulliClient:
    """``TautulliClient(url, api_key)``: calls ``{url}/api/v2?apikey=…&cmd=…``.

    ``url`` is Tautulli's base address (with its HTTP root, if any), e.g.
    ``http://nas:8181`` or ``https://host/tautulli``.
    """

    def __init__(self, url: str, api_key: str, *, timeout: tuple[float, float] | None = None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout or (CONNECT_TIMEOUT, READ_TIMEOUT)
        self.session = requests.Session()

    # --- commands ---------------------------------------------------------------------------

    def get_tautulli_info(self) -> dict:
        """Tautulli's version and platform (``tautulli_version``, ...): the connection test."""
        return self._dict(self.call("get_tautulli_info"), "get_tautulli_info")

    def get_server_info(self) -> dict:
        """The PMS Tautulli monitors: ``pms_name``, ``pms_identifier`` (machine identifier)..."""
        return self._dict(self.call("get_server_info"), "get_server_info")

    def get_users(self) -> list[dict]:
        """Tautulli's users (not deleted), one dict per user with its ``users`` columns."""
        data = self.call("get_users")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise self._garbage("get_users", "not a list of users")
        return data

    def get_libraries_table(self, length: int = 1000) -> list[dict]:
        """Every library section (not deleted) with ``server_id``, ``section_id``...: all pages."""
        rows: list[dict] = []
        while True:
            page = self._table(
                "get_libraries_table",
                {"start": len(rows), "length": length, "order_column": "section_name"},
            )
            rows += page.rows
            if not page.rows or len(rows) >= page.total:
                return rows

    def get_history(
        self, start: int, length: int, *, section_id: int | None = None, reference_ids=()
    ) -> HistoryPage:
        """Rows ``start``… of the ungrouped history (``grouping=0``, no live sessions) ordered by
        row id ascending, at most ``length``; optionally only a section's rows, or the rows of
        some plays (``reference_id`` list).

        The simple ``order_column`` parameter cannot order by id, so the request is sent as
        DataTables' ``json_data`` ordering on the ``row_id`` column (Tautulli:
        ``helpers.build_datatables_json``/``datatables.build_order``).
        """
        params = {
            "grouping": 0,
            "include_activity": 0,
            "json_data": json.dumps(
                {
                    "draw": 1,
                    "columns": [{"data": "row_id", "orderable": True, "searchable": False}],
                    "order": [{"column": 0, "dir": "asc"}],
                    "start": int(start),
                    "length": int(length),
                    "search": {"value": ""},
                }
            ),
        }
        if section_id is not None:
            params["section_id"] = section_id
        if reference_ids:
            params["reference_id"] = ",".join(str(r) for r in reference_ids)
        return self._table("get_history", params)

    # --- transport --------------------------------------------------------------------------

    def call(self, cmd: str, params: dict | None = None):
        """``data`` of a successful answer to ``cmd``; :class:`TautulliAPIError` otherwise."""
        query = {"apikey": self.api_key, "cmd": cmd, **(params or {})}
        try:
            response = self.session.get(f"{self.url}/api/v2", params=query, timeout=self.timeout)
        except requests.Timeout:
            raise self._error(cmd, f"no answer within {self.timeout[1]:g} s") from None
        except requests.ConnectionError:
            raise self._error(
                cmd, "cannot connect (is Tautulli running at this address?)"
            ) from None
        except requests.RequestException as exc:
            raise self._error(cmd, f"request failed ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        envelope = body.get("response") if isinstance(body, dict) else None
        if isinstance(envelope, dict) and envelope.get("result") == "error":
            message = envelope.get("message") or "no message"
            raise self._error(cmd, f"Tautulli answered an error: {message}")
        if response.status_code != 200:
            raise self._error(cmd, f"HTTP {response.status_code} {response.reason or ''}".strip())
        if not isinstance(envelope, dict) or envelope.get("result") != "success":
            raise self._garbage(cmd, "not a Tautulli API answer")
        return envelope.get("data")

    def _table(self, cmd: str, params: dict) -> HistoryPage:
        data = self.call(cmd, params)
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise self._garbage(cmd, "no table of rows in the answer")
        try:
            total = int(data.get("recordsFiltered", len(rows)))
        except (TypeError, ValueError):
            raise self._garbage(cmd, "recordsFiltered is not a number") from None
        return HistoryPage(rows=rows, total=total)

    def _dict(self, data, cmd: str) -> dict:
        if not isinstance(data, dict):
            raise self._garbage(cmd, "not an object")
        return data

    def _garbage(self, cmd: str, what: str) -> TautulliAPIError:
        return self._error(cmd, f"unexpected answer ({what})")

    def _error(self, cmd: str, what: str) -> TautulliAPIError:
        line = f"Tautulli at {self.url}: {cmd}: {what}"
        line = " ".join(line.split())[:400]  # one line, bounded
        if self.api_key:
            line = line.replace(self.api_key, "<redacted>")
        return TautulliAPIError(line)
