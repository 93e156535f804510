#!/usr/bin/env python3
"""A/B of one page or API path between two release binaries on copies of the same database.

Each round copies the database folder afresh for each binary (so that neither sees the other's writes or caches),
starts `gongzhi serve` on it, warms the path up, then loads it with wrk; the binaries alternate round by round, so
that a machine that slows down or speeds up during the run weighs on both. A change worth a few per cent needs
several rounds: on this 2-core virtual machine one round's rate varies by a few per cent.

  python3 bench/ab.py --db /tmp/gongzhi-soak.XXXX --before /tmp/gongzhi-old --after .build-release/release/gongzhi
  python3 bench/ab.py ... --path /api/v1/cases?limit=25 --user worker --rounds 5

The database folder is one a soak (`bench/soak.py`, which leaves it under the system's temporary directory) or
`bench/run --keep` left: gongzhi.sqlite with its key file. The newer binary migrates its copy on start.
"""
import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import harness


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="folder holding gongzhi.sqlite and its key")
    parser.add_argument("--before", required=True, help="the first binary")
    parser.add_argument("--after", required=True, help="the second binary")
    parser.add_argument("--path", default="/workbench")
    parser.add_argument("--user", default="worker", help="the demo account that loads the path")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup-seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8490)
    args = parser.parse_args()

    source = Path(args.db)
    if not (source / "gongzhi.sqlite").exists():
        parser.error(f"{source} holds no gongzhi.sqlite")
    binaries = {"before": Path(args.before), "after": Path(args.after)}
    results = {name: [] for name in binaries}
    with tempfile.TemporaryDirectory(prefix="gongzhi-ab.") as scratch:
        work = Path(scratch) / "db"
        for round_number in range(1, args.rounds + 1):
            for name, binary in binaries.items():
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(source, work, ignore=shutil.ignore_patterns("server.log"))
                server = harness.Gongzhi(binary, work, {"GONGZHI_SQLITE_PATH": str(work / "gongzhi.sqlite")},
                                         harness.free_port(args.port))
                server.start()
                try:
                    auth = "Bearer " + server.token(args.user)
                    harness.wrk(server.base, [args.path], auth=auth, seconds=args.warmup_seconds, connections=args.connections)
                    result = harness.wrk(server.base, [args.path], auth=auth, seconds=args.seconds, connections=args.connections)
                finally:
                    server.stop()
                results[name].append(result)
                print(f"round {round_number} {name}: {result['rate']:.1f} req/s, p50 {result['p50']:.0f} "
                      f"p95 {result['p95']:.0f} p99 {result['p99']:.0f} ms, errors {result['errors']}", flush=True)
    means = {name: statistics.mean(r["rate"] for r in rs) for name, rs in results.items()}
    for name, rs in results.items():
        print(f"{name} ({binaries[name]}): req/s {[round(r['rate'], 1) for r in rs]} (mean {means[name]:.1f}), "
              f"p95 ms {[round(r['p95']) for r in rs]}, errors {sum(r['errors'] for r in rs)}")
    print(f"after ÷ before: {means['after'] / means['before']:.3f}")


if __name__ == "__main__":
    main()
