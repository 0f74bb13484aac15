"""Serve a watched book on 127.0.0.1 and tell open pages to reload when it is rebuilt.

Plain HTTP from the standard library plus server-sent events: the page keeps one
`EventSource('/events')` open and reloads itself when the build's version moves on.
No websocket library, no script to install in the author's templates: the small
script and the problems banner are put into the page as it is served.

Routes: `/` the preview; `/events` the reload stream; `/status.json` the current
build's version, problems and timing; with --pdf, `/book.pdf`, `/pages` (every page
as a thumbnail, to spot a hole without a PDF viewer) and `/pages/N.png`.
"""

from __future__ import annotations

import errno
import json
import shutil
import socket
import subprocess
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chapterbook.watch.session import Build, Session, problems_html

HOST = "127.0.0.1"  # never another interface: a draft book is nobody else's business
KEEPALIVE_S = 15.0
THUMB_DPI = 40

_STYLE = """<style>
#chapterbook-problems{position:sticky;top:0;z-index:1000;margin:0;padding:.6em 1em;font:15px/1.4 system-ui,sans-serif;
 background:#fff4e5;border-bottom:3px solid #d97706;color:#222;white-space:pre-wrap}
#chapterbook-problems.error{background:#fdecec;border-color:#c62828}
#chapterbook-problems ul{margin:.3em 0 0;padding-left:1.2em}
#chapterbook-bar{position:fixed;right:.6em;bottom:.6em;z-index:1000;font:13px system-ui,sans-serif;background:#fffc;
 padding:.2em .6em;border-radius:.4em;box-shadow:0 0 4px #0003}
</style>"""

_SCRIPT = """<script>
(function(){
  var version = %d;
  var key = "chapterbook-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) { window.scrollTo(0, +saved); sessionStorage.removeItem(key); }
  var source = new EventSource("/events?since=" + version);
  source.onmessage = function(event){
    if (+event.data !== version) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
  };
})();
</script>"""


def decorate(page: str, build: Build, links: str = "") -> str:
    """`page` with the problems banner after <body> and the reload script before </body>."""
    banner = problems_html(build)
    bar = f'<div id="chapterbook-bar">{links}</div>' if links else ""
    top = _STYLE + banner
    lower = page.lower()
    at = lower.find("<body")
    if at != -1 and (end := lower.find(">", at)) != -1:
        page = page[: end + 1] + top + page[end + 1 :]
    else:
        page = top + page
    tail = bar + _SCRIPT % build.version
    at = page.lower().rfind("</body>")
    return page[:at] + tail + page[at:] if at != -1 else page + tail


def empty_page(build: Build) -> str:
    """What is shown before the book has ever built."""
    return decorate("<!doctype html><html><head><meta charset='utf-8'><title>chapterbook</title></head><body></body></html>", build)


class WatchServer(ThreadingHTTPServer):
    """The HTTP server of one watch session; handler threads are daemons and end with it."""

    daemon_threads = True
    allow_reuse_address = False  # a port another program holds must show as taken, not be shared

    def __init__(self, session: Session, port: int):
        self.session = session
        self.stopping = threading.Event()
        self._thumbs: dict[tuple[int, int], bytes] = {}
        super().__init__((HOST, port), Handler)

    def stop(self) -> None:
        self.stopping.set()
        self.session.wake()
        self.shutdown()
        self.server_close()

    def thumbnail(self, build: Build, page: int) -> bytes | None:
        """Page `page` of the current PDF as a small PNG, made once per build."""
        key = (build.version, page)
        if key not in self._thumbs and build.pdf is not None and shutil.which("pdftoppm"):
            done = subprocess.run(
                ["pdftoppm", "-png", "-r", str(THUMB_DPI), "-f", str(page), "-l", str(page), "-singlefile", str(build.pdf)],
                capture_output=True,
                timeout=30,
                check=False,
            )
            if done.returncode != 0:
                return None
            self._thumbs = {k: v for k, v in self._thumbs.items() if k[0] == build.version}  # older builds' pages go
            self._thumbs[key] = done.stdout
        return self._thumbs.get(key)


def open_server(session: Session, port: int) -> WatchServer:
    """A server on `port`, or on a free port the system picks when that one is taken."""
    try:
        return WatchServer(session, port)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
    return WatchServer(session, 0)


def port_of(server: WatchServer) -> int:
    return int(server.server_address[1])


class Handler(BaseHTTPRequestHandler):
    server: WatchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass  # the terminal is for the author: problems and rebuilds, not every request

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        path = self.path.split("?", 1)[0]
        build = self.server.session.current
        try:
            if path in ("/", "/index.html"):
                page = build.preview if build.preview is not None else None
                links = '<a href="/pages">Pages</a> · <a href="/book.pdf">PDF</a>' if self.server.session.pdf else ""
                body = decorate(page, build, links) if page is not None else empty_page(build)
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", body.encode("utf-8"))
            elif path == "/events":
                self._events(build)
            elif path == "/status.json":
                status = {
                    "version": build.version,
                    "failed": build.failed,
                    "seconds": round(build.seconds, 4),
                    "pages": build.pages,
                    "problems": [p.format() for p in build.problems],
                }
                self._send(HTTPStatus.OK, "application/json", json.dumps(status).encode("utf-8"))
            elif path == "/book.pdf" and build.pdf is not None:
                self._send(HTTPStatus.OK, "application/pdf", build.pdf.read_bytes())
            elif path == "/pages" and build.pdf is not None:
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", decorate(pages_page(build), build).encode("utf-8"))
            elif path.startswith("/pages/") and path.endswith(".png") and build.pdf is not None:
                number = path[len("/pages/") : -len(".png")]
                png = self.server.thumbnail(build, int(number)) if number.isdigit() and 1 <= int(number) <= build.pages else None
                if png is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain", b"no such page")
                else:
                    self._send(HTTPStatus.OK, "image/png", png)
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away mid-answer (a reload): nothing to do

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self, build: Build) -> None:
        """The reload stream: the current version at once, then each new one, with keep-alive comments."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = build.version
        self.wfile.write(f"retry: 500\ndata: {seen}\n\n".encode())
        self.wfile.flush()
        while not self.server.stopping.is_set():
            newer = self.server.session.wait_for_change(seen, KEEPALIVE_S)
            if self.server.stopping.is_set():
                return
            if newer.version != seen:
                seen = newer.version
                self.wfile.write(f"data: {seen}\n\n".encode())
            else:
                self.wfile.write(b": still here\n\n")
            self.wfile.flush()


def pages_page(build: Build) -> str:
    """Every page of the PDF as a thumbnail, in spreads as a reader sees them (page 1 alone on the right)."""
    cells = ['<div class="page blank"></div>']  # page 1 is a recto: it sits on the right
    cells += [
        f'<figure class="page"><a href="/book.pdf#page={n}"><img loading="lazy" src="/pages/{n}.png?v={build.version}" '
        f'alt="page {n}"></a><figcaption>{n}</figcaption></figure>'
        for n in range(1, build.pages + 1)
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Pages</title><style>"
        "body{font:14px system-ui,sans-serif;background:#e9e6df;margin:1em}"
        ".grid{display:grid;grid-template-columns:repeat(6,1fr);gap:1.2em .1em}"
        ".page{margin:0;text-align:center}.page:nth-child(odd){margin-left:1.2em}.page img{width:100%;background:#fff;box-shadow:0 1px 4px #0004}"
        "figcaption{color:#555}</style></head><body>"
        f"<p><a href='/'>&larr; Preview</a> · {build.pages} pages · "
        f"<a href='/book.pdf'>open the PDF</a></p><div class='grid'>{''.join(cells)}</div></body></html>"
    )


def free_port() -> int:
    """A port nobody is listening on at this moment (for tests)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])
