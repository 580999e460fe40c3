"""A loopback stand-in for the ClickHouse HTTP interface, backed by a real ClickHouse engine (chdb).

Only the transport is imitated; every query runs in chdb (ClickHouse in-process), so the SQL the
module sends is parsed, planned and executed by ClickHouse itself, against real system tables.
What it imitates of the server's HTTP interface (https://clickhouse.com/docs/interfaces/http):

* the query in the ``query`` URL parameter (GET) or the body (POST), or both (the parameter
  first, then the body);
* credentials as ``X-ClickHouse-User`` / ``X-ClickHouse-Key`` headers, HTTP basic auth, or
  ``user`` / ``password`` URL parameters; wrong ones get 516 AUTHENTICATION_FAILED;
* GET runs read-only: anything but SELECT/WITH/SHOW/DESCRIBE/EXISTS gets 164 READONLY;
* the format from the query's ``FORMAT`` clause (default TabSeparated); errors as HTTP 500 (404
  for an unknown table, as the server does) with ``Code: N. DB::Exception: ...`` in the body and
  the ``X-ClickHouse-Exception-Code`` header;
* ``/ping`` answers ``Ok.``;
* the server's JSON default of quoting 64-bit integers (``output_format_json_quote_64bit_integers``).

chdb allows one session per process, so one server per test session is shared; tests create
their own databases in it.
"""

from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

READ_ONLY_STATEMENTS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN")
_CODE = re.compile(r"Code: (\d+)")


class ChdbHttpServer:
    """``with ChdbHttpServer(user, password) as ch: ch.url, ch.execute(sql)``."""

    def __init__(self, user: str = "default", password: str = "", host: str = "127.0.0.1"):
        from chdb import session

        self.user, self.password = user, password
        self.session = session.Session()
        # The server quotes 64-bit integers in JSON by default (chdb does not): clients must cope.
        self.session.query("SET output_format_json_quote_64bit_integers = 1")
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.httpd = HTTPServer((host, 0), self._handler())
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ChdbHttpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.session.close()

    def execute(self, sql: str, fmt: str = "TabSeparated") -> str:
        """Run SQL directly (test setup: create tables, insert rows)."""
        with self.lock:
            return str(self.session.query(sql, fmt))

    # ------------------------------------------------------------------ HTTP
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, body: str, code: str | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                if code:
                    self.send_header("X-ClickHouse-Exception-Code", code)
                self.end_headers()
                self.wfile.write(data)

            def _credentials(self, params):
                user = self.headers.get("X-ClickHouse-User")
                key = self.headers.get("X-ClickHouse-Key")
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    user, _sep, key = base64.b64decode(auth[6:]).decode().partition(":")
                user = user or params.get("user", [None])[0] or "default"
                key = key if key is not None else params.get("password", [""])[0]
                return user, key

            def _handle(self, method: str) -> None:
                split = urlsplit(self.path)
                params = parse_qs(split.query)
                if split.path == "/ping":
                    self._send(200, "Ok.\n")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = (params.get("query", [""])[0] + ("\n" + body if body else "")).strip()
                user, key = self._credentials(params)
                server.requests.append({"method": method, "user": user, "query": query})
                if (user, key) != (server.user, server.password):
                    self._send(
                        403,
                        f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, "
                        "or there is no user with such name. (AUTHENTICATION_FAILED)\n",
                        "516",
                    )
                    return
                if not query:
                    self._send(200, "Ok.\n")
                    return
                if method == "GET" and query.split(None, 1)[0].upper() not in READ_ONLY_STATEMENTS:
                    self._send(
                        500,
                        "Code: 164. DB::Exception: Cannot execute query in readonly mode. "
                        "For queries over HTTP, method GET implies readonly. (READONLY)\n",
                        "164",
                    )
                    return
                try:
                    with server.lock:
                        result = server.session.query(query, "TabSeparated")
                except Exception as exc:  # chdb raises a plain RuntimeError with the server's message
                    message = str(exc)
                    match = _CODE.search(message)
                    code = match.group(1) if match else "1002"
                    status = 404 if code == "60" else 500
                    self._send(status, message if message.startswith("Code:") else f"Code: {code}. {message}", code)
                    return
                self._send(200, str(result))

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler
