#!/usr/bin/env python3
"""CPU time of one `hetsched` call, as scripts pay it: `--help` (start-up
alone) and `submit FILE` against a real scheduler on loopback (start-up,
spec parsing and validation, one RPC). Each CLI binary given is measured
in turn, round after round, so a noisy machine affects them alike; the
ratios are against the first one (docs/BENCHMARKS.md, "CLI start-up").

  bench/cli_startup_bench.py [--calls N] [--rounds R] CLI [CLI...]

Needs build/scheduler/server/hetsched-scheduler (or $HETSCHED_SCHEDULER_BIN).
Submitted jobs pend (no agents): the scheduler's data dir is a temp dir.
"""
import argparse
import os
import resource
import statistics
import subprocess
import tempfile

SPEC = """name: bench
task_groups:
  - name: main
    replicas: 1
    accelerators: {count: 1, kinds: [nvidia/h100]}
    command: ["true"]
"""


def cpu_ms_per_call(argv, calls):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(calls):
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu * 1000 / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("clis", nargs="+")
    args = parser.parse_args()
    scheduler = os.environ.get("HETSCHED_SCHEDULER_BIN",
                               "build/scheduler/server/hetsched-scheduler")
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "job.yaml")
        with open(spec, "w") as f:
            f.write(SPEC)
        proc = subprocess.Popen(
            [scheduler, "--listen", "127.0.0.1:0", "--data-dir",
             os.path.join(tmp, "data")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            address = proc.stdout.readline().split()[-1]
            results = {cli: {"help": [], "submit": []} for cli in args.clis}
            for _ in range(args.rounds):
                for cli in args.clis:
                    results[cli]["help"].append(
                        cpu_ms_per_call([cli, "--help"], args.calls))
                    results[cli]["submit"].append(cpu_ms_per_call(
                        [cli, "--scheduler", address, "submit", spec],
                        args.calls))
        finally:
            proc.terminate()
            proc.wait()
    base = args.clis[0]
    print("%-40s %18s %18s" % ("CLI", "--help ms CPU", "submit ms CPU"))
    for cli in args.clis:
        row = []
        for what in ("help", "submit"):
            median = statistics.median(results[cli][what])
            ratio = median / statistics.median(results[base][what])
            row.append("%6.2f (x%.2f)" % (median, ratio))
        print("%-40s %18s %18s" % (cli, row[0], row[1]))


if __name__ == "__main__":
    main()
