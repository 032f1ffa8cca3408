"""A threaded HTTP server on 127.0.0.1 (a free port) answering JSON routes, recording every
request, checking ``X-Api-Key`` and able to fail on demand."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class Reply(Exception):
    """Raised by a route to answer with ``status`` and ``body`` (JSON)."""

    def __init__(self, status: int, body=None):
        super().__init__(status)
        self.status = status
        self.body = body


class FakeService:
    """Base of the fakes. Subclasses list ``routes``: ``(method, regex, handler name)``; a
    handler gets ``(match, query, body)`` and returns the JSON body (``None``: empty 200).

    ``requests``: every request received, ``{"method", "path", "query", "json"}`` (``query``
    a dict of the last value per name). ``fail = 500`` answers every request with that status;
    :meth:`stop` takes the server down (connection refused). ``overrides[(method, path)] =
    (status, body)`` answers that one request so (e.g. a 404 for an item deleted meanwhile).
    """

    api_key = "test-key"
    routes: list[tuple[str, str, str]] = []

    def __init__(self):
        self.requests: list[dict] = []
        self.fail: int | None = None
        self.overrides: dict[tuple[str, str], tuple[int, object]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self):
        """Shut the server down (later requests: connection refused)."""
        self.server.shutdown()
        self.server.server_close()

    def sent(self, method: str | None = None) -> list[dict]:
        """The requests received (of ``method``), without ``GET`` when ``method`` is "write":
        every PUT / POST / DELETE."""
        if method == "write":
            return [r for r in self.requests if r["method"] != "GET"]
        return [r for r in self.requests if method is None or r["method"] == method]

    def _serve(self, handler):
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self.lock:
            self.requests.append(
                {"method": handler.command, "path": parts.path, "query": query, "json": body}
            )
            try:
                status, payload = self._dispatch(handler, parts.path, query, body)
            except Reply as reply:
                status, payload = reply.status, reply.body
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        if data:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _dispatch(self, handler, path, query, body):
        if self.fail:
            return self.fail, {"message": "Internal failure (fake)"}
        if handler.headers.get("X-Api-Key") != self.api_key:
            return 401, {"message": "Unauthorized"}
        if (handler.command, path) in self.overrides:
            return self.overrides[(handler.command, path)]
        for method, pattern, name in self.routes:
            match = re.fullmatch(pattern, path)
            if match and method == handler.command:
                return 200, getattr(self, name)(match, query, body)
        return 404, {"message": "NotFound"}


def is_true(value) -> bool:
    return str(value).lower() == "true"
