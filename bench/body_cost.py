#!/usr/bin/env python3
"""What a body of many fields costs the server (issue 24 finding 1), measured against a real `gongzhi serve`.

Before the fix, decoding URL-encoded, multipart and JSON bodies cost time growing with the square of the number of
distinct names: 32 000 form keys to the token route took 25.7 s, a 50 000-part upload over a minute, a JSON object of
380 000 keys 11.6 s, and three such requests at once made a worker's queue wait 52 s. Now the routes that take
credentials accept 16 KB, and every body's fields, parts, keys and depth are counted in one pass before any decoder.

For each attack body this sends it `--repeat` times one after another and prints the slowest answer (goal: < 50 ms
each, refused with 413), then sends them from `--attackers` threads for `--seconds` while another thread asks
`/healthz` (and a worker's `GET /api/v1/cases?limit=5`) and compares their p95 with the same requests on an idle
server. Usage:

    python3 bench/body_cost.py                        # the release build if there is one (bench/run builds it), else debug
    python3 bench/body_cost.py --bin .build/debug/gongzhi --seconds 10
"""
import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import harness  # noqa: E402  (the server wrapper and helpers shared with bench/run)

ROOT = pathlib.Path(__file__).resolve().parent.parent


def send(base, path, body, content_type, token=None):
    """Sends one body; returns (status, milliseconds)."""
    request = urllib.request.Request(base + path, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except (ConnectionError, urllib.error.URLError):
        # A server may close the connection after refusing a body it did not read to the end.
        status = 0
    return status, (time.perf_counter() - start) * 1000


def get(base, path, token=None):
    request = urllib.request.Request(base + path)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def multipart(parts, boundary="gongzhi-bench"):
    text = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"p{i}\"\r\n\r\nv\r\n" for i in range(parts))
    return (text + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"


def attacks(case_id):
    form = "application/x-www-form-urlencoded"
    keys_32k = "&".join(f"k[{i}]=v" for i in range(32_000)).encode()
    keys_1500 = "&".join(f"k{i}=" for i in range(1_500)).encode()
    json_380k = ("{" + ",".join(f'"k{i}":1' for i in range(380_000)) + "}").encode()
    return [
        ("token route, 32 000 form keys (340 KB), anonymous", "/api/v1/auth/token", keys_32k, form, False),
        ("sign-in page, 32 000 form keys, anonymous", "/login", keys_32k, form, False),
        ("token route, 1 500 form keys (under 16 KB), anonymous", "/api/v1/auth/token", keys_1500, form, False),
        ("API, JSON object of 380 000 keys (4.4 MB), anonymous", "/api/v1/cases", json_380k, "application/json", False),
        ("API, JSON object of 380 000 keys, signed in", "/api/v1/cases", json_380k, "application/json", True),
        ("photos, multipart of 8 000 parts, signed in", f"/api/v1/cases/{case_id}/attachments", *multipart(8_000), True),
        ("photos, multipart of 50 000 parts, signed in", f"/api/v1/cases/{case_id}/attachments", *multipart(50_000), True),
    ]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def probe(base, token, seconds, stop=None):
    """Times /healthz and a worker's queue call alternately for `seconds` (or until `stop` is set)."""
    health, queue = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop and stop.is_set()):
        health.append(get(base, "/healthz"))
        queue.append(get(base, "/api/v1/cases?limit=5", token))
    return health, queue


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    release = ROOT / ".build-release/release/gongzhi"
    parser.add_argument("--bin", default=str(release if release.exists() else ROOT / ".build/debug/gongzhi"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--attackers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    binary = pathlib.Path(args.bin)
    workspace = pathlib.Path(tempfile.mkdtemp(prefix="gongzhi-body-cost-"))
    server = harness.Gongzhi(binary, workspace, {"GONGZHI_SQLITE_PATH": str(workspace / "bench.sqlite"),
                                                 "GONGZHI_DEMO_HOUSEHOLDS": "200", "GONGZHI_PASSWORD_ROUNDS": "1000"},
                             harness.free_port(8099))
    server.start()
    try:
        token = server.token("worker")
        status, answer = harness.call(server.base, "GET", "/api/v1/cases?limit=1", token)
        case_id = answer["items"][0]["id"]
        bodies = attacks(case_id)
        print(f"binary: {binary}")
        print(f"{'body':<58} {'answers':<12} {'slowest ms':>10} {'goal':>8}")
        results = []
        for name, path, body, kind, signed in bodies:
            answers = [send(server.base, path, body, kind, token if signed else None) for _ in range(args.repeat)]
            slowest = max(ms for _, ms in answers)
            statuses = sorted({s for s, _ in answers})
            met = slowest < 50 and all(s in (413, 0) for s in statuses)
            results.append({"body": name, "statuses": statuses, "slowest_ms": round(slowest, 1), "met": met})
            print(f"{name:<58} {','.join(map(str, statuses)):<12} {slowest:>10.1f} {'met' if met else 'MISSED':>8}")

        idle_health, idle_queue = probe(server.base, token, args.seconds / 2)
        stop = threading.Event()
        sent = [0]

        def attacker(index):
            while not stop.is_set():
                name, path, body, kind, signed = bodies[index % len(bodies)]
                send(server.base, path, body, kind, token if signed else None)
                sent[0] += 1

        threads = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(args.attackers)]
        for thread in threads:
            thread.start()
        busy_health, busy_queue = probe(server.base, token, args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        print(f"\nwhile {args.attackers} threads sent {sent[0]} attack bodies in {args.seconds:.0f} s:")
        summary = {}
        for label, idle, busy in [("/healthz", idle_health, busy_health), ("GET /api/v1/cases?limit=5 (worker)", idle_queue, busy_queue)]:
            p95_idle, p95_busy = percentile(idle, 0.95), percentile(busy, 0.95)
            ratio = p95_busy / p95_idle if p95_idle else float("inf")
            summary[label] = {"idle_p95_ms": round(p95_idle, 2), "attacked_p95_ms": round(p95_busy, 2), "ratio": round(ratio, 2),
                              "attacked_max_ms": round(max(busy), 1), "samples": len(busy)}
            print(f"  {label:<36} p95 idle {p95_idle:6.1f} ms, under attack {p95_busy:6.1f} ms (×{ratio:.1f}), max {max(busy):.1f} ms,"
                  f" median {statistics.median(busy):.1f} ms")
        print(json.dumps({"attacks": results, "probes": summary}, ensure_ascii=False))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
