"""Loopback stand-ins for the services notification agents deliver to (for tests).

Importable by any test module; not a test module itself.

* :class:`HttpReceiver`: a threaded ``http.server`` on ``127.0.0.1:<free port>`` that records
  every request as :class:`ReceivedRequest` (method, path, headers, body) and answers
  ``status`` (200 by default; set ``receiver.status = 500`` to test failures and retries, or
  ``receiver.stop()`` to refuse connections).
* :class:`SmtpReceiver`: an aiosmtpd ``Controller`` on ``127.0.0.1:<free port>`` recording
  every message as :class:`ReceivedMail` (envelope sender, recipients, parsed message).
* :class:`MqttSubscriber`: a paho-mqtt client subscribed to a topic on the machine's Mosquitto
  (``127.0.0.1:1883``), collecting payloads; :meth:`MqttSubscriber.wait_for` blocks until a
  message arrives.

Each is a context manager (``with HttpReceiver() as rx: ...``); the pytest fixtures of the
same purpose are in ``notifications/tests/conftest.py``.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedRequest:
    """One request an :class:`HttpReceiver` got. ``headers`` keys are lower-cased;
    ``received_at``: when its body had been read, epoch seconds (``time.time()``)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    # A service takes many connections at once (a burst of deliveries from several workers);
    # socketserver's default backlog of 5 refuses the rest.
    request_queue_size = 128


class HttpReceiver:
    """An HTTP server on the loopback that records requests.

    Attributes: ``url`` (``http://127.0.0.1:<port>``), ``host``, ``port``, ``requests`` (list of
    :class:`ReceivedRequest`, in arrival order), ``status`` (the status code answered, 200 by
    default), ``response_body`` (bytes answered, ``b'{}'`` by default, JSON content type).
    """

    def __init__(self, status: int = 200, response_body: bytes = b"{}"):
        self.status = status
        self.response_body = response_body
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # answer in one go, as a real service does

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with receiver._arrived:
                    receiver.requests.append(request)
                    receiver._arrived.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.response_body)))
                self.end_headers()
                self.wfile.write(receiver.response_body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format, *args):  # keep test output quiet
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._running = True

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until at least ``count`` requests arrived (``TimeoutError`` after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.requests)} of {count} requests arrived")
                self._arrived.wait(remaining)
            return list(self.requests)

    @property
    def last(self) -> ReceivedRequest:
        """The latest request (``IndexError`` when none arrived)."""
        return self.requests[-1]

    def stop(self):
        """Stop serving and close the port: later connections are refused."""
        if self._running:
            self._running = False
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class ReceivedMail:
    """One message an :class:`SmtpReceiver` got: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def parts(self) -> dict[str, str]:
        """The text parts by content type, e.g. ``{"text/plain": ..., "text/html": ...}``."""
        found = {}
        for part in self.message.walk():
            if part.get_content_maintype() == "text":
                found.setdefault(part.get_content_type(), part.get_content())
        return found


class SmtpReceiver:
    """An SMTP server (aiosmtpd) on the loopback that records messages, no auth, no TLS.

    Attributes: ``host``, ``port``, ``messages`` (list of :class:`ReceivedMail`).
    """

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                )
                with receiver._arrived:
                    receiver.messages.append(
                        ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)
                    )
                    receiver._arrived.notify_all()
                return "250 OK"

        self.host = "127.0.0.1"
        self.port = _free_port()
        self._controller = Controller(Handler(), hostname=self.host, port=self.port)
        self._controller.start()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until at least ``count`` messages arrived (``TimeoutError`` after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(remaining)
            return list(self.messages)

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class MqttSubscriber:
    """Subscribes to ``topic`` on the Mosquitto broker at ``host:port`` and collects payloads.

    ``topic`` defaults to a unique ``tautulli-test/<hex>`` so parallel tests do not see each
    other's messages. Use :meth:`start` (or the context manager), then :meth:`wait_for`.
    """

    topic: str = field(default_factory=lambda: f"tautulli-test/{uuid.uuid4().hex}")
    host: str = "127.0.0.1"
    port: int = 1883
    messages: list[tuple[str, bytes]] = field(default_factory=list)

    def __post_init__(self):
        self._arrived = threading.Condition()
        self._subscribed = threading.Event()
        self._client = None

    def start(self, timeout: float = 5.0) -> MqttSubscriber:
        """Connect and subscribe; returns once the broker acknowledged the subscription."""
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{uuid.uuid4().hex}")

        def on_connect(client, userdata, flags, reason_code, properties):
            client.subscribe(self.topic, qos=1)

        def on_subscribe(client, userdata, mid, reason_codes, properties):
            self._subscribed.set()

        def on_message(client, userdata, msg):
            with self._arrived:
                self.messages.append((msg.topic, msg.payload))
                self._arrived.notify_all()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect(self.host, self.port, keepalive=30)
        client.loop_start()
        self._client = client
        if not self._subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"no subscription to {self.topic} on {self.host}:{self.port}")
        return self

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[tuple[str, bytes]]:
        """Block until ``count`` messages arrived; returns ``[(topic, payload bytes), ...]``."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} MQTT messages arrived")
                self._arrived.wait(remaining)
            return list(self.messages)

    def stop(self):
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
            self._client = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _free_port() -> int:
    """A TCP port free on the loopback right now (aiosmtpd needs a port number up front)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_queued_tasks(limit: int = 100) -> list:
    """Run the django-q2 tasks waiting in the database broker, oldest first, as a cluster's
    worker would after a (re)start, including tasks those tasks enqueue; returns their results.

    Reads the broker's table directly (not ``broker.dequeue``, which compares lock times with
    the clock, frozen in tests).
    """
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    results = []
    for _ in range(limit):
        queued = OrmQ.objects.order_by("id").first()
        if queued is None:
            break
        task = SignedPackage.loads(queued.payload)
        queued.delete()
        func = task["func"]
        func = import_string(func) if isinstance(func, str) else func
        results.append(func(*task.get("args", ()), **task.get("kwargs", {})))
    return results


def run_due_retries() -> list:
    """Run the one-off schedules (delivery retries) as if their time had come; returns their
    results. Each schedule is deleted once run, as django-q2 does with a one-off schedule."""
    import ast

    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    results = []
    for planned in Schedule.objects.filter(schedule_type=Schedule.ONCE).order_by("id"):
        func = import_string(planned.func)
        args = ast.literal_eval(planned.args or "()")
        planned.delete()
        results.append(func(*args))
    return results
