"""A small HTTP server for tests: serves a folder on loopback with HEAD and
single Range requests (what GDAL's /vsicurl/ needs), counts requests, and can
be told to fail."""
import email.utils
import http.server
import os
import re
import threading


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
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(full)))
        self.send_header("Accept-Ranges", "bytes")
        self._send_validators(full)
        self.end_headers()

    def do_GET(self):
        rng = self.headers.get("Range")
        full = self._start("GET", rng)
        if full is None:
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
        self.httpd.fail_with = None
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self):
        return self.httpd.requests

    def fail_with(self, status):
        self.httpd.fail_with = status

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
