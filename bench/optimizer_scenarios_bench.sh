#!/usr/bin/env bash
# The allocation optimizer's policies against today's hetero on the
# tracegen scenarios with pins, priorities, quotas and non-preemptible
# work (`mixed`) and the Gavel-style three-kind cluster (`gavel`): 400
# jobs at 30 arrivals/h, seeds 1-3, restart penalty 30 s, means over the
# seeds (docs/BENCHMARKS.md, "Allocation optimizer"). Deterministic.
#
#   bench/optimizer_scenarios_bench.sh [BUILD_DIR] [PARALLEL]
set -euo pipefail
BUILD=${1:-build}
PAR=${2:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
GEN="$BUILD/bench/hetsched-tracegen"
SIM="$BUILD/scheduler/sim/hetsched-sim"
POLICIES=("hetero 0" "hetero 360" "max-min 360" "min-jct 360"
  "min-makespan 360" "min-cost 360" "max-min+backfill 360"
  "min-jct+backfill 360")

for scenario in mixed gavel; do
  for seed in 1 2 3; do
    mkdir -p "$WORK/$scenario-s$seed"
    "$GEN" --out "$WORK/$scenario-s$seed" --scenario $scenario --jobs 400 \
      --seed $seed 2>/dev/null
    for p in "${POLICIES[@]}"; do echo "$scenario-s$seed $p"; done
  done
done >"$WORK/runs"
run() {
  local d=$1 p=$2 round=$3
  "$SIM" --cluster "$WORK/$d/cluster.yaml" --trace "$WORK/$d/trace.csv" \
    --throughputs "$WORK/$d/throughputs.json" --policy "$p" \
    --round-s "$round" --restart-penalty-s 30 --output json \
    >"$WORK/$d/$p-$round.json"
}
export -f run
export WORK SIM
xargs -P "$PAR" -L 1 bash -c 'run "$@"' _ <"$WORK/runs"

python3 - "$WORK" "${POLICIES[@]}" <<'PY'
import json, sys
work, policies = sys.argv[1], [p.split() for p in sys.argv[2:]]
for scenario in ["mixed", "gavel"]:
    print(f"\n#### scenario {scenario} (mean of seeds 1-3)\n")
    print("| policy | --round-s | avg JCT h | vs hetero | p99 JCT h | makespan h "
          "| vs hetero | utilization | cost $ | vs hetero | preemptions |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    base = None
    for p, r in policies:
        runs = [json.load(open(f"{work}/{scenario}-s{s}/{p}-{r}.json"))
                for s in (1, 2, 3)]
        mean = lambda f: sum(f(j) for j in runs) / len(runs)
        row = dict(jct=mean(lambda j: j["avg_jct_s"] / 3600),
                   p99=mean(lambda j: j["p99_jct_s"] / 3600),
                   mk=mean(lambda j: j["makespan_s"] / 3600),
                   util=mean(lambda j: j["utilization"]["overall"]),
                   cost=mean(lambda j: j.get("cost_usd", 0)),
                   pre=mean(lambda j: j["preemptions"]))
        base = base or row
        print(f"| {p} | {r} | {row['jct']:.2f} | {row['jct'] / base['jct']:.2f} "
              f"| {row['p99']:.1f} | {row['mk']:.1f} | {row['mk'] / base['mk']:.2f} "
              f"| {row['util']:.3f} | {row['cost']:.0f} "
              f"| {row['cost'] / base['cost']:.2f} | {row['pre']:.0f} |")
PY
