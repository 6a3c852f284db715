"""How bench_network.py puts a round-trip delay between the clients and its
HTTP server, and how it counts requests and bytes. Three modes:

  netem  the kernel delays the packets: a `prio` qdisc on loopback whose
         fourth band (which the default priority map never uses) is a
         `netem` delay of half the round trip, and u32 filters sending only
         the server's port to it, both directions (dport and sport), so the
         round trip is the stated delay and connection setup, slow start
         and the transfer pay it as on a real network. Other loopback
         traffic (other tests' servers) is untouched. Needs root and a
         kernel with sch_prio and sch_netem; lo must have no qdisc of its
         own. The qdisc is removed when the bench ends, also on Ctrl-C and
         SIGTERM. Requests and bytes come from nginx's access log.
  nginx  nginx waits before serving each request (`echo_sleep` of the echo
         module, libnginx-mod-http-echo), then serves the file itself
         (sendfile): one delay per request, no connection setup delay, no
         process copying the bodies. Counted from nginx's access log.
  proxy  bench/latency_proxy.py: a Python process between the clients and
         nginx delays each request and copies every byte of the answers
         (the bodies cross it in userspace, which can bound the transfer
         rate on a loaded machine). Counted by the proxy.

`auto` takes the first mode this machine permits, in that order.
"""
import atexit
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

from latency_proxy import LatencyProxy

MODES = ("netem", "nginx", "proxy")
ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"

# The qdisc tree on lo: 1: is prio with 4 bands, 1:4 holds the netem qdisc.
ROOT_HANDLE = "1:"
NETEM_PARENT = "1:4"
NETEM_HANDLE = "40:"
# Default priority map of prio (bands 0-2 only): band 4 gets only what the
# filters send to it.
PRIOMAP = "1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1".split()
NETEM_LIMIT = "100000"  # packets queued in the delay line (default 1000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, what, log=None):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not start%s" % (what, ": " + log.read_text() if log else ""))


class Nginx:
    """nginx (Debian nginx-light) serving `root` on a loopback port, with an
    access log of method, path, range and bytes sent per request; with
    delay_ms, each request waits that long first (echo module)."""

    # Bytes sent (headers included) fifth; then when the answer ended and
    # how long the request took, for tracing.
    LOG_FORMAT = "'$request_method $uri \"$http_range\" $status $bytes_sent $msec $request_time'"

    def __init__(self, root, workdir, port=None, delay_ms=None):
        self.exe = shutil.which("nginx") or "/usr/sbin/nginx"
        self.root = root
        self.port = port or free_port()
        self.prefix = pathlib.Path(workdir) / "nginx"
        (self.prefix / "logs").mkdir(parents=True, exist_ok=True)
        self.access_log = self.prefix / "logs" / "access.log"
        self.delay_ms = delay_ms

    def _config(self):
        user = "user root;" if os.geteuid() == 0 else ""
        load = "load_module %s;" % ECHO_MODULE if self.delay_ms is not None else ""
        location = ""
        if self.delay_ms is not None:
            # echo_exec to a named location serves the file (Range included)
            # after the sleep; the sleep does not block the event loop.
            location = """
    location / {
      echo_sleep %.3f;
      echo_exec @file;
    }
    location @file { }""" % (self.delay_ms / 1000.0)
        return f"""{user}
{load}
worker_processes 1;
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
  log_format bench {self.LOG_FORMAT};
  access_log {self.access_log} bench;
  client_body_temp_path {self.prefix}/tmp;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};{location}
  }}
}}
"""

    def __enter__(self):
        (self.prefix / "nginx.conf").write_text(self._config())
        self.proc = subprocess.Popen([self.exe, "-p", str(self.prefix), "-c",
                                      str(self.prefix / "nginx.conf")])
        wait_for_port(self.port, "nginx", self.prefix / "logs" / "error.log")
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


class AccessLogCounter:
    """Requests and bytes since reset(), from nginx's access log (one line
    per request, written when its answer has been sent)."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.offset = 0

    def _size(self):
        return self.path.stat().st_size if self.path.exists() else 0

    def reset(self):
        self.offset = self._size()

    def snapshot(self):
        # The last lines land just after the client has its bytes.
        size, stable_since = self._size(), time.monotonic()
        while time.monotonic() - stable_since < 0.1:
            time.sleep(0.02)
            if self._size() != size:
                size, stable_since = self._size(), time.monotonic()
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            lines = f.read().decode("latin-1").splitlines()
        log, nbytes = [], 0
        for line in lines:
            parts = line.split(" ")
            if len(parts) < 5:
                continue
            rng = parts[2].strip('"')
            log.append((parts[0], parts[1], None if rng == "-" else rng))
            nbytes += int(parts[4])
        return len(log), nbytes, log


def _tc(*args, check=True):
    proc = subprocess.run(["tc", *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError("tc %s: %s" % (" ".join(args), proc.stderr.strip()))
    return proc


class NetemDelay:
    """Kernel delay on the loopback traffic of some ports only (see the
    module's docstring). Use as a context manager; removed at exit."""

    def __init__(self, ports):
        self.ports = list(ports)
        self.installed = False

    @staticmethod
    def unavailable_reason():
        """None when netem can be installed on lo here, else why not."""
        if shutil.which("tc") is None:
            return "no tc command (iproute2)"
        if os.geteuid() != 0:
            return "not root"
        root = _tc("qdisc", "show", "dev", "lo", check=False).stdout.split("\n")[0]
        if root and not root.startswith("qdisc noqueue"):
            return "lo already has a qdisc (%s): not replacing it" % root.strip()
        return None

    def __enter__(self):
        # Removed however the bench ends: exceptions and Ctrl-C unwind
        # through __exit__, SIGTERM is turned into SystemExit, and atexit is
        # the last resort.
        self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        atexit.register(self.remove)
        try:
            _tc("qdisc", "add", "dev", "lo", "root", "handle", ROOT_HANDLE, "prio",
                "bands", "4", "priomap", *PRIOMAP)
            self.installed = True  # ours from here on (not before: never delete another's)
            _tc("qdisc", "add", "dev", "lo", "parent", NETEM_PARENT, "handle", NETEM_HANDLE,
                "netem", "delay", "0ms", "limit", NETEM_LIMIT)
            for port in self.ports:
                for direction in ("dport", "sport"):
                    _tc("filter", "add", "dev", "lo", "parent", ROOT_HANDLE, "protocol", "ip",
                        "prio", "1", "u32", "match", "ip", direction, str(port), "0xffff",
                        "flowid", NETEM_PARENT)
        except BaseException:
            self.remove()
            raise
        return self

    def set_round_trip(self, delay_ms):
        # Half each way: a request and its answer both cross lo.
        _tc("qdisc", "change", "dev", "lo", "parent", NETEM_PARENT, "handle", NETEM_HANDLE,
            "netem", "delay", "%.3fms" % (delay_ms / 2.0), "limit", NETEM_LIMIT)

    def remove(self):
        if self.installed:
            self.installed = False
            _tc("qdisc", "del", "dev", "lo", "root", "handle", ROOT_HANDLE, check=False)

    def __exit__(self, *exc):
        self.remove()
        atexit.unregister(self.remove)
        signal.signal(signal.SIGTERM, self._previous_sigterm)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def netem_works():
    """Installs and removes the qdisc tree on a port nobody uses: None when
    it works, else the reason."""
    reason = NetemDelay.unavailable_reason()
    if reason:
        return reason
    try:
        with NetemDelay([free_port()]):
            pass
    except RuntimeError as e:
        return str(e)
    return None


class DelayedServer:
    """nginx serving `root` with a settable round trip (set_delay) and a
    request/byte counter (reset, snapshot), in one of MODES. `url` is what
    clients use."""

    def __init__(self, mode, root, workdir):
        self.mode, self.root, self.workdir = mode, root, workdir
        self.delay_ms = 0
        self._nginx = self._proxy = self._netem = self._counter = None

    def __enter__(self):
        # SIGTERM unwinds like Ctrl-C: nginx stopped, the qdisc removed.
        self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        if self.mode == "nginx":
            self._nginx = Nginx(self.root, self.workdir, delay_ms=0).__enter__()
        else:
            self._nginx = Nginx(self.root, self.workdir).__enter__()
        try:
            if self.mode == "proxy":
                self._proxy = LatencyProxy(("127.0.0.1", self._nginx.port)).__enter__()
            else:
                self._counter = AccessLogCounter(self._nginx.access_log)
            if self.mode == "netem":
                self._netem = NetemDelay([self._nginx.port]).__enter__()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self._netem:
            self._netem.__exit__(*exc)
        if self._proxy:
            self._proxy.__exit__(*exc)
        if self._nginx:
            self._nginx.__exit__(*exc)
        signal.signal(signal.SIGTERM, self._previous_sigterm)

    @property
    def url(self):
        if self._proxy:
            return self._proxy.url
        return "http://127.0.0.1:%d" % self._nginx.port

    def set_delay(self, delay_ms):
        self.delay_ms = delay_ms
        if self.mode == "proxy":
            self._proxy.delay_ms = delay_ms
        elif self.mode == "netem":
            self._netem.set_round_trip(delay_ms)
        else:  # nginx: the sleep is in its configuration, restart it
            port = self._nginx.port
            self._nginx.__exit__(None, None, None)
            self._nginx = Nginx(self.root, self.workdir, port=port,
                                delay_ms=delay_ms).__enter__()

    def reset(self):
        (self._proxy or self._counter).reset()

    def snapshot(self):
        return (self._proxy or self._counter).snapshot()


def choose_mode(requested):
    """(mode, why) for --delay-mode; raises when a requested mode cannot run."""
    reasons = []
    for mode in MODES if requested == "auto" else (requested,):
        if mode == "netem":
            reason = netem_works()
        elif mode == "nginx":
            reason = None if os.path.exists(ECHO_MODULE) else (
                "no %s (libnginx-mod-http-echo)" % ECHO_MODULE)
        else:
            reason = None
        if reason is None:
            return mode, "; ".join(reasons)
        reasons.append("%s not possible: %s" % (mode, reason))
    raise RuntimeError("; ".join(reasons))
