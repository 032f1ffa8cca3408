"""A minimal RFC 6455 websocket, server side, for the fake PMS's ``/:/websockets/notifications``.

Enough for plexapi's ``AlertListener`` (websocket-client): the upgrade handshake
(:func:`accept_key`), unmasked text frames server → client (:meth:`WebSocketConnection.send_text`),
answering pings with pongs and closes with a close (:meth:`WebSocketConnection.serve`), and, to
provoke a connection that dies without closing, going :attr:`~WebSocketConnection.silent`.
No extensions, no fragmentation of what we send; client frames may be fragmented or not,
only their opcode matters here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def accept_key(client_key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key`` (RFC 6455 section 4.2.2)."""
    digest = hashlib.sha1((client_key.strip() + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked server frame (RFC 6455 section 5.2)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


def _read_exact(rfile, count: int) -> bytes:
    data = rfile.read(count) if count else b""
    if len(data) < count:
        raise ConnectionError("websocket closed mid-frame")
    return data


def read_frame(rfile) -> tuple[int, bytes]:
    """(opcode, unmasked payload) of the next client frame; ConnectionError at end of stream."""
    first, second = _read_exact(rfile, 2)
    opcode = first & 0x0F
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exact(rfile, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exact(rfile, 8))
    mask = _read_exact(rfile, 4) if second & 0x80 else b""
    payload = _read_exact(rfile, length)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload


class WebSocketConnection:
    """One upgraded connection: the handler thread runs :meth:`serve`; others call :meth:`send_json`."""

    def __init__(self, sock: socket.socket, rfile):
        self.sock = sock
        self.rfile = rfile
        self._write_lock = threading.Lock()
        self.closed = threading.Event()
        # True: the connection stays open but nothing more is sent (no message, pong or close),
        # as a connection whose peer vanished without closing it.
        self.silent = False
        self.pings = 0  # pings received from the client (answered unless silent)

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._write_lock:
            if self.closed.is_set() or self.silent:
                return
            try:
                self.sock.sendall(encode_frame(opcode, payload))
            except OSError:
                self.closed.set()

    def send_text(self, text: str) -> None:
        """Send one text frame (dropped silently once the connection is closed)."""
        self._send(OP_TEXT, text.encode("utf-8"))

    def send_json(self, message: dict) -> None:
        """Send ``message`` as a JSON text frame."""
        self.send_text(json.dumps(message))

    def close(self, code: int = 1000) -> None:
        """Send a close frame and shut the socket (the reading side then ends :meth:`serve`)."""
        self._send(OP_CLOSE, struct.pack("!H", code))
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def serve(self) -> None:
        """Read client frames until close or EOF: pong each ping, echo a close."""
        try:
            while not self.closed.is_set():
                opcode, payload = read_frame(self.rfile)
                if opcode == OP_PING:
                    self.pings += 1
                    self._send(OP_PONG, payload)
                elif opcode == OP_CLOSE:
                    self._send(OP_CLOSE, payload[:2])
                    break
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            self.closed.set()
