#!/usr/bin/env python3
"""What a job array costs the scheduler next to the same jobs submitted
one by one: wall time per job of `hetsched submit --array 0-(N-1)%M` (one
call), of listing them all (`hetsched jobs`), of the array's summary
(`job describe`) and of cancelling it whole (`cancel ARRAY`), against
`hetsched submit` called once per job for a baseline of B jobs, in the
same run on the same scheduler (docs/BENCHMARKS.md, "Job arrays").

  bench/job_array_bench.py [--elements N] [--throttle M] [--baseline B]

No agents: the jobs pend, so only the control plane's own work is timed.
Needs build/scheduler/server/hetsched-scheduler and build/cli/hetsched (or
$HETSCHED_SCHEDULER_BIN / $HETSCHED_CLI_BIN).
"""
import argparse
import os
import subprocess
import tempfile
import time

SPEC = """name: bench
task_groups:
  - name: main
    replicas: 1
    accelerators: {count: 1, kinds: [nvidia/h100]}
    command: ["true"]
"""


def timed(argv):
    start = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elements", type=int, default=10000)
    parser.add_argument("--throttle", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=200)
    args = parser.parse_args()
    scheduler = os.environ.get("HETSCHED_SCHEDULER_BIN",
                               "build/scheduler/server/hetsched-scheduler")
    cli = os.environ.get("HETSCHED_CLI_BIN", "build/cli/hetsched")
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "job.yaml")
        with open(spec, "w") as f:
            f.write(SPEC)
        proc = subprocess.Popen(
            [scheduler, "--listen", "127.0.0.1:0", "--data-dir",
             os.path.join(tmp, "data"), "--max-pending-per-owner", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            address = proc.stdout.readline().split()[-1]
            run = [cli, "--scheduler", address]
            singles = sum(timed(run + ["submit", spec])
                          for _ in range(args.baseline))
            array = "0-%d%%%d" % (args.elements - 1, args.throttle)
            submit = timed(run + ["submit", spec, "--array", array])
            listing = timed(run + ["jobs", "--limit", "0"])
            describe = timed(run + ["job", "describe",
                                    "j-%06d" % (args.baseline + 1)])
            cancel = timed(run + ["cancel", "j-%06d" % (args.baseline + 1)])
        finally:
            proc.terminate()
            proc.wait()
    per_single = singles / args.baseline * 1000
    per_element = submit / args.elements * 1000
    print("%-44s %12s" % ("what", "ms"))
    print("%-44s %12.3f" % ("submit, one call per job (per job)", per_single))
    print("%-44s %12.3f (x%.3f)" % (
        "submit --array %s (per element)" % array, per_element,
        per_element / per_single))
    print("%-44s %12.1f" % ("submit --array, the whole call", submit * 1000))
    print("%-44s %12.1f" % ("jobs (all %d)" % (args.elements +
                                                 args.baseline),
                             listing * 1000))
    print("%-44s %12.1f" % ("job describe ARRAY", describe * 1000))
    print("%-44s %12.1f" % ("cancel ARRAY", cancel * 1000))


if __name__ == "__main__":
    main()
