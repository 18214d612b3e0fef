#!/usr/bin/env python3
"""Soak load against a running Kartrummet server on the demo store (see bench/soak.sh).

Mixed traffic from CONCURRENCY threads for DURATION seconds: vector tiles, the features API,
the catalog, service-access analyses and what-ifs, isochrones, over-budget and over-range
requests that must be refused, and one re-ingest half-way. Prints requests/s, p50/p99 per
kind, answers by status per kind, and the server's RSS before the load, right after it, and
after it has settled. "Before" is after WARMUP seconds of the same mix: by then the bounded
caches (tiles, networks) and the kept analysis results (`[limits.results]`) have reached their
working size, so start and end compare like with like and any growth is a leak.

    python3 bench/soak.py --base http://127.0.0.1:PORT --pid PID --token T --reingest FILE
"""

import argparse
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVICE_ACCESS = {
    "network": "busslinjer",
    "demand": {"layer": "befolkning_1km", "population": "befolkning_2025"},
    "supply": [{"layer": "servicepunkter", "filter": {"category": "grocery"}}],
    "areas": {"layer": "kommuner"},
}


def rss_kib(pid):
    """The resident set of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, base):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=120):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0, b""
        return 0, b""


def grocery_ids(client):
    status, body = client.request(
        "GET", "/api/layers/servicepunkter/features?category=grocery&limit=2000&bbox=12,59.8,16.8,62.3"
    )
    if status != 200:
        return []
    return [f"servicepunkter/{f['id']}" for f in json.loads(body)["features"]]


def make_requests(tiles, stores):
    """The traffic mix: (kind, weight, function returning (method, path, body))."""

    def tile():
        return "GET", random.choice(tiles), None

    def features():
        lon, lat = random.uniform(13, 16), random.uniform(60, 61.8)
        bbox = f"{lon:.3f},{lat:.3f},{lon + 0.3:.3f},{lat + 0.2:.3f}"
        layer = random.choice(["servicepunkter", "hallplatser", "befolkning_1km", "tatorter"])
        return "GET", f"/api/layers/{layer}/features?bbox={bbox}&limit=200", None

    def catalog():
        return "GET", random.choice(["/api/layers", "/healthz", "/api/layers/kommuner"]), None

    def service_access():
        breaks = sorted(random.sample([5, 10, 15, 20, 30, 45, 60], 4))
        body = dict(SERVICE_ACCESS, bands={"unit": "min", "breaks": breaks})
        return "POST", "/api/analysis/service-access", json.dumps(body)

    def what_if():
        body = dict(SERVICE_ACCESS, changes={"remove": [random.choice(stores)]})
        return "POST", "/api/analysis/service-access/scenario", json.dumps(body)

    def isochrone():
        lon, lat = random.uniform(14.5, 15.8), random.uniform(60.3, 60.8)
        return "GET", f"/api/analysis/isochrone?network=busslinjer&lon={lon:.4f}&lat={lat:.4f}&minutes=10,20", None

    def refused():
        return random.choice([
            ("POST", "/api/analysis/service-access",
             json.dumps(dict(SERVICE_ACCESS, network_settings={"join_tolerance_m": 1e9}))),
            ("GET", "/api/analysis/isochrone?network=busslinjer&lon=15&lat=60.5&minutes=600&buffer_m=5000", None),
            ("GET", "/api/jobs/abc", None),
            ("GET", "/tiles/nosuchlayer/5/17/9.mvt", None),
        ])

    mix = [("tile", 60, tile), ("features", 12, features), ("catalog", 8, catalog),
           ("service_access", 6, service_access), ("isochrone", 4, isochrone),
           ("refused", 5, refused)]
    if stores:
        mix.append(("what_if", 5, what_if))
    return mix


def upload(base, token, path):
    """Re-ingests a layer with a multipart upload; returns the status."""
    boundary = uuid.uuid4().hex
    data = Path(path).read_bytes()
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"layer\"\r\n\r\nhallplatser\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{Path(path).name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Authorization": f"Bearer {token}"}
    status, _ = Client(base).request("POST", "/api/layers", body=body, headers=headers, timeout=300)
    return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--reingest", required=True)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=60)
    args = parser.parse_args()

    tiles = [l.strip() for l in (ROOT / "bench/tile-requests.txt").read_text().splitlines() if l.strip()]
    rss_loaded = rss_kib(args.pid)
    warm = Client(args.base)
    stores = grocery_ids(warm)
    mix = make_requests(tiles, stores)
    kinds, weights = [k for k, _, _ in mix], [w for _, w, _ in mix]
    makers = {k: f for k, _, f in mix}

    latencies = defaultdict(list)
    statuses = defaultdict(Counter)
    lock = threading.Lock()

    def load(seconds, record):
        deadline = time.monotonic() + seconds

        def worker(seed):
            rng = random.Random(seed)
            client = Client(args.base)
            while time.monotonic() < deadline:
                kind = rng.choices(kinds, weights)[0]
                method, path, body = makers[kind]()
                started = time.perf_counter()
                status, _ = client.request(method, path, body=body,
                                           headers={"Content-Type": "application/json"})
                elapsed = time.perf_counter() - started
                if record:
                    with lock:
                        latencies[kind].append(elapsed)
                        statuses[kind][status] += 1

        return [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]

    warmup = load(args.warmup, record=False)
    for t in warmup:
        t.start()
    for t in warmup:
        t.join()
    time.sleep(args.settle)
    rss_start = rss_kib(args.pid)

    reingest = {}

    def reingester():
        time.sleep(args.duration / 2)
        started = time.perf_counter()
        reingest["status"] = upload(args.base, args.token, args.reingest)
        reingest["seconds"] = time.perf_counter() - started

    threads = load(args.duration, record=True)
    threads.append(threading.Thread(target=reingester))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    rss_after_load = rss_kib(args.pid)
    time.sleep(args.settle)
    rss_end = rss_kib(args.pid)

    total = sum(len(v) for v in latencies.values())
    print(f"soak: {args.duration:.0f} s at c={args.concurrency}: {total} requests, {total / wall:.0f} requests/s")
    print(f"{'kind':<16}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}  statuses")
    for kind in kinds:
        values = sorted(latencies[kind])
        if not values:
            continue
        p50 = statistics.median(values) * 1000
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        answered = ", ".join(f"{s}: {n}" for s, n in sorted(statuses[kind].items()))
        print(f"{kind:<16}{len(values):>8}{p50:>10.1f}{p99:>10.1f}  {answered}")
    print(f"re-ingest of hallplatser during the load: status {reingest.get('status')} "
          f"in {reingest.get('seconds', 0):.1f} s")
    change = (rss_end - rss_start) / rss_start * 100
    print(f"RSS with the demo loaded, before any request: {rss_loaded / 1024:.1f} MiB")
    print(f"RSS: start (after {args.warmup:.0f} s warm-up and {args.settle:.0f} s rest) {rss_start / 1024:.1f} MiB, right after the load {rss_after_load / 1024:.1f} MiB, "
          f"after {args.settle:.0f} s {rss_end / 1024:.1f} MiB ({change:+.1f} % of start)")


if __name__ == "__main__":
    main()
