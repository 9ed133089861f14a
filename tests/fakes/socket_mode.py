"""A fake Slack Socket Mode endpoint: a real WebSocket server on loopback, one client at a time.

Speaks just enough of RFC 6455 for slack_sdk's built-in Socket Mode client: the upgrade
handshake, unmasked text frames to the client, masked frames (text, ping, close) from it.
The test pushes envelopes with `send` and reads the app's acknowledgements with `acks`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import socket
import struct
import threading
from types import TracebackType
from typing import Any, Self

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OPCODE_TEXT, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """Accepts the app's WebSocket, says hello, relays envelopes and collects acknowledgements."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self._client: socket.socket | None = None
        self._connected = threading.Event()
        self._received: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-socket-mode")
        self._write_lock = threading.Lock()

    @property
    def url(self) -> str:
        """What apps.connections.open should hand out."""
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._listener.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_connected(self, timeout: float = 10) -> None:
        """Block until the app has connected and been greeted."""
        if not self._connected.wait(timeout):
            raise TimeoutError("the app did not connect to Socket Mode")

    def send(self, envelope: dict[str, Any]) -> None:
        """Push one envelope (events_api, slash_commands, interactive…) to the app."""
        self._write(OPCODE_TEXT, json.dumps(envelope).encode())

    def ack(self, timeout: float = 10) -> dict[str, Any]:
        """The next message the app sent back (an acknowledgement {"envelope_id": …})."""
        return self._received.get(timeout=timeout)

    def _serve(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self._client = client
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        client.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        self._connected.set()
        reader = client.makefile("rb")
        try:
            while True:
                opcode, payload = self._read_frame(reader)
                if opcode == OPCODE_TEXT:
                    self._received.put(json.loads(payload))
                elif opcode == OPCODE_PING:
                    self._write(OPCODE_PONG, payload)
                elif opcode == OPCODE_CLOSE:
                    return
        except (OSError, ValueError, struct.error):
            return

    @staticmethod
    def _read_frame(reader: Any) -> tuple[int, bytes]:
        first, second = reader.read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", reader.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", reader.read(8))
        mask = reader.read(4) if second & 0x80 else b"\0\0\0\0"
        data = reader.read(length)
        return first & 0x0F, bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))

    def _write(self, opcode: int, payload: bytes) -> None:
        if self._client is None:
            raise RuntimeError("no Socket Mode client connected")
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self._write_lock:
            self._client.sendall(header + payload)
