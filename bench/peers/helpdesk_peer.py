"""The peer of the benchmark (issue 8 item 5b): django-helpdesk 2.6.1 from PyPI in a venv (bench/peers/.venv), its
site in bench/peers/helpdesk, served by gunicorn with 2 workers on SQLite (WAL, the same synchronous level as
Gongzhi's run, persistent connections), seeded with the same number of tickets. The same scenarios as Gongzhi's:
create through the API (token auth), read one ticket, the staff queue of the 25 newest, and the counts by
status × queue (the staff dashboard page, signed in)."""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE / "helpdesk"
VENV = HERE / ".venv"
PACKAGES = ["django-helpdesk==2.6.1", "gunicorn==27.0.1"]


def python():
    return str(VENV / "bin" / "python")


def install():
    marker = VENV / "installed.txt"
    if marker.exists() and marker.read_text() == "\n".join(PACKAGES):
        return
    print("== peer: installing django-helpdesk 2.6.1 and gunicorn into bench/peers/.venv", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([python(), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    marker.write_text("\n".join(PACKAGES))


def run(tickets, args, wrk, check, free_port):
    install()
    workspace = Path(tempfile.mkdtemp(prefix="gongzhi-bench-peer.", dir=args.workdir))
    env = dict(os.environ, PEER_DB=str(workspace / "peer.sqlite"), PEER_MEDIA=str(workspace / "media"),
               PEER_SQLITE_SYNCHRONOUS=args.synchronous, DJANGO_SETTINGS_MODULE="peer_site.settings")
    manage = [python(), str(SITE / "manage.py")]
    server = None
    try:
        print(f"== peer: migrate and seed {tickets} tickets", flush=True)
        subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=SITE, check=True, stdout=subprocess.DEVNULL)
        seeded = subprocess.run([*manage, "shell", "-c", f"from peer_site.seed import main; main({tickets})"], env=env, cwd=SITE,
                                check=True, capture_output=True, text=True).stdout
        words = next(line for line in seeded.splitlines() if line.startswith("TOKEN ")).split()
        info = dict(zip(words[::2], words[1::2]))
        port = free_port(args.port + 50)
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(VENV / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(SITE),
                                   "--log-level", "warning", "peer_site.wsgi"], env=env, cwd=SITE,
                                  stdout=open(workspace / "gunicorn.log", "w"), stderr=subprocess.STDOUT)
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        auth = "Token " + info["TOKEN"]
        cookie = "sessionid=" + info["SESSION"]
        rng = random.Random(7)
        bodies = [{"queue": int(info["QUEUE"]), "title": f"Street light out {n}", "description": "benchmark",
                   "submitter_email": "resident@example.org", "priority": 3} for n in range(2000)]
        top = int(info["TICKET"])
        scenarios = {
            "create": dict(paths=["/api/tickets/"], auth=auth, method="POST", bodies=bodies, seconds=args.intake_seconds,
                           connections=args.intake_connections),
            "read": dict(paths=[f"/api/tickets/{rng.randint(1, top)}/" for _ in range(2000)], auth=auth, seconds=args.read_seconds),
            "queue": dict(paths=["/api/tickets/?page_size=25"], auth=auth, seconds=args.read_seconds),
            "counts": dict(paths=["/dashboard/"], cookie=cookie, seconds=args.read_seconds),
        }
        results = {"tickets": tickets}
        for name, scenario in scenarios.items():
            check(base, scenario["paths"][0], scenario.get("auth"), scenario.get("method", "GET"),
                  scenario["bodies"][0] if "bodies" in scenario else None, cookie=scenario.get("cookie"))
            print(f"== peer: {name}", flush=True)
            results[name] = wrk(base, **scenario)
            r = results[name]
            print(f"   p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  {r['rate']:.1f}/s  errors {r['errors']}", flush=True)
        return results
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)
