"""A loopback stand-in for a running Tautulli (tests only): its ``/api/v2`` from a Tautulli file.

``TautulliStandIn(db_path, api_key)`` serves, on ``127.0.0.1`` (a threaded ``http.server``),
the commands the sync reads, in Tautulli v2.17.2's shapes (reference/tautulli-compat.md §1.1,
§1.3; captures in fixtures/tautulli-dart/): ``get_tautulli_info``, ``get_server_info``,
``get_users``, ``get_libraries_table`` and ``get_history`` (``grouping=0`` only; DataTables
``json_data`` or the simple ``start``/``length`` parameters; ``section_id`` and
``reference_id`` filters; paging by slicing, as Tautulli does). The database is read afresh
on every request, so rows added to it between syncs are served. The sync's paging (all rows
by id ascending) is answered from an id range instead of the whole history, so that the
stand-in's own cost per page stays flat in benchmarks (a real Tautulli reads its whole
filtered history per call).

Faults for tests: ``fail_history_after = N`` answers HTTP 500 with Tautulli's error envelope to
every ``get_history`` paging request (not the per-library ones) after the first N;
``mode = "error"`` answers every command with an error envelope, ``mode = "garbage"`` with an
HTML page, ``mode = "slow"`` sleeps ``delay`` seconds first. ``requests`` logs each command.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from array import array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

TAUTULLI_INFO = {
    "tautulli_install_type": "docker",
    "tautulli_version": "v2.17.2",
    "tautulli_branch": "master",
    "tautulli_commit": "0" * 40,
    "tautulli_platform": "Linux",
    "tautulli_platform_release": "6.1",
    "tautulli_platform_version": "#1 SMP",
    "tautulli_platform_linux_distro": "Debian GNU/Linux 12",
    "tautulli_platform_device_name": "standin",
    "tautulli_python_version": "3.11.7",
}

USER_FLAGS = (
    "is_active",
    "is_admin",
    "is_home_user",
    "is_allow_sync",
    "is_restricted",
    "do_notify",
    "keep_history",
    "allow_guest",
)

HISTORY_SQL = """
SELECT h.reference_id, h.id AS row_id, h.started, h.stopped, h.paused_counter, h.view_offset,
       h.user_id, h.user, u.friendly_name, u.username, u.thumb AS user_thumb,
       u.custom_avatar_url AS custom_thumb, h.platform, h.product, h.player, h.ip_address,
       h.machine_id, h.location, h.secure, h.relayed, h.media_type, m.rating_key,
       m.parent_rating_key, m.grandparent_rating_key, m.full_title, m.title, m.parent_title,
       m.grandparent_title, m.original_title, m.year, m.media_index, m.parent_media_index,
       m.thumb, m.parent_thumb, m.grandparent_thumb, m.live, m.originally_available_at, m.guid,
       m.duration, i.transcode_decision, h.section_id
FROM session_history h
JOIN session_history_metadata m ON m.id = h.id
JOIN session_history_media_info i ON i.id = h.id
LEFT OUTER JOIN users u ON u.user_id = h.user_id
"""


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip().lstrip("-").isdigit()]


class TautulliStandIn:
    """See the module doc. Use as a context manager; ``url`` is its base address."""

    def __init__(self, db_path: Path, api_key: str):
        self.db_path = Path(db_path)
        self.api_key = api_key
        self.mode = "ok"
        self.delay = 0.0
        self.fail_history_after: int | None = None
        self.history_calls = 0
        self.requests: list[str] = []
        self._ids_lock = threading.Lock()
        self._ids_key: tuple | None = None
        self._ids = array("q")
        handler = type("Handler", (_Handler,), {"standin": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> TautulliStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    # --- answers ------------------------------------------------------------------------------

    def answer(self, params: dict[str, str]) -> tuple[int, object]:
        """``(HTTP status, body)``: the body a dict (JSON) or a str (sent as HTML)."""
        cmd = params.get("cmd", "")
        self.requests.append(cmd)
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "garbage":
            return 200, "<html><body>Bad gateway</body></html>"
        if params.get("apikey") != self.api_key:
            return 400, _envelope("error", "Invalid apikey", {})
        if self.mode == "error":
            return 400, _envelope("error", "Database is locked", None)
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            if cmd == "get_tautulli_info":
                return 200, _envelope("success", None, dict(TAUTULLI_INFO))
            if cmd == "get_server_info":
                return 200, _envelope("success", None, self.server_info(db))
            if cmd == "get_users":
                return 200, _envelope("success", None, self.users(db))
            if cmd == "get_libraries_table":
                return 200, _envelope("success", None, self.libraries(db, params))
            if cmd == "get_history":
                if not params.get("section_id") and not params.get("reference_id"):
                    self.history_calls += 1
                    limit = self.fail_history_after
                    if limit is not None and self.history_calls > limit:
                        return 500, _envelope("error", "Check the logs for errors", {})
                return 200, _envelope("success", None, self.history(db, params))
            return 400, _envelope("error", f"Unknown command: {cmd}", {})
        finally:
            db.close()

    def server_info(self, db) -> dict:
        row = db.execute(
            "SELECT server_id FROM library_sections GROUP BY server_id ORDER BY COUNT(*) DESC"
        ).fetchone()
        return {
            "pms_name": "Stand-in PMS",
            "pms_version": "1.43.0.0",
            "pms_platform": "Linux",
            "pms_ip": "127.0.0.1",
            "pms_port": 32400,
            "pms_ssl": 0,
            "pms_url": "http://127.0.0.1:32400",
            "pms_url_manual": 0,
            "pms_identifier": row[0] if row else "",
            "pms_plexpass": 1,
        }

    def users(self, db) -> list[dict]:
        users = []
        for row in db.execute("SELECT * FROM users WHERE deleted_user = 0 ORDER BY username"):
            user = {"row_id": row["id"]}
            for key in row.keys():
                if key in ("id", "deleted_user", "user_token", "server_token"):
                    continue
                user[key] = row[key]
            for flag in USER_FLAGS:
                user[flag] = int(user.get(flag) or 0)
            user["shared_libraries"] = [s for s in (row["shared_libraries"] or "").split(";") if s]
            users.append(user)
        return users

    def libraries(self, db, params) -> dict:
        rows = [
            {
                "row_id": r["id"],
                "server_id": r["server_id"],
                "section_id": r["section_id"],
                "section_name": r["section_name"],
                "section_type": r["section_type"],
                "count": r["count"],
                "parent_count": r["parent_count"],
                "child_count": r["child_count"],
                "library_thumb": r["custom_thumb_url"] or r["thumb"],
                "library_art": r["custom_art_url"] or r["art"],
                "plays": 0,
                "duration": 0,
                "last_accessed": None,
                "history_row_id": None,
                "last_played": None,
                "rating_key": None,
                "media_type": None,
                "thumb": None,
                "do_notify": r["do_notify"],
                "do_notify_created": r["do_notify_created"],
                "keep_history": r["keep_history"],
                "is_active": r["is_active"],
            }
            for r in db.execute(
                "SELECT * FROM library_sections WHERE deleted_section = 0 "
                "ORDER BY section_name COLLATE NOCASE"
            )
        ]
        start, length = int(params.get("start", 0)), int(params.get("length", 25))
        return _table(rows[start : start + length], len(rows), len(rows))

    def history(self, db, params) -> dict:
        if params.get("grouping", "") not in ("0", "false"):
            raise ValueError("the stand-in serves grouping=0 only")
        start, length, order = int(params.get("start", 0)), int(params.get("length", 25)), ""
        if params.get("json_data"):
            request = json.loads(params["json_data"])
            start, length = int(request["start"]), int(request["length"])
            for o in request.get("order", []):
                name = request["columns"][int(o["column"])]["data"]
                if name == "row_id":
                    order = f"h.id {'DESC' if o['dir'] == 'desc' else 'ASC'}"
        where, args = [], []
        # "+h.section_id": the reference_id index, never the section's (the sync's per-library
        # questions name a page of plays: a few index probes instead of a library's rows).
        for key, column in (("section_id", "+h.section_id"), ("reference_id", "h.reference_id")):
            values = _ints(params.get(key, ""))
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args += values
        if not where and order == "h.id ASC":
            return self.history_by_id(db, max(0, start), max(0, length))
        sql = HISTORY_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {order or 'h.started DESC'}"
        rows = [_history_row(r) for r in db.execute(sql, args)]
        return _table(rows[start : start + length], len(self.history_ids(db)), len(rows))

    def history_by_id(self, db, start: int, length: int) -> dict:
        """The sync's paging (all rows by id ascending): the same answer as slicing the whole
        history, read as one id range. The ids in order are kept between requests while the
        database is unchanged, so a page costs its own rows, not the whole table."""
        ids = self.history_ids(db)
        page = ids[start : start + length]
        rows = []
        if page:
            sql = HISTORY_SQL + " WHERE h.id BETWEEN ? AND ? ORDER BY h.id"
            rows = [_history_row(r) for r in db.execute(sql, (page[0], page[-1]))]
        return _table(rows, len(ids), len(ids))

    def history_ids(self, db) -> array:
        """Every row id of the joined history, ascending (cached per database state)."""
        # The database's state: its file change counter (bumped by every commit outside WAL
        # mode), the files' times and sizes (WAL mode) and the highest id.
        with open(self.db_path, "rb") as header:
            counter = header.read(28)[24:28]
        stats = [self.db_path.stat()]
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        if wal.exists():
            stats.append(wal.stat())
        key = (
            counter,
            *((s.st_mtime_ns, s.st_size) for s in stats),
            db.execute("SELECT MAX(id) FROM session_history").fetchone()[0],
        )
        with self._ids_lock:
            if self._ids_key != key:
                self._ids = array(
                    "q",
                    (
                        r[0]
                        for r in db.execute(
                            "SELECT h.id FROM session_history h "
                            "JOIN session_history_metadata m ON m.id = h.id "
                            "JOIN session_history_media_info i ON i.id = h.id ORDER BY h.id"
                        )
                    ),
                )
                self._ids_key = key
            return self._ids


def _history_row(r) -> dict:
    play = (r["stopped"] - r["started"] if r["stopped"] else 0) - (r["paused_counter"] or 0)
    duration = r["duration"] or 0
    percent = int((r["view_offset"] or 0.1) / (duration or 1.0) * 100)
    thumb = (
        (r["parent_thumb"] or r["grandparent_thumb"])
        if r["media_type"] == "episode"
        else r["thumb"]
    )
    return {
        "reference_id": r["reference_id"],
        "row_id": r["row_id"],
        "id": r["row_id"],
        "date": r["started"],
        "started": r["started"],
        "stopped": r["stopped"],
        "duration": play,
        "play_duration": play,
        "paused_counter": r["paused_counter"],
        "user_id": r["user_id"],
        "user": r["user"],
        "friendly_name": r["friendly_name"] or r["username"],
        "user_thumb": r["custom_thumb"] or r["user_thumb"],
        "platform": r["platform"],
        "product": r["product"],
        "player": r["player"],
        "ip_address": r["ip_address"],
        "live": r["live"],
        "machine_id": r["machine_id"],
        "location": r["location"],
        "secure": r["secure"],
        "relayed": r["relayed"],
        "media_type": r["media_type"],
        "rating_key": r["rating_key"],
        "parent_rating_key": r["parent_rating_key"],
        "grandparent_rating_key": r["grandparent_rating_key"],
        "full_title": r["full_title"],
        "title": r["title"],
        "parent_title": r["parent_title"],
        "grandparent_title": r["grandparent_title"],
        "original_title": r["original_title"],
        "year": r["year"],
        "media_index": r["media_index"],
        "parent_media_index": r["parent_media_index"],
        "thumb": thumb,
        "originally_available_at": r["originally_available_at"],
        "guid": r["guid"],
        "transcode_decision": r["transcode_decision"],
        "percent_complete": percent,
        "watched_status": 0,
        "group_count": None,
        "group_ids": None,
        "state": None,
        "session_key": None,
    }


def _table(rows: list, total: int, filtered: int) -> dict:
    return {
        "recordsFiltered": filtered,
        "recordsTotal": total,
        "data": rows,
        "draw": 1,
        "filter_duration": "0",
        "total_duration": "0",
    }


def _envelope(result: str, message, data) -> dict:
    return {"response": {"result": result, "message": message, "data": data}}


class _Handler(BaseHTTPRequestHandler):
    standin: TautulliStandIn
    protocol_version = "HTTP/1.1"  # keep-alive, as CherryPy (every answer has a length)

    def do_GET(self):  # noqa: N802 (http.server's name)
        parsed = urlparse(self.path)
        if parsed.path.rstrip("/") != "/api/v2":
            self._send(404, "Not found")
            return
        params = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        try:
            status, body = self.standin.answer(params)
        except Exception:  # noqa: BLE001 (as Tautulli: a command that raised is a 500)
            status, body = 500, _envelope("error", "Check the logs for errors", {})
        self._send(status, body)

    def _send(self, status: int, body) -> None:
        if isinstance(body, str):
            data, kind = body.encode(), "text/html"
        else:
            data, kind = json.dumps(body).encode(), "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args):  # quiet: requests carry the API key
        return
