#!/usr/bin/env python3
"""Soak (issue 7; checklist row 38): a release `gongzhi serve` on SQLite under a steady mixed load for hours, its
resident memory sampled throughout. The goal: memory growing < 5 MiB/h after warm-up, no 5xx, p95 < 500 ms.

Each round of the run (under a minute): --intake-cases (default 60) new cases (POST /api/v1/cases, one after
another); the community's worker accepts and dispatches the previous round's cases, and the handler each is
dispatched to (the community, the street or the district's departments, each with its demo account) signs, starts and
replies (five requests a case, one after another); and 10 s each of case read, the queue API, the KPI API and the workbench
page, every scenario with --connections connections (wrk; bench/wrk/scenario.lua). 60 cases a round is about 85 a
minute, 120 000 a day: some hundred times a large district's real intake. --no-handle leaves every case open, as
the runs before 2026-12-03 14:00 did: the open cases then grow all run long, and with them the cost of the queue,
the KPI API and the workbench (a 76-minute run left 6 660 open, and the workbench's p95 went 134 → 483 ms).
--intake-seconds N instead runs intake flat out with wrk for N s a round (the earlier runs' load; nothing is
handled). The server's RSS is read every 5 s. After the run: the RSS trend after warm-up (least squares, MiB/h), the highest p95
of any round, every error; the figures are printed and written to bench/results/ with the date and the commit
(and, marked "in progress", every --checkpoint-minutes while the run goes on: a run cut short leaves its figures).
A clock in the soak's own process ticks every 0.25 s: when it comes more than 2 s late, the whole machine stopped
(on a virtual machine, its host), and the report names those stalls beside the slow rounds they fall in.

  bench/run builds the release binary; then
  python3 bench/soak.py --hours 8                 # the checklist's soak
  python3 bench/soak.py --minutes 30              # a shorter one (say so when reporting it)
  python3 bench/soak.py --minutes 30 --postgres   # served from PostgreSQL (a throwaway cluster) instead of SQLite
  kill -TERM <its pid>                            # ends it early after the round, with the report
"""
import argparse
import contextlib
import datetime
import json
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402  (bench/harness.py: the server, wrk and the machine's description)


class RSSTrace(harness.RSSSampler):
    """The resident set every `interval` seconds, as (seconds since start, MiB); beside it, in `parts`, its two
    halves from /proc (anonymous memory — the heap, SQLite's page caches — and mapped files, mostly the binary's
    code as more of it is run) and the database's size on disk (file + WAL), to tell growth from filling; and in
    `heap`, the server's own count of its heap from /metrics (in use, held by malloc, SQLite's part of what is in
    use): a leak grows what is in use, fragmentation only what is held."""

    def __init__(self, pid, database, base, interval=5.0):
        """`database`: the SQLite file, or the folder of a PostgreSQL cluster (its size on disk is the data's)."""
        super().__init__(pid)
        self.interval, self.points, self.parts, self.heap, self.started = interval, [], [], [], time.time()
        self.database, self.base = Path(database), base

    def _status(self):
        fields = {}
        try:
            for line in open(f"/proc/{self.pid}/status"):
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "RssAnon", "RssFile"):
                    fields[name] = int(rest.split()[0]) / 1024
        except OSError:
            pass
        return fields

    def _database_mib(self):
        if self.database.is_dir():
            return sum(p.stat().st_size for p in self.database.rglob("*") if p.is_file()) / 2**20
        return sum(p.stat().st_size for p in (self.database, Path(str(self.database) + "-wal")) if p.exists()) / 2**20

    def _run(self):
        while not self._stop.is_set():
            at, fields = time.time() - self.started, self._status()
            self.points.append((at, fields.get("VmRSS", 0.0)))
            self.parts.append((at, fields.get("RssAnon", 0.0), fields.get("RssFile", 0.0), self._database_mib()))
            heap = self._heap()
            if heap:
                self.heap.append((at, *heap))
            self._stop.wait(self.interval)

    def _heap(self):
        """(in use, held, SQLite's part of what is in use) in MiB from the server's /metrics, or None."""
        try:
            status, text = harness.call(self.base, "GET", "/metrics")
        except OSError:
            return None
        if status != 200:
            return None
        values = dict(line.split(" ", 1) for line in text.decode().splitlines() if line.startswith(("gongzhi_heap_", "gongzhi_sqlite_memory")))
        try:
            return (float(values["gongzhi_heap_in_use_bytes"]) / 2**20, float(values["gongzhi_heap_held_bytes"]) / 2**20,
                    float(values.get("gongzhi_sqlite_memory_bytes", 0)) / 2**20)
        except (KeyError, ValueError):
            return None


class StallWatch(threading.Thread):
    """A clock in this process that ticks every `tick` seconds; a tick that comes more than `gap` seconds late means
    the whole machine stopped (a virtual machine's host pausing it), not only the server: nothing in this process
    holds it up for seconds. Each stall as (seconds since start when it began, wall time, length in seconds)."""

    def __init__(self, started, tick=0.25, gap=2.0):
        super().__init__(daemon=True)
        self.started, self.tick, self.gap, self.stalls = started, tick, gap, []
        self._stop = threading.Event()

    def run(self):
        last = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            if now - last > self.gap:
                began = time.time() - (now - last)
                self.stalls.append((began - self.started, time.strftime("%H:%M:%S", time.localtime(began)), now - last))
            last = now

    def stop(self):
        self._stop.set()

    def during(self, begin, end):
        """The stalls that overlap the stretch [begin, end] (seconds since start)."""
        return [s for s in self.stalls if s[0] < end and s[0] + s[2] > begin]


def timed_call(base, method, path, token, body):
    """(status, answer, milliseconds) of one request; status 0 when the connection failed."""
    began = time.perf_counter()
    try:
        status, answer = harness.call(base, method, path, token, body)
    except OSError:
        status, answer = 0, None
    return status, answer, (time.perf_counter() - began) * 1000


def figures(latencies, errors, started, **extra):
    """Figures like harness.wrk's (latencies in ms) for requests made one after another since `started`."""
    latencies.sort()
    seconds, count = time.time() - started, len(latencies)
    return {"requests": count, "seconds": seconds, "rate": count / seconds if seconds else 0.0, "errors": errors,
            "p95": latencies[min(count - 1, int(0.95 * count))] if latencies else 0.0,
            "max": latencies[-1] if latencies else 0.0, **extra}


def intake_one_by_one(base, token, bodies, count, rng):
    """`count` cases, one request after another; "ids" the new cases'."""
    latencies, errors, ids, started = [], 0, [], time.time()
    for _ in range(count):
        status, answer, ms = timed_call(base, "POST", "/api/v1/cases", token, rng.choice(bodies))
        latencies.append(ms)
        errors += status == 0 or status >= 400
        if status == 201 and isinstance(answer, dict) and "id" in answer:
            ids.append(answer["id"])
    return figures(latencies, errors, started, ids=ids)


# What staff do with a case, up to their reply (the resident's rating or the auto-close ends it): the community
# accepts and dispatches it; the handler the catalogue names (the community, the street or a district department)
# signs, starts and replies with its own account.
DISPATCHING = ["accept", "dispatch"]
HANDLING = ["sign", "start", "reply"]


def handler_tokens(base, tokens):
    """{node id: token} for the demo's staff accounts: the node of each account's grants, so that a case dispatched to
    a node is handled by the account that sits there (SPEC §4: the handler org itself signs, not the levels above)."""
    ids = {}
    for level in ("district", "street", "community"):
        status, page = harness.call(base, "GET", f"/api/v1/org/nodes?level={level}&limit=200", tokens[-1])
        assert status == 200, (status, page)
        ids.update({node["path"]: node["id"] for node in page["items"]})
    handlers = {}
    for token in tokens:
        status, me = harness.call(base, "GET", "/api/v1/me", token)
        assert status == 200, (status, me)
        handlers.update({ids[grant["path"]]: token for grant in me["grants"] if grant["path"] in ids})
    return handlers


def handle_one_by_one(base, token, handlers, ids):
    """Takes each case through DISPATCHING as the community (`token`), then through HANDLING as the account of the
    node it was dispatched to (`handlers`). A step the workflow refuses (a 4xx), or a handler without a demo account,
    ends that case's handling and is counted in "refused", not as an error. Errors are failed connections and 5xx."""
    latencies, errors, refused, started = [], 0, 0, time.time()
    for i in ids:
        answer, actor = None, token
        for action in DISPATCHING + HANDLING:
            if action == HANDLING[0]:
                actor = handlers.get(answer.get("handlerNodeId")) if isinstance(answer, dict) else None
                if actor is None:
                    refused += 1
                    break
            status, answer, ms = timed_call(base, "POST", f"/api/v1/cases/{i}/actions/{action}", actor, {"note": "耐久测试：已处理"})
            latencies.append(ms)
            if 400 <= status < 500:
                refused += 1
                break
            errors += status == 0 or status >= 500
    return figures(latencies, errors, started, refused=refused)


def slope_per_hour(points):
    """Least-squares slope of (seconds, MiB) in MiB per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 0.0 if var == 0 else sum((t - mean_t) * (m - mean_m) for t, m in points) / var * 3600


def write_report(stem, run, rss, stalls, warmup, finished):
    """Writes bench/results/<stem>.md and .json with the figures so far; returns (the text, whether every target was
    met). Called every --checkpoint-minutes while the run goes on (the header then says "in progress"), so that a run
    cut short — the machine restarted, the session ended — still leaves its figures, and once at the end."""
    slices, errors = run["slices"], run["errors"]
    after = [(t, m) for t, m in rss.points if t >= warmup]
    trend = slope_per_hour(after)
    parts = [p for p in rss.parts if p[0] >= warmup]
    anon_trend = slope_per_hour([(t, a) for t, a, _, _ in parts])
    file_trend = slope_per_hour([(t, f) for t, _, f, _ in parts])
    database_trend = slope_per_hour([(t, d) for t, _, _, d in parts])
    heap = [h for h in rss.heap if h[0] >= warmup]
    heap_in_use_trend = slope_per_hour([(t, u) for t, u, _, _ in heap])
    heap_held_trend = slope_per_hour([(t, h) for t, _, h, _ in heap])
    sqlite_trend = slope_per_hour([(t, q) for t, _, _, q in heap])
    worst = max(((s[name]["p95"], name) for s in slices for name in s if isinstance(s[name], dict)), default=(0.0, "-"))
    slow = [(s["at"] / 60, name, s[name]["p95"], s[name]["max"], stalls.during(s["from"], s["at"]))
            for s in slices for name in s if isinstance(s[name], dict) and s[name]["p95"] >= 500]
    # The rounds during which the machine itself stopped say nothing about the server.
    calm = [s for s in slices if not stalls.during(s["from"], s["at"])]
    worst_calm = max(((s[name]["p95"], name) for s in calm for name in s if isinstance(s[name], dict)), default=(0.0, "-"))
    ran = (time.time() - run["started"]) / 3600
    verdict_memory = ("met" if trend < 5 else "MISSED") if len(after) >= 2 else "not measured"
    verdict_errors = "met" if errors == 0 else "MISSED"
    verdict_latency = ("met" if worst[0] < 500 else "MISSED") if slices else "not measured"
    args = run["args"]
    lines = [
        f"# Gongzhi soak, {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}"
        + ("" if finished else f" (in progress: {ran * 60:.0f} of {run['seconds'] / 60:.0f} min)"),
        "",
        f"machine: {harness.machine()}",
        f"commit: {run['commit']}",
        f"database: {'PostgreSQL (its own processes not counted below)' if args.postgres else 'SQLite'}",
        f"command: {' '.join(sys.argv)}",
        f"ran for {ran:.2f} h ({ran * 60:.0f} min), {len(slices)} rounds, {run['cases']} cases taken in, "
        + (f"{run['handled']} taken up to their reply ({', '.join(DISPATCHING + HANDLING)}) in the round after, {run['refused']} "
           "stopped on the way (refused by the workflow, or no demo account at the handler)"
           if args.handle and args.intake_seconds <= 0 else "none handled (all stay open)"),
        "",
        f"RSS: {after[0][1] if after else 0:.1f} MiB after {warmup / 60:.0f} min of warm-up, {rss.points[-1][1] if rss.points else 0:.1f} MiB at the end, "
        f"peak {max((m for _, m in rss.points), default=0):.1f} MiB; trend after warm-up {trend:+.2f} MiB/h (target < 5: {verdict_memory})",
        f"  of which anonymous memory {parts[0][1] if parts else 0:.1f} → {parts[-1][1] if parts else 0:.1f} MiB ({anon_trend:+.2f} MiB/h), "
        f"mapped files {parts[0][2] if parts else 0:.1f} → {parts[-1][2] if parts else 0:.1f} MiB ({file_trend:+.2f} MiB/h); "
        f"database on disk {parts[0][3] if parts else 0:.0f} → {parts[-1][3] if parts else 0:.0f} MiB ({database_trend:+.0f} MiB/h)",
        (f"  the server's heap (/metrics): in use {heap[0][1]:.1f} → {heap[-1][1]:.1f} MiB ({heap_in_use_trend:+.2f} MiB/h), "
         f"held by malloc {heap[0][2]:.1f} → {heap[-1][2]:.1f} MiB ({heap_held_trend:+.2f} MiB/h); "
         f"SQLite's part of what is in use {heap[0][3]:.1f} → {heap[-1][3]:.1f} MiB ({sqlite_trend:+.2f} MiB/h)" if heap else "  the server's heap: not reported"),
        f"highest p95 of any round: {worst[0]:.0f} ms ({worst[1]}) (target < 500 ms: {verdict_latency})",
        f"rounds with a scenario's p95 ≥ 500 ms: {len(slow)} of {len(slices)}"
        + "".join(f"; {name} at {at:.0f} min (p95 {p95:.0f}, max {worst_ms:.0f} ms"
                  + "".join(f", during a {length:.1f} s machine stall at {wall}" for _, wall, length in during) + ")"
                  for at, name, p95, worst_ms, during in slow[:10]),
        f"machine stalls (this process's 0.25 s clock more than 2 s late: the whole machine stopped): {len(stalls.stalls)}"
        + "".join(f"; {wall} ({length:.1f} s)" for _, wall, length in stalls.stalls[:10])
        + (f"; highest p95 of the {len(calm)} rounds without one: {worst_calm[0]:.0f} ms ({worst_calm[1]})" if stalls.stalls else ""),
        f"errors (connect, read, write, timeout, status ≥ 400): {errors} (target 0: {verdict_errors})",
    ]
    text = "\n".join(lines) + "\n"
    results = harness.ROOT / "bench" / "results"
    (results / f"{stem}.md").write_text(text)
    (results / f"{stem}.json").write_text(json.dumps({"finished": finished, "slices": slices, "rss": rss.points, "trend_mib_per_hour": trend,
                                                       "anon_file_database": rss.parts, "anon_trend_mib_per_hour": anon_trend,
                                                       "heap_in_use_held_sqlite": rss.heap, "heap_in_use_trend_mib_per_hour": heap_in_use_trend,
                                                       "errors": errors, "worst_p95": worst, "machine_stalls": stalls.stalls,
                                                       "worst_p95_without_stalls": worst_calm}, indent=1))
    return text, verdict_memory == verdict_errors == verdict_latency == "met"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(harness.ROOT / ".build-release" / "release" / "gongzhi"))
    parser.add_argument("--hours", type=float, default=0)
    parser.add_argument("--minutes", type=float, default=0)
    parser.add_argument("--warmup-minutes", type=float, default=10, help="left out of the memory trend")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--intake-cases", type=int, default=60, help="cases taken in each round, one after another")
    parser.add_argument("--intake-seconds", type=int, default=0, help="instead: seconds of intake flat out (wrk) each round")
    parser.add_argument("--handle", action=argparse.BooleanOptionalAction, default=True,
                        help="staff take each round's cases up to their reply in the next round (default); --no-handle "
                             "leaves them all open, as the runs before 2026-12-03 14:00 did")
    parser.add_argument("--households", type=int, default=600)
    parser.add_argument("--port", type=int, default=8470)
    parser.add_argument("--postgres", action="store_true",
                        help="serve from a throwaway PostgreSQL cluster (Debian's package, fsync on) instead of SQLite; "
                             "the memory measured is still the server's alone")
    parser.add_argument("--checkpoint-minutes", type=float, default=15,
                        help="the report so far is written this often (a run cut short still leaves its figures)")
    args = parser.parse_args()
    seconds = args.hours * 3600 + args.minutes * 60
    if seconds <= 0:
        parser.error("give --hours or --minutes")
    warmup = min(args.warmup_minutes * 60, seconds / 3)

    workspace = Path(tempfile.mkdtemp(prefix="gongzhi-soak."))
    env = {"GONGZHI_DEMO_HOUSEHOLDS": str(args.households)}
    cluster = harness.PostgresCluster(harness.free_port(args.port + 1)) if args.postgres else contextlib.nullcontext()
    with cluster as url:
        if url:
            env["DATABASE_URL"], database = url, cluster.dir / "data"
        else:
            env["GONGZHI_SQLITE_PATH"] = str(workspace / "gongzhi.sqlite")
            database = workspace / "gongzhi.sqlite"
        soak(args, seconds, warmup, workspace, env, database)


def soak(args, seconds, warmup, workspace, env, database):
    """The run itself, on the database `env` names; exits with 0 when every target was met."""
    server = harness.Gongzhi(Path(args.binary).resolve(), workspace, env, harness.free_port(args.port))
    server.start()
    worker, street, district = server.token("worker"), server.token("street"), server.token("district")
    handlers = handler_tokens(server.base, [worker, street, district])
    status, buildings = harness.call(server.base, "GET", "/api/v1/org/buildings?limit=200", worker)
    assert status == 200 and buildings["items"], buildings
    rng = random.Random(8)
    bodies = [{"title": rng.choice(harness.TITLES), "description": "耐久测试", "buildingId": rng.choice(buildings["items"])["id"],
               "channel": "hotline"} for _ in range(2000)]
    today = datetime.date.today()
    year = f"from={today - datetime.timedelta(days=364)}&to={today}"
    waiting = []
    # SIGTERM or Ctrl-C ends the run after the current round, with the report of what ran.
    stopping = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stopping.set())
    started = time.time()
    run = {"args": args, "seconds": seconds, "started": started, "commit": harness.commit(), "slices": [], "errors": 0,
           "cases": 0, "handled": 0, "refused": 0}
    stem = f"{datetime.datetime.now():%Y-%m-%d-%H%M}-soak-{'postgres-' if args.postgres else ''}{run['commit']}"
    checkpoint = started + args.checkpoint_minutes * 60
    stalls = StallWatch(started)
    stalls.start()
    with RSSTrace(server.process.pid, database, server.base) as rss:
        while time.time() - started < seconds and not stopping.is_set():
            minute, round_began = {}, time.time() - started
            if args.intake_seconds > 0:
                intake = harness.wrk(server.base, ["/api/v1/cases"], auth="Bearer " + worker, method="POST", bodies=bodies,
                                     seconds=args.intake_seconds, connections=args.connections)
            else:
                intake = intake_one_by_one(server.base, worker, bodies, args.intake_cases, rng)
            run["cases"] += intake["requests"]
            minute["intake"] = intake
            if args.handle and intake.get("ids") is not None:
                if waiting:
                    minute["handling"] = handle_one_by_one(server.base, worker, handlers, waiting)
                    run["handled"] += len(waiting) - minute["handling"]["refused"]
                    run["refused"] += minute["handling"]["refused"]
                waiting = intake.pop("ids")
            _, listing = harness.call(server.base, "GET", "/api/v1/cases?limit=100", "Bearer " + district)
            ids = [item["id"] for item in listing["items"]] if isinstance(listing, dict) else []
            reads = {
                "read": ([f"/api/v1/cases/{i}" for i in ids] or ["/api/v1/cases?limit=1"], "Bearer " + district),
                "queue_api": (["/api/v1/cases?limit=25"], "Bearer " + worker),
                "kpi_api": ([f"/api/v1/kpis?{year}&by=community"], "Bearer " + district),
                "workbench": (["/workbench"], "Bearer " + worker),
            }
            for name, (paths, auth) in reads.items():
                minute[name] = harness.wrk(server.base, paths, auth=auth, seconds=10, connections=args.connections)
            run["errors"] += sum(r["errors"] for r in minute.values())
            run["slices"].append({"from": round_began, "at": time.time() - started, "rss": rss.points[-1][1] if rss.points else 0,
                           **{name: {"p95": r["p95"], "max": r.get("max", 0.0), "rate": r["rate"], "errors": r["errors"]}
                              for name, r in minute.items()}})
            heap_now = f", heap {rss.heap[-1][1]:5.1f} in use (SQLite {rss.heap[-1][3]:4.1f}) of {rss.heap[-1][2]:5.1f}" if rss.heap else ""
            harness.log(f"{(time.time() - started) / 60:6.1f} min  RSS {run['slices'][-1]['rss']:6.1f} MiB (anon {rss.parts[-1][1] if rss.parts else 0:5.1f}{heap_now})  "
                        + "  ".join(f"{name} p95 {r['p95']:.0f} ms" for name, r in minute.items()) + f"  errors {run['errors']}")
            if time.time() >= checkpoint:
                write_report(stem, run, rss, stalls, warmup, finished=False)
                checkpoint += args.checkpoint_minutes * 60
    server.stop()
    stalls.stop()
    text, met = write_report(stem, run, rss, stalls, warmup, finished=True)
    print("\n" + text)
    print(f"written to bench/results/{stem}.md and .json")
    if not met:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
