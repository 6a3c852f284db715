"""A small HTTP server for tests: serves a folder on loopback with HEAD and
single Range requests (what GDAL's /vsicurl/ needs), counts requests, and can
be told to fail: every request (fail_with), or chosen GETs (add_fault) with
an HTTP status, a reset connection or a body shorter than announced; HEAD
answers can be delayed (head_delay), as a distant server's would be."""
import email.utils
import http.server
import os
import re
import threading
import time


class RangeRequestHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _target(self):
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        full = os.path.join(self.server.root, path)
        if not full.startswith(self.server.root) or not os.path.isfile(full):
            return None
        return full

    def _send_error_if_asked(self):
        if self.server.fail_with:
            self.send_response(self.server.fail_with)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        return False

    def _start(self, method, rng):
        """Logs the request; the file to serve, or None once answered."""
        self.server.requests.append((method, self.path, rng))
        self.server.request_headers.append(dict(self.headers))
        if self._send_error_if_asked():
            return None
        full = self._target()
        if full is None:
            self.send_error(404)
        return full

    def _send_validators(self, full):
        """ETag and Last-Modified as nginx derives them (mtime, size)."""
        st = os.stat(full)
        self.send_header("ETag", '"%x-%x"' % (st.st_mtime_ns, st.st_size))
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))

    def do_HEAD(self):
        full = self._start("HEAD", None)
        if full is None:
            return
        time.sleep(self.server.head_delay)
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(full)))
        self.send_header("Accept-Ranges", "bytes")
        self._send_validators(full)
        self.end_headers()

    def _fault_for(self, rng):
        """The first armed fault matching this GET (and disarms one use)."""
        m = re.match(r"bytes=(\d+)-(\d*)", rng or "")
        start = int(m.group(1)) if m else 0
        end = int(m.group(2)) if m and m.group(2) else None
        with self.server.lock:
            for fault in self.server.faults:
                if fault["times"] <= 0:
                    continue
                if fault["path"] and self.path.split("?")[0] != fault["path"]:
                    continue
                off = fault["offset"]
                if off is not None and not (start <= off and (end is None or off <= end)):
                    continue
                fault["times"] -= 1
                fault["used"] += 1
                return fault["kind"]
        return None

    def _apply_fault(self, kind, full, rng):
        """Answers the request the way the fault says; True once answered."""
        if kind is None:
            return False
        if kind == "reset":
            # Close without any answer (the client sees a reset/empty reply).
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if kind == "short":
            m = re.match(r"bytes=(\d+)-(\d*)", rng or "")
            size = os.path.getsize(full)
            start = int(m.group(1)) if m else 0
            end = min(int(m.group(2)) if m and m.group(2) else size - 1, size - 1)
            with open(full, "rb") as f:
                f.seek(start)
                body = f.read(end - start + 1)
            self.send_response(206 if m else 200)
            if m:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        self.send_response(int(kind))
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def do_GET(self):
        rng = self.headers.get("Range")
        full = self._start("GET", rng)
        if full is None:
            return
        if self._apply_fault(self._fault_for(rng), full, rng):
            return
        size = os.path.getsize(full)
        with open(full, "rb") as f:
            m = re.match(r"bytes=(\d+)-(\d*)", rng or "")
            if m:
                start = int(m.group(1))
                end = min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
                if start >= size:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                f.seek(start)
                body = f.read(end - start + 1)
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            else:
                body = f.read()
                self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self._send_validators(full)
        self.end_headers()
        self.wfile.write(body)


class RangeServer:
    """Context manager: `with RangeServer(folder) as srv: srv.url + '/file'`."""

    def __init__(self, root):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeRequestHandler)
        self.httpd.root = os.path.abspath(root)
        self.httpd.requests = []
        self.httpd.request_headers = []  # of each request, in the order of requests
        self.httpd.fail_with = None
        self.httpd.head_delay = 0.0  # seconds before each HEAD is answered
        self.httpd.faults = []
        self.httpd.lock = threading.Lock()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self):
        return self.httpd.requests

    @property
    def request_headers(self):
        return self.httpd.request_headers

    def fail_with(self, status):
        self.httpd.fail_with = status

    def head_delay(self, seconds):
        self.httpd.head_delay = seconds

    def add_fault(self, kind, times=1, path=None, offset=None):
        """The next `times` GETs of `path` (any when None) whose range holds
        byte `offset` (any when None) get `kind`: an HTTP status code,
        "reset" (connection closed unanswered) or "short" (half the body
        announced). Returns the fault; its "used" counts the hits."""
        fault = {"kind": kind, "times": times, "path": path, "offset": offset, "used": 0}
        with self.httpd.lock:
            self.httpd.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.httpd.lock:
            self.httpd.faults.clear()

    def gets(self, path):
        """Number of GET requests of `path` so far."""
        return sum(1 for r in list(self.httpd.requests) if r[0] == "GET" and r[1] == path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
