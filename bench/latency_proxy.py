"""A TCP proxy on loopback that models network latency and counts HTTP
requests and bytes, for benchmarks (`tc netem` is not available here).

Each HTTP request seen from the client (request line + headers, bodies of
PUT/POST skipped by Content-Length) waits `delay_ms` before it is forwarded,
so a request costs one simulated round trip whatever the connection reuse.
Bytes are counted as the server sends them (headers and bodies).

    with LatencyProxy(("127.0.0.1", 8080), delay_ms=20) as proxy:
        url = proxy.url + "/file.nc"
        proxy.reset(); ...; print(proxy.requests, proxy.bytes_down)
"""
import asyncio
import threading


class LatencyProxy:
    def __init__(self, upstream, delay_ms=0):
        self.upstream = upstream
        self.delay_ms = delay_ms
        self._lock = threading.Lock()
        self.log = []  # (method, path, range header) per request
        self.bytes_down = 0
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def requests(self):
        with self._lock:
            return len(self.log)

    def reset(self):
        with self._lock:
            self.log = []
            self.bytes_down = 0

    def snapshot(self):
        with self._lock:
            return len(self.log), self.bytes_down, list(self.log)

    def __enter__(self):
        self._thread.start()
        self._started.wait()
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        server.close()
        # Connections still open (clients keep up to one per request in
        # flight) end with the loop, quietly.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    async def _serve(self, client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        down = asyncio.ensure_future(self._pump_down(up_reader, client_writer))
        try:
            await self._pump_up(client_reader, up_writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            up_writer.close()
            await asyncio.gather(down, return_exceptions=True)
            client_writer.close()

    async def _pump_up(self, reader, writer):
        """Forwards requests one by one, each after the simulated delay."""
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = (lines[0].split(" ") + ["", ""])[:2]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            body = b""
            length = int(headers.get("content-length", "0") or 0)
            if length:
                body = await reader.readexactly(length)
            with self._lock:
                self.log.append((method, path, headers.get("range")))
            if self.delay_ms:
                await asyncio.sleep(self.delay_ms / 1000.0)
            writer.write(head + body)
            await writer.drain()

    async def _pump_down(self, reader, writer):
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    break
                with self._lock:
                    self.bytes_down += len(data)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
