"""Fault injection for the drills: a TCP proxy that can take a server away."""

import contextlib
import socket
import threading


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
