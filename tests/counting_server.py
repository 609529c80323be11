"""An HTTP server on 127.0.0.1 that answers anything and counts what it was asked: the
no-network tests (the reader, the page renderer) point hostile documents at it and
assert that nothing was fetched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingHandler(BaseHTTPRequestHandler):
    """Answers anything, and remembers what was asked in `requests`."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    do_POST = do_GET  # noqa: N815 - the http.server API

    def log_message(self, *args):
        pass


@contextmanager
def counting_server() -> Iterator[int]:
    """Serve until the block ends; yields the port. `CountingHandler.requests` starts empty."""
    CountingHandler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
