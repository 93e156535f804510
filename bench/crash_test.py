#!/usr/bin/env python3
"""Crash safety (issue 7 item 6; checklist row 34): case intake runs against a real `gongzhi serve` on SQLite over
16 kept-alive connections; the server is killed with SIGKILL at a random moment, restarted, and every write it had
acknowledged (a 201) must be there. After all rounds: `PRAGMA integrity_check`, `gongzhi audit verify` and
`gongzhi kpi check` must pass.

The load comes from wrk (`bench/wrk/crash_intake.lua` keeps the id of every 201) when it is installed: on two cores
a Python client takes CPU the server then lacks. `--client python` uses 16 Python threads instead.

  python3 bench/crash_test.py [--binary .build-release/release/gongzhi] [--rounds 100] [--synchronous full] [--client wrk|python]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
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


def call(base, method, path, token=None, body=None, timeout=10):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "gongzhi"))
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full")
    parser.add_argument("--port", type=int, default=8490)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    args.binary = str(Path(args.binary).resolve())  # the server runs in its own directory

    work = Path(tempfile.mkdtemp(prefix="gongzhi-crash."))
    env = dict(os.environ, GONGZHI_KEY_FILE=str(work / "gongzhi.key"), GONGZHI_STORAGE_DIR=str(work / "data"),
               GONGZHI_SQLITE_PATH=str(work / "gongzhi.sqlite"), GONGZHI_DEMO_HOUSEHOLDS="50", LOG_LEVEL="warning",
               GONGZHI_SQLITE_SYNCHRONOUS=args.synchronous, GONGZHI_PASSWORD_ROUNDS="1000", GONGZHI_REQUEST_RATE="0")
    base = f"http://127.0.0.1:{args.port}"
    log = open(work / "server.log", "a")

    def start():
        process = subprocess.Popen([args.binary, "serve", "--hostname", "127.0.0.1", "--port", str(args.port)], env=env, cwd=work,
                                   stdout=log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                if call(base, "GET", "/healthz", timeout=2)[0] == 200:
                    return process
            except OSError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"the server did not start: see {work / 'server.log'}")
            time.sleep(0.05)
        raise SystemExit("the server did not answer")

    server = start()
    _, answer = call(base, "POST", "/api/v1/auth/token", body={"username": "worker", "password": "Gongzhi@2026", "name": "crash"})
    token = answer["token"]
    _, buildings = call(base, "GET", "/api/v1/org/buildings?limit=50", token)
    building_ids = [b["id"] for b in buildings["items"]]
    acknowledged, lock = [], threading.Lock()
    attempted = 0
    started = time.time()
    writing_seconds = 0.0
    bodies_file, ids_file = work / "bodies.jsonl", work / "acknowledged.txt"
    bodies_file.write_text("".join(json.dumps({"title": "楼道灯不亮，崩溃测试", "buildingId": b, "channel": "hotline"}, ensure_ascii=False) + "\n"
                                   for b in building_ids))
    wrk_env = dict(os.environ, CRASH_TOKEN=token, CRASH_BODIES=str(bodies_file), CRASH_IDS=str(ids_file))
    def round_with_wrk():
        """wrk stops on SIGINT and then writes the ids it saw acknowledged; requests after the kill fail to connect."""
        nonlocal attempted
        ids_file.write_text("")
        load = subprocess.Popen(["wrk", "-t2", f"-c{args.threads}", "-d600s", "-s", str(ROOT / "bench" / "wrk" / "crash_intake.lua"), base],
                                env=wrk_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(random.uniform(0.3, 2.0))
        server.send_signal(signal.SIGKILL)
        killed = time.time()
        server.wait()
        load.send_signal(signal.SIGINT)
        output, _ = load.communicate(timeout=60)
        attempted += sum(int(line.split()[0]) for line in output.splitlines() if "requests in" in line)
        acknowledged.extend(line for line in ids_file.read_text().splitlines() if line)
        return killed

    def round_with_python():
        stop = threading.Event()

        def writer():
            # One kept-alive connection per thread, as a real client pool would hold (a new TCP connection per
            # request made this script, not the server, the limit); a new one after the server died under it.
            nonlocal attempted
            connection = None
            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
            while not stop.is_set():
                body = {"title": "楼道灯不亮，崩溃测试", "buildingId": random.choice(building_ids), "channel": "hotline"}
                with lock:
                    attempted += 1
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
                    connection.request("POST", "/api/v1/cases", body=json.dumps(body).encode(), headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    if connection is not None:
                        connection.close()
                    connection = None
                    continue  # not acknowledged: the server died under it
                if response.status == 201:
                    with lock:
                        acknowledged.append(json.loads(data)["id"])
            if connection is not None:
                connection.close()

        threads = [threading.Thread(target=writer) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 2.0))
        server.send_signal(signal.SIGKILL)
        killed = time.time()
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        return killed

    for round_number in range(args.rounds):
        round_start = time.time()
        killed = (round_with_wrk if args.client == "wrk" else round_with_python)()
        # From the load's start to the kill: no write can be acknowledged after it (the client's own shutdown and
        # the restart are not writing time).
        writing_seconds += killed - round_start
        server = start()
        db = sqlite3.connect(f"file:{work / 'gongzhi.sqlite'}?mode=ro", uri=True)
        present = {row[0].upper() for row in db.execute("SELECT id FROM cases")}
        db.close()
        lost = [case for case in acknowledged if case.upper() not in present]
        print(f"round {round_number + 1}/{args.rounds}: {len(acknowledged)} acknowledged so far, {len(lost)} lost", flush=True)
        if lost:
            raise SystemExit(f"LOST acknowledged writes: {lost[:5]}")
    server.send_signal(signal.SIGTERM)
    server.wait()
    db = sqlite3.connect(work / "gongzhi.sqlite")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    checks = {}
    for command in (["audit", "verify"], ["kpi", "check"]):
        result = subprocess.run([args.binary, *command], env=env, cwd=work, capture_output=True, text=True)
        # The verdict is the last line of standard output (a progress bar goes to standard error).
        checks[" ".join(command)] = (result.returncode, (result.stdout.strip() or result.stderr.strip()).splitlines()[-1:])
    print(f"\n{args.rounds} SIGKILLs in {time.time() - started:.0f} s, synchronous={args.synchronous}, client {args.client}: {len(acknowledged)} writes "
          f"acknowledged ({len(acknowledged) / writing_seconds:.0f}/s while writing), {attempted} attempted, 0 lost; "
          f"integrity_check: {integrity}; " + "; ".join(f"{name}: exit {code} {text}" for name, (code, text) in checks.items()))
    ok = integrity == "ok" and all(code == 0 for code, _ in checks.values())
    if ok:
        subprocess.run(["rm", "-rf", str(work)])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
