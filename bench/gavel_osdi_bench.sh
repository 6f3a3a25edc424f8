#!/usr/bin/env bash
# The allocation optimizer's policies against fifo and today's hetero on
# the gavel-osdi scenario (docs/BENCHMARKS.md, "Allocation optimizer"):
#  1. three loads (light = 0.5, 0.85 and 1.0 of the LP's capacity) x three
#     seeds, 600 single-accelerator jobs each, 360 s rounds;
#  2. the fixed arrival rates of the issue's Gavel comparison;
#  3. static batches of 700 multi-accelerator jobs: makespan against the
#     LP's fractional lower bound.
# JCT figures are over jobs 200-499 (the steady state of the trace, as
# Gavel measures a window). Every run is deterministic.
#
#   bench/gavel_osdi_bench.sh [BUILD_DIR] [PARALLEL]
set -euo pipefail
BUILD=${1:-build}
PAR=${2:-1}
# Workloads and per-run outputs stay in $HETSCHED_BENCH_WORK when it is set.
if [ -n "${HETSCHED_BENCH_WORK:-}" ]; then
  WORK=$HETSCHED_BENCH_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
GEN="$BUILD/bench/hetsched-tracegen"
SIM="$BUILD/scheduler/sim/hetsched-sim"

# gen NAME ARGS...: a workload in $WORK/NAME.
gen() {
  local name=$1
  shift
  mkdir -p "$WORK/$name"
  "$GEN" --out "$WORK/$name" --scenario gavel-osdi "$@" 2>/dev/null
}
for seed in 1 2 3; do
  for load in 0.5 0.85 1.0; do gen "load$load-s$seed" --jobs 600 --seed $seed --load $load; done
done
for rate in 2.0 4.8 5.6; do gen "rate$rate-s1" --jobs 600 --seed 1 --arrivals-per-hour $rate; done
for seed in 1 2; do gen "batch-s$seed" --jobs 700 --seed $seed --batch 1; done

# One line per run: WORKLOAD POLICY, for xargs.
{
  for d in "$WORK"/load* "$WORK"/rate*; do
    for p in fifo hetero max-min min-jct min-makespan min-cost; do
      echo "$(basename "$d") $p"
    done
  done
  for d in "$WORK"/batch*; do
    for p in fifo hetero min-makespan; do echo "$(basename "$d") $p"; done
  done
} >"$WORK/runs"
run() {
  local d=$1 p=$2 round=360
  [ "$p" = fifo ] && round=0
  "$SIM" --cluster "$WORK/$d/cluster.yaml" --trace "$WORK/$d/trace.csv" \
    --throughputs "$WORK/$d/throughputs.json" --policy "$p" --round-s $round \
    --jobs-out "$WORK/$d/$p.csv" --output json >"$WORK/$d/$p.json"
}
export -f run
export WORK SIM
xargs -P "$PAR" -L 1 bash -c 'run "$@"' _ <"$WORK/runs"

python3 - "$WORK" <<'PY'
import csv, json, math, os, sys
work = sys.argv[1]
def window(d, p):
    jct = []
    with open(f"{work}/{d}/{p}.csv") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if 200 <= i < 500 and row["end_time_s"]:
                jct.append(float(row["end_time_s"]) - float(row["submit_time_s"]))
    jct.sort()
    return sum(jct) / len(jct), jct[max(0, math.ceil(0.99 * len(jct)) - 1)]
def res(d, p):
    j = json.load(open(f"{work}/{d}/{p}.json"))
    avg, p99 = window(d, p)
    return dict(avg=avg / 3600, p99=p99 / 3600, mk=j["makespan_s"] / 3600,
                util=j["utilization"]["overall"], lb=j["makespan_lower_bound_s"] / 3600,
                solver=j["solver_cpu_s"], pre=j["preemptions"])
pols = ["fifo", "hetero", "max-min", "min-jct", "min-makespan", "min-cost"]
print("### Loads of the LP's capacity (mean of seeds 1-3)\n")
print("| load | policy | avg JCT h | vs fifo | vs hetero | p99 JCT h | makespan h | vs hetero | utilization | preemptions | solver CPU s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for load in ["0.5", "0.85", "1.0"]:
    m = {}
    for p in pols:
        rs = [res(f"load{load}-s{s}", p) for s in (1, 2, 3)]
        m[p] = {k: sum(r[k] for r in rs) / 3 for k in rs[0]}
    for p in pols:
        r = m[p]
        print(f"| {load} | {p} | {r['avg']:.2f} | {r['avg']/m['fifo']['avg']:.2f} | {r['avg']/m['hetero']['avg']:.2f} | {r['p99']:.1f} | {r['mk']:.1f} | {r['mk']/m['hetero']['mk']:.2f} | {r['util']:.3f} | {r['pre']:.0f} | {r['solver']:.1f} |")
print("\n### Fixed arrival rates (seed 1)\n")
print("| jobs/h | " + " | ".join(f"{p} avg JCT h" for p in pols) + " |")
print("|---" * (len(pols) + 1) + "|")
for rate in ["2.0", "4.8", "5.6"]:
    print(f"| {rate} | " + " | ".join(f"{res(f'rate{rate}-s1', p)['avg']:.2f}" for p in pols) + " |")
print("\n### Static batches of 700 jobs\n")
print("| seed | LP lower bound h | " + " | ".join(f"{p} makespan h (x bound)" for p in ["fifo", "hetero", "min-makespan"]) + " |")
print("|---|---|---|---|---|")
for s in (1, 2):
    rs = {p: res(f"batch-s{s}", p) for p in ["fifo", "hetero", "min-makespan"]}
    lb = rs["fifo"]["lb"]
    print(f"| {s} | {lb:.1f} | " + " | ".join(f"{rs[p]['mk']:.1f} ({rs[p]['mk']/lb:.2f}x)" for p in rs) + " |")
PY
