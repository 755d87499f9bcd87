"""Fault injection: a TCP proxy that can take a server away, and mail servers
that refuse, hang, or work (recording what they receive)."""

import contextlib
import socket
import threading

from aiosmtpd.handlers import Sink


class TcpProxy:
    """Forwards a local port to a server, and can play that server's outage.

    `go_down()` cuts every open connection and turns new ones away, as a
    database server does when it crashes or restarts; `come_back()` lets
    connections through again. Nothing else is touched, so the real server
    keeps serving the test run itself.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc_info) -> None:
        self.listener.close()
        self.go_down()

    def go_down(self) -> None:
        with self._lock:
            self.up = False
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def come_back(self) -> None:
        with self._lock:
            self.up = True

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                if not self.up:
                    _close(client)
                    continue
                server = socket.create_connection(self.target)
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with self._lock:
            for sock in (source, sink):
                self._open.discard(sock)
                _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def smtp_mailers(port: int, *, timeout: float = 2) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": timeout},
        }
    }


class RefusingMailServer:
    """Nothing listens on the port: every connection is refused at once."""

    error = "ConnectionRefusedError"

    def __init__(self) -> None:
        self.port = free_port()

    def stop(self) -> None:
        pass


class HangingMailServer:
    """Takes the connection and never says a word, like a wedged mail server."""

    # smtplib reports its read timeout as "Connection unexpectedly closed: timed out".
    error = "SMTPServerDisconnected"

    def __init__(self) -> None:
        # The kernel completes the handshake for connections waiting to be
        # accepted: the client is connected and waits for a greeting that
        # never comes.
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    def stop(self) -> None:
        self.listener.close()


class RecordingHandler(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
