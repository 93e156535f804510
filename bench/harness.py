#!/usr/bin/env python3
"""Gongzhi's benchmark harness (issue 8 item 4); `bench/run` builds what it needs and calls this. See bench/README.md.

For each database (SQLite, then PostgreSQL) it starts a release `gongzhi serve` on a fresh database with the demo
district and measures, with wrk:
  - case intake over HTTP (POST /api/v1/cases: classification, routing, SLA, timeline event, audit entry),
    requests/s, p50, p99, the server's peak RSS;
  - on SQLite, the same rows written straight into a copy of the database by bench/ceiling.c (one transaction per
    case, the same WAL and synchronous settings): the physical ceiling, and intake ÷ ceiling;
  - at each history size (synthetic cases from `gongzhi generate`): case read (GET /api/v1/cases/{id}), the
    workbench queue page (GET /workbench, a community worker), the KPI dashboard page (GET /dashboard over a
    year, a district officer) and the KPI API, p50 / p95 / p99;
and, with --peer, the same scenarios on django-helpdesk 2.6.1 (bench/peers/helpdesk) at the same number of tickets.
It prints one table and writes it, with the date, the machine and the commit, to bench/results/.
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PASSWORD = "Gongzhi@2026"
TITLES = [
    "楼道灯不亮了，晚上上下楼看不见", "小区门口垃圾桶满了没人清运", "电梯经常停在半层，老人出行困难", "楼上漏水把我家天花板泡了",
    "路面有个大坑，下雨积水", "广场舞音乐太吵影响休息", "小区里有人乱停车堵住消防通道", "自来水发黄有异味",
    "暖气不热，室温只有十几度", "绿化带里的树枝折断了悬在半空", "楼道里堆满杂物有火灾隐患", "井盖松动走上去会响",
]


def log(message):
    print(message, flush=True)


def free_port(preferred):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def call(base, method, path, token=None, body=None, scheme="Bearer"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"{scheme} {token}")
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, (json.loads(raw) if raw and "json" in kind else raw)
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class RSSSampler:
    """Samples a process's resident set every 0.2 s; `peak` is the largest seen (MB)."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self):
        try:
            for line in open(f"/proc/{self.pid}/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._read())
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def wrk(base, paths, *, auth=None, cookie=None, method="GET", bodies=None, seconds=10, connections=4, threads=2):
    """Runs wrk with bench/wrk/scenario.lua; returns its RESULT (latencies in ms) plus requests/s."""
    with tempfile.TemporaryDirectory() as tmp:
        paths_file = Path(tmp) / "paths"
        paths_file.write_text("\n".join(paths) + "\n")
        env = dict(os.environ, BENCH_METHOD=method, BENCH_PATHS=str(paths_file), BENCH_AUTH=auth or "", BENCH_COOKIE=cookie or "")
        if bodies:
            bodies_file = Path(tmp) / "bodies"
            bodies_file.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in bodies) + "\n")
            env["BENCH_BODIES"] = str(bodies_file)
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
                   "-s", str(BENCH / "wrk" / "scenario.lua"), base]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rate"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout", "status"))
    return result


class Gongzhi:
    """One `gongzhi serve` process on a database of its own."""

    def __init__(self, binary, workspace, env, port):
        self.binary, self.workspace, self.port = binary, workspace, port
        # The load comes from one address: the per-address request limit would measure itself.
        self.env = dict(os.environ, LOG_LEVEL="warning", GONGZHI_REQUEST_RATE="0", GONGZHI_KEY_FILE=str(workspace / "gongzhi.key"),
                        GONGZHI_STORAGE_DIR=str(workspace / "data"), **env)
        self.process = None
        self.base = f"http://127.0.0.1:{port}"

    def command(self, *args, quiet=False):
        output = None if not quiet else subprocess.DEVNULL
        subprocess.run([str(self.binary), *args], env=self.env, cwd=self.workspace, check=True, stdout=output)

    def start(self):
        self.log = open(self.workspace / "server.log", "a")
        self.process = subprocess.Popen([str(self.binary), "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                        env=self.env, cwd=self.workspace, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(1200):
            if self.process.poll() is not None:
                raise SystemExit(f"gongzhi serve stopped: see {self.workspace / 'server.log'}")
            try:
                if call(self.base, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit("gongzhi serve did not answer")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def token(self, username):
        status, answer = call(self.base, "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD, "name": "bench"})
        assert status == 201, (status, answer)
        return answer["token"]


def check(base, path, auth, method="GET", body=None, cookie=None):
    """One request of a scenario must succeed before wrk repeats it (a 3xx or 4xx would be measured as fast)."""
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    if auth:
        request.add_header("Authorization", auth)
    if cookie:
        request.add_header("Cookie", cookie)
    if body:
        request.add_header("Content-Type", "application/json")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=600) as response:
            assert 200 <= response.status < 300, (path, response.status)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path} answered {error.code}: {error.read()[:300]!r}")


def timed_one_by_one(base, paths, auth, count=3):
    """For a scenario slower than wrk's run: a few requests one after another, timed (p50 = median, p95 = p99 = max)."""
    times = []
    for path in paths[:count] if len(paths) >= count else paths * count:
        request = urllib.request.Request(base + path)
        request.add_header("Authorization", auth)
        started = time.time()
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
        times.append((time.time() - started) * 1000)
    times.sort()
    return {"requests": len(times), "seconds": sum(times) / 1000, "connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0,
            "p50": times[len(times) // 2], "p95": times[-1], "p99": times[-1], "max": times[-1], "rate": len(times) / (sum(times) / 1000),
            "errors": 0, "one_by_one": True}


def gongzhi_intake(server, seconds, connections):
    worker = server.token("worker")
    status, buildings = call(server.base, "GET", "/api/v1/org/buildings?limit=200", worker)
    assert status == 200 and buildings["items"], buildings
    rng = random.Random(7)
    bodies = [{"title": rng.choice(TITLES), "description": "基准测试", "buildingId": rng.choice(buildings["items"])["id"],
               "channel": "hotline", "public": rng.random() < 0.5} for _ in range(2000)]
    auth = "Bearer " + worker
    check(server.base, "/api/v1/cases", auth, "POST", bodies[0])
    with RSSSampler(server.process.pid) as rss:
        result = wrk(server.base, ["/api/v1/cases"], auth=auth, method="POST", bodies=bodies, seconds=seconds,
                     connections=connections)
    result["rss"] = rss.peak
    return result


def gongzhi_reads(server, ids, seconds, today):
    worker, district = "Bearer " + server.token("worker"), "Bearer " + server.token("district")
    year = f"from={today - datetime.timedelta(days=364)}&to={today}"
    scenarios = {
        "read": ([f"/api/v1/cases/{i}" for i in ids], district),
        "queue": (["/workbench"], worker),
        "queue_api": (["/api/v1/cases?limit=25"], worker),
        "kpi": ([f"/dashboard?{year}"], district),
        "kpi_api": ([f"/api/v1/kpis?{year}&by=community"], district),
    }
    results = {}
    with RSSSampler(server.process.pid) as rss:
        for name, (paths, auth) in scenarios.items():
            check(server.base, paths[0], auth)
            results[name] = wrk(server.base, paths, auth=auth, seconds=seconds)
            if results[name]["requests"] == 0:
                results[name] = timed_one_by_one(server.base, paths, auth)
    results["rss"] = rss.peak
    return results


def sample_ids(kind, workspace, url, count=2000):
    """Random case ids straight from the database (the server is stopped)."""
    if kind == "sqlite":
        db = sqlite3.connect(workspace / "gongzhi.sqlite")
        top = db.execute("SELECT max(rowid) FROM cases").fetchone()[0]
        rows = [db.execute("SELECT id FROM cases WHERE rowid = ?", (random.randint(1, top),)).fetchone() for _ in range(count)]
        db.close()
        return [r[0] for r in rows if r]
    query = f"SELECT id FROM cases TABLESAMPLE SYSTEM (1) LIMIT {count}"
    output = subprocess.run(["psql", url.split("?")[0], "-Atc", query], capture_output=True, text=True, check=True).stdout
    ids = output.split()
    if len(ids) < 50:  # a small table: sample it whole
        output = subprocess.run(["psql", url.split("?")[0], "-Atc", f"SELECT id FROM cases ORDER BY random() LIMIT {count}"],
                                capture_output=True, text=True, check=True).stdout
        ids = output.split()
    return ids


def count_cases(kind, workspace, url):
    if kind == "sqlite":
        db = sqlite3.connect(workspace / "gongzhi.sqlite")
        n = db.execute("SELECT count(*) FROM cases").fetchone()[0]
        db.close()
        return n
    return int(subprocess.run(["psql", url.split("?")[0], "-Atc", "SELECT count(*) FROM cases"], capture_output=True, text=True,
                              check=True).stdout)


COUNTERS = ["intake", "signed", "signed_on_time", "rated", "rated_solved", "rated_satisfied", "closed", "closed_on_time",
            "handling_ms", "returned", "repeated", "unsigned"]


def scale_up(kind, workspace, url, factor):
    """Multiplies the history by `factor` inside the database: every case is copied factor − 1 times with a new id
    and number (same day, place, category, handler, state, dates), every KPI contribution with it, and the rollups
    are multiplied exactly — the rollups stay equal to the cases. Far faster than generating case by case; the
    distribution of the history stays that of `gongzhi generate`. Needs no dirty KPI marks (the server folded them).
    May be applied again (100 000 → 1 M → 10 M): each round copies every case there is before it, its copies
    carry the round's own tag."""
    sql_lines = []
    if kind == "sqlite":
        db = sqlite3.connect(workspace / "gongzhi.sqlite", isolation_level=None)
        run = lambda q: db.execute(q).fetchall()
        columns = [row[1] for row in run("PRAGMA table_info(cases)")]
        uuid = ("printf('%s-%s-4%s-%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), "
                "hex(randomblob(2)), hex(randomblob(6)))")
        contribution_columns = [row[1] for row in run("PRAGMA table_info(kpi_contributions)")]
    else:
        def run(q):
            out = subprocess.run(["psql", url.split("?")[0], "-v", "ON_ERROR_STOP=1", "-Atc", q], capture_output=True, text=True, check=True).stdout
            return [line.split("|") for line in out.splitlines() if line]
        columns = [r[0] for r in run("SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' ORDER BY ordinal_position")]
        uuid = "gen_random_uuid()"
        contribution_columns = [r[0] for r in run("SELECT column_name FROM information_schema.columns WHERE table_name = 'kpi_contributions' "
                                                  "ORDER BY ordinal_position")]
    dirty = int(run("SELECT count(*) FROM kpi_dirty")[0][0])
    if dirty:
        raise SystemExit(f"{dirty} cases are not yet in the rollups: cannot scale up")
    quoted = ", ".join(f'"{c}"' for c in columns)
    top = int(run("SELECT count(*) FROM cases")[0][0])
    tag = f"~x{top}-"  # unique per round: the number of cases before it
    for copy in range(1, factor):
        values = []
        for c in columns:
            if c == "id":
                values.append(uuid)
            elif c == "number":
                values.append(f"o.number || '{tag}{copy}'")
            elif c == "tracking_hash":
                values.append("NULL")
            else:
                values.append(f'o."{c}"')
        started = time.time()
        if kind == "sqlite":
            run("BEGIN")
        run(f"INSERT INTO cases ({quoted}) SELECT {', '.join(values)} FROM cases o WHERE o.number NOT LIKE '%{tag}%'")
        picked = ", ".join("n.id" if c == "case_id" else f'k."{c}"' for c in contribution_columns)
        run(f"INSERT INTO kpi_contributions SELECT {picked} FROM cases o JOIN cases n ON n.number = o.number || '{tag}{copy}' "
            f"JOIN kpi_contributions k ON k.case_id = o.id WHERE o.number NOT LIKE '%{tag}%'")
        run("DELETE FROM kpi_dirty")
        if kind == "sqlite":
            run("COMMIT")
        log(f"   copy {copy}: {top} cases in {time.time() - started:.0f} s")
    # (The monthly rollups came with issue 29: an older binary's database has none.)
    if kind == "sqlite":
        tables = [r[0] for r in run("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'kpi_rollups%'")]
    else:
        tables = [r[0] for r in run("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'kpi_rollups%'")]
    for table in tables:
        run(f"UPDATE {table} SET " + ", ".join(f"{c} = {c} * {factor}" for c in COUNTERS))
    if kind == "sqlite":
        waiting = run("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kpi_waiting'")
    else:
        waiting = run("SELECT table_name FROM information_schema.tables WHERE table_name = 'kpi_waiting'")
    if waiting:
        run(f"UPDATE kpi_waiting SET n = n * {factor}")
    if kind == "sqlite":
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    else:
        # Every table the copy wrote, not only the cases: the rollups' rows were all rewritten (×factor), and an
        # autovacuum of them during the reads that follow doubled the dashboard's p95 at 10 M (2026-12-08).
        run("VACUUM ANALYZE")


class PostgresCluster:
    """A throwaway PostgreSQL cluster from Debian's package (as scripts/test makes one), fsync on."""

    def __init__(self, port):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install -y postgresql), or run with --no-postgres")
        self.bin, self.port = bins[-1], port
        self.dir = Path(tempfile.mkdtemp(prefix="gongzhi-bench-pg."))

    def run(self, *args):
        command = [str(self.bin / args[0]), *args[1:]]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def __enter__(self):
        os.chmod(self.dir, 0o755)
        (self.dir / "data").mkdir()
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.dir / "data", "postgres", "postgres")
        self.run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on "
                 f"-c shared_buffers=1GB -c synchronous_commit=on", "start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "gongzhi_bench")
        return f"postgres://postgres@127.0.0.1:{self.port}/gongzhi_bench?tls=disable"

    def __exit__(self, *exc):
        try:
            self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def kpi_check(kind, server, workspace, url):
    """`gongzhi kpi check` on the database as the last size left it: the rollups (daily, monthly, waiting) recomputed
    from every case and compared; exit 0 when they agree (issue 29: also after the history was copied up)."""
    cases = count_cases(kind, workspace, url)
    log(f"== {kind}: gongzhi kpi check at {cases} cases")
    started = time.time()
    done = subprocess.run([str(server.binary), "kpi", "check"], env=server.env, cwd=server.workspace, capture_output=True, text=True)
    seconds = time.time() - started
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    log(f"   exit {done.returncode} in {seconds:.0f} s: " + " / ".join(tail))
    return {"cases": cases, "seconds": seconds, "agrees": done.returncode == 0, "tail": tail}


def run_database(kind, args, binary, ceiling, url=None):
    """Every Gongzhi measurement on one database; returns a dict of results."""
    existing = kind == "sqlite" and args.existing_sqlite
    workspace = Path(args.existing_sqlite) if existing else Path(tempfile.mkdtemp(prefix=f"gongzhi-bench-{kind}.", dir=args.workdir))
    env = {"GONGZHI_DEMO_HOUSEHOLDS": str(args.households), "GONGZHI_SQLITE_SYNCHRONOUS": args.synchronous}
    if url:
        env["DATABASE_URL"] = url
    else:
        env["GONGZHI_SQLITE_PATH"] = str(workspace / "gongzhi.sqlite")
    server = Gongzhi(binary, workspace, env, free_port(args.port))
    results = {"database": kind}
    try:
        if existing:
            # Reads only, on a database kept from an earlier run (it may need migrating first: the server does that).
            size = count_cases(kind, workspace, url)
            ids = sample_ids(kind, workspace, url)
            log(f"== {kind}: start on the existing database ({size} cases; migrations may take a while)")
            server.start()
            log(f"== {kind}: reads at {size} cases, {args.read_seconds} s per scenario")
            measured = gongzhi_reads(server, ids, args.read_seconds, datetime.date.today())
            measured["cases"] = size
            results["sizes"] = {str(size): measured}
            for name in ("read", "queue", "queue_api", "kpi", "kpi_api"):
                r = measured[name]
                log(f"   {name:9} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  p99 {r['p99']:8.1f} ms  {r['rate']:8.0f}/s  errors {r['errors']}")
            server.stop()
            if args.kpi_check:
                results["kpi_check"] = kpi_check(kind, server, workspace, url)
            return results
        log(f"== {kind}: start (first start: migrate and the demo district)")
        server.start()
        log(f"== {kind}: case intake over HTTP, {args.intake_seconds} s, {args.intake_connections} connections")
        results["intake"] = gongzhi_intake(server, args.intake_seconds, args.intake_connections)
        log(f"   {results['intake']['rate']:.0f} cases/s, p50 {results['intake']['p50']:.1f} ms, p99 {results['intake']['p99']:.1f} ms, "
            f"peak RSS {results['intake']['rss']:.0f} MB, errors {results['intake']['errors']}")
        server.stop()
        if kind == "sqlite":
            copy = workspace / "ceiling.sqlite"
            source = sqlite3.connect(workspace / "gongzhi.sqlite")
            target = sqlite3.connect(copy)
            source.backup(target)
            source.close()
            target.close()
            output = subprocess.run([str(ceiling), str(copy), "100000000", args.synchronous, str(args.intake_seconds)],
                                    capture_output=True, text=True, check=True).stdout.split()
            results["ceiling"] = {"cases": int(output[0]), "seconds": float(output[1]), "rate": float(output[2])}
            for leftover in workspace.glob("ceiling.sqlite*"):
                leftover.unlink()
            log(f"   raw SQLite ceiling (same rows, one transaction per case, synchronous={args.synchronous}): "
                f"{results['ceiling']['rate']:.0f} cases/s; intake ÷ ceiling = {results['intake']['rate'] / results['ceiling']['rate']:.0%}")
        results["sizes"] = {}
        # The index of the next synthetic case: draws that fall in the future are skipped, so the count of cases
        # is not the next free index (case numbers carry the index).
        next_index = count_cases(kind, workspace, url)
        for size in args.sizes:
            have = count_cases(kind, workspace, url)
            if have < size and args.generate_max and have >= 0.99 * args.generate_max and have * 2 <= size:
                factor = size // have
                log(f"== {kind}: scale the history up ×{factor} by copying in the database (now {have})")
                started = time.time()
                scale_up(kind, workspace, url, factor)
                log(f"   {count_cases(kind, workspace, url)} cases in {time.time() - started:.0f} s")
            elif have < size:
                log(f"== {kind}: generate {size - have} cases of history (now {have})")
                started = time.time()
                server.command("generate", "--cases", str(size - have), "--days", "365", "--from", str(next_index))
                next_index += size - have
                log(f"   {size - have} cases in {time.time() - started:.0f} s")
            ids = sample_ids(kind, workspace, url)
            server.start()
            log(f"== {kind}: reads at {size} cases, {args.read_seconds} s per scenario")
            today = datetime.date.today()
            measured = gongzhi_reads(server, ids, args.read_seconds, today)
            # (Counted in the database: the API's total stops at 1 000 — "1 000+" — since issue 29.)
            measured["cases"] = count_cases(kind, workspace, url)
            results["sizes"][str(size)] = measured
            for name in ("read", "queue", "queue_api", "kpi", "kpi_api"):
                r = measured[name]
                log(f"   {name:9} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  p99 {r['p99']:8.1f} ms  {r['rate']:8.0f}/s  errors {r['errors']}")
            server.stop()
        if args.kpi_check and args.sizes:
            results["kpi_check"] = kpi_check(kind, server, workspace, url)
        if kind == "sqlite":
            results["disk_mb"] = sum(p.stat().st_size for p in workspace.glob("gongzhi.sqlite*")) / 1e6
    finally:
        server.stop()
        if not args.keep and not existing:
            shutil.rmtree(workspace, ignore_errors=True)
    return results


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    memory = next(int(l.split()[1]) // 1024 // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}, {memory} GiB, {platform.system()} {platform.release()}"


def commit():
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except OSError:
        return "unknown"


def table(report):
    """The printed table: every figure, its target where the issue sets one, and the ratios."""
    rows = [("scenario", "database", "cases", "p50 ms", "p95 ms", "p99 ms", "per s", "errors", "goal (at 10 M)", "verdict")]
    targets = []

    def add(scenario, database, cases, r, target="", ok=None):
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        if ok is not None:
            targets.append((scenario, database, verdict))
        rows.append((scenario, database, str(cases), f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}", f"{r['rate']:.0f}",
                     str(r["errors"]), target, verdict))

    for db in report["gongzhi"]:
        intake = db.get("intake")
        name = db["database"]
        # Issue 29's goals, set for 10 M cases on either database; shown with a verdict at every size.
        if intake and name == "sqlite" and "ceiling" in db:
            ratio = intake["rate"] / db["ceiling"]["rate"]
            add("intake (POST /api/v1/cases)", name, "-", intake, f"≥ 100 % of the ceiling ({ratio:.0%})", ratio >= 1.0)
        elif intake and name in ("postgres", "postgresql"):
            add("intake (POST /api/v1/cases)", name, "-", intake, "≥ 1000/s", intake["rate"] >= 1000)
        elif intake:
            add("intake (POST /api/v1/cases)", name, "-", intake)
        for size, measured in db["sizes"].items():
            size = measured.get("cases") or size
            add("case read", name, size, measured["read"], "p99 < 10 ms", measured["read"]["p99"] < 10)
            add("workbench queue page", name, size, measured["queue"], "p95 < 50 ms", measured["queue"]["p95"] < 50)
            add("queue API (25 newest)", name, size, measured["queue_api"], "p95 < 50 ms", measured["queue_api"]["p95"] < 50)
            add("KPI dashboard page (a year)", name, size, measured["kpi"], "p95 < 100 ms", measured["kpi"]["p95"] < 100)
            add("KPI API (a year, by community)", name, size, measured["kpi_api"], "p95 < 50 ms", measured["kpi_api"]["p95"] < 50)
    peer = report.get("peer")
    if peer:
        for scenario in ("create", "read", "queue", "counts"):
            add(f"peer: {scenario}", "sqlite", peer["tickets"], peer[scenario])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    extra = []
    for db in report["gongzhi"]:
        if "kpi_check" in db:
            check = db["kpi_check"]
            extra.append(f"gongzhi kpi check on {db['database']} at {check['cases']} cases: "
                         f"{'the rollups agree with the cases' if check['agrees'] else 'DIFFERS: ' + ' / '.join(check['tail'])} "
                         f"({check['seconds']:.0f} s)")
        if "intake" not in db:
            continue
        extra.append(f"server peak RSS during intake on {db['database']}: {db['intake']['rss']:.0f} MB (target < 200 MB: "
                     f"{'met' if db['intake']['rss'] < 200 else 'MISSED'})")
        if "ceiling" in db:
            ratio = db["intake"]["rate"] / db["ceiling"]["rate"]
            extra.append(f"raw SQLite ceiling, same rows, one transaction per case, synchronous={report['synchronous']}: "
                         f"{db['ceiling']['rate']:.0f} cases/s; intake ÷ ceiling = {ratio:.0%} (target ≥ 50 %: "
                         f"{'met' if ratio >= 0.5 else 'MISSED'})")
        errors = db["intake"]["errors"] + sum(m[s]["errors"] for m in db["sizes"].values() for s in ("read", "queue", "queue_api", "kpi", "kpi_api"))
        extra.append(f"error responses on {db['database']}: {errors} (target 0: {'met' if errors == 0 else 'MISSED'})")
    if peer:
        sqlite = next(db for db in report["gongzhi"] if db["database"] == "sqlite")
        at = sqlite["sizes"].get(str(peer["tickets"]))
        extra.append(f"Gongzhi ÷ django-helpdesk 2.6.1 (gunicorn, 2 workers, SQLite), at {peer['tickets']} cases/tickets:")
        extra.append(f"  create: {sqlite['intake']['rate']:.0f} ÷ {peer['create']['rate']:.1f} per s = "
                     f"{sqlite['intake']['rate'] / max(peer['create']['rate'], 1e-9):.1f}× (target ≥ 40×)")
        if at:
            for mine, theirs, label in (("read", "read", "read one"), ("queue_api", "queue", "queue of the 25 newest"),
                                        ("kpi_api", "counts", "counts by status × queue / KPIs")):
                extra.append(f"  {label}: p50 {at[mine]['p50']:.1f} ms vs {peer[theirs]['p50']:.1f} ms = "
                             f"{peer[theirs]['p50'] / max(at[mine]['p50'], 1e-9):.1f}× faster")
    return "\n".join(lines + [""] + extra)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "gongzhi"))
    parser.add_argument("--ceiling", default=str(ROOT / "bench" / "results" / "tmp" / "ceiling"))
    parser.add_argument("--sizes", default="1000000,10000000", help="history sizes to measure reads at (comma-separated)")
    parser.add_argument("--generate-max", type=int, default=1_000_000,
                        help="beyond this many cases, larger sizes are reached by copying the history in the database "
                             "(a whole multiple of it); 0: always generate")
    parser.add_argument("--intake-seconds", type=int, default=20)
    parser.add_argument("--intake-connections", type=int, default=16)
    parser.add_argument("--read-seconds", type=int, default=10)
    parser.add_argument("--kpi-check", action="store_true",
                        help="after the last size, run `gongzhi kpi check` (the rollups against every case) and report it")
    parser.add_argument("--households", type=int, default=600, help="households of the demo district")
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full", help="SQLite synchronous level (both sides)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--peer", type=int, default=0, help="also run django-helpdesk 2.6.1 with this many tickets")
    parser.add_argument("--port", type=int, default=8480)
    parser.add_argument("--pg-port", type=int, default=54480)
    parser.add_argument("--workdir", default=None, help="where the databases go (default: the system's temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--commit", default=None, help="the commit the binary was built from (default: this checkout's)")
    parser.add_argument("--existing-sqlite", default=None, metavar="DIR",
                        help="measure only the reads, on DIR/gongzhi.sqlite (with DIR/gongzhi.key) kept from an earlier run (--keep); no PostgreSQL run")
    args = parser.parse_args()
    # Reads on a kept SQLite database are that database's run alone: without this, the PostgreSQL run (at the
    # default sizes) followed it, unasked for (2026-12-07).
    if args.existing_sqlite:
        args.no_postgres = True
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.peer and args.peer not in args.sizes:
        args.sizes = sorted(set(args.sizes) | {args.peer})

    started = datetime.datetime.now(datetime.timezone.utc)
    report = {"date": started.isoformat(timespec="seconds"), "machine": machine(), "commit": args.commit or commit(),
              "synchronous": args.synchronous, "sizes": args.sizes, "gongzhi": []}
    if not args.no_sqlite:
        report["gongzhi"].append(run_database("sqlite", args, args.binary, args.ceiling))
    if not args.no_postgres:
        with PostgresCluster(free_port(args.pg_port)) as url:
            report["gongzhi"].append(run_database("postgres", args, args.binary, args.ceiling, url))
    if args.peer:
        sys.path.insert(0, str(BENCH / "peers"))
        import helpdesk_peer
        report["peer"] = helpdesk_peer.run(args.peer, args, wrk, check, free_port)
    text = table(report)
    report["minutes"] = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
    heading = (f"# Gongzhi benchmark, {report['date']}\n\nmachine: {report['machine']}\ncommit: {report['commit']}\n"
               f"command: bench/run {' '.join(sys.argv[1:])}\nran for {report['minutes']:.0f} minutes\n\n")
    print("\n" + heading + text)
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stem = started.strftime("%Y-%m-%d-%H%M") + "-" + report["commit"].replace("+", "-")
    (out / f"{stem}.md").write_text(heading + "```\n" + text + "\n```\n")
    (out / f"{stem}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwritten to bench/results/{stem}.md and .json")


if __name__ == "__main__":
    main()
