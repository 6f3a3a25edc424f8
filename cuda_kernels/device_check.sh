#!/usr/bin/env bash
# Device check for hetsched-calibrate on a GPU host that has nvcc, CMake and
# PyTorch but none of hetsched's other dependencies.
#
#   1. builds hetsched-calibrate standalone (Release, -j16) in build-cal/;
#   2. runs it (all sections) and keeps its JSON document;
#   3. measures the same things with PyTorch on device 0: a bf16 8192^3
#      torch.matmul (CUDA events, warm-up, median) and a 4 GiB device copy
#      (bytes read + written);
#   4. prints metric | ours | pytorch | ratio with PASS/FAIL against the bars
#      (our bf16 GEMM >= 0.95 x PyTorch's; our D2D copy >= 0.95 x PyTorch's)
#      and the NCCL line.
#
# Run from anywhere: bash cuda_kernels/device_check.sh. Exit 0 when the run
# is ok and both bars pass, 3 when there is no CUDA device (the reason is
# printed; PyTorch is not touched), 1 otherwise (a failed build, run or bar;
# without PyTorch our figures print and the bars count as failed).
# Results go to $OUT (if set) or build-cal/. HETSCHED_CALIBRATE_BIN=PATH
# uses that binary instead of building one (the CPU test of this script).
# Read-only with respect to the GPU: it never changes clocks, power limits,
# persistence, compute or MIG modes. Finishes in about two minutes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
build_dir="${BUILD_DIR:-build-cal}"
out_dir="${OUT:-${build_dir}}"
mkdir -p "${out_dir}"
ours_json="${out_dir}/calibration.json"
summary="${out_dir}/device_check.txt"

log() { printf '[device_check %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

nvidia-smi --query-gpu=index,name,memory.total,driver_version \
  --format=csv,noheader 2>/dev/null | sed 's/^/[gpu] /' >&2 || true

# Builds hetsched-calibrate standalone into ${build_dir}.
build_calibrate() {
  if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
    export PATH="/usr/local/cuda/bin:${PATH}"
  fi
  command -v nvcc >/dev/null || { log "nvcc not found"; exit 1; }
  command -v cmake >/dev/null || { log "cmake not found"; exit 1; }

  # NCCL: the toolkit's, else $NCCL_HOME, else the one PyTorch's wheel ships.
  local cmake_args=(-DCMAKE_BUILD_TYPE=Release -DHETSCHED_CALIBRATE_BUILD_TESTS=OFF)
  local cuda_root wheel_nccl
  cuda_root="$(dirname "$(dirname "$(command -v nvcc)")")"
  if [[ ! -f "${cuda_root}/include/nccl.h" && -z "${NCCL_HOME:-}" ]]; then
    wheel_nccl="$(python3 - <<'EOF' 2>/dev/null || true
import os
try:
    import nvidia.nccl as m
    for p in m.__path__:
        if os.path.isfile(os.path.join(p, "include", "nccl.h")):
            print(p)
            break
except Exception:
    pass
EOF
)"
    if [[ -n "${wheel_nccl}" ]]; then
      log "using NCCL from ${wheel_nccl}"
      cmake_args+=("-DHETSCHED_NCCL_ROOT=${wheel_nccl}")
    fi
  fi

  log "configure + build (${build_dir})"
  local build_start=${SECONDS}
  cmake -S cuda_kernels -B "${build_dir}" "${cmake_args[@]}" >"${out_dir}/cmake.log" 2>&1 \
    || { tail -30 "${out_dir}/cmake.log" >&2; exit 1; }
  cmake --build "${build_dir}" -j"${JOBS:-16}" >>"${out_dir}/cmake.log" 2>&1 \
    || { tail -40 "${out_dir}/cmake.log" >&2; exit 1; }
  log "built in $((SECONDS - build_start)) s"
}

if [[ -n "${HETSCHED_CALIBRATE_BIN:-}" ]]; then
  calibrate_bin="${HETSCHED_CALIBRATE_BIN}"
  log "using ${calibrate_bin} (no build)"
else
  build_calibrate
  calibrate_bin="${build_dir}/hetsched-calibrate"
fi

log "run hetsched-calibrate"
run_start=${SECONDS}
set +e
timeout 240 "${calibrate_bin}" --time-budget-s 150 \
  >"${ours_json}" 2>"${out_dir}/calibrate.stderr"
ours_rc=$?
set -e
log "hetsched-calibrate exit ${ours_rc} after $((SECONDS - run_start)) s"
if [[ ${ours_rc} -ne 0 ]]; then
  tail -20 "${out_dir}/calibrate.stderr" >&2 || true
fi
if [[ ${ours_rc} -eq 3 ]]; then
  # Nothing to compare: say why and stop before PyTorch would try the GPU.
  { cat "${ours_json}"; echo "DEVICE CHECK: no CUDA device on this host"; } \
    | tee "${summary}"
  exit 3
fi

log "PyTorch reference on device 0"
set +e
OURS_JSON="${ours_json}" OURS_RC="${ours_rc}" timeout 180 python3 - <<'EOF' | tee "${summary}"
import json
import os
import statistics
import sys

ours_rc = int(os.environ["OURS_RC"])
try:
    with open(os.environ["OURS_JSON"]) as f:
        ours = json.load(f)
except Exception as e:  # noqa: BLE001 - report and fail below
    print(f"could not read our JSON (exit {ours_rc}): {e}")
    sys.exit(1)

status = ours.get("status")
print(f"hetsched-calibrate: status={status} exit={ours_rc} "
      f"verified={ours.get('verified')} elapsed_s={ours.get('elapsed_s')}")
if status != "ok":
    print(json.dumps(ours, indent=2)[:4000])

try:  # after our run, so its CUDA init does not overlap ours
    import torch  # noqa: E402
except Exception as e:  # noqa: BLE001 - our figures still print below
    torch = None
    print(f"PyTorch is not importable ({e}): our figures only; "
          "the bars cannot be judged and count as failed")

def timed_ms(fn, warmup, iters):
    """Per-call device times, back to back between CUDA events."""
    for _ in range(warmup):
        fn()
    events = [torch.cuda.Event(enable_timing=True) for _ in range(iters + 1)]
    events[0].record()
    for i in range(iters):
        fn()
        events[i + 1].record()
    torch.cuda.synchronize()
    return [events[i].elapsed_time(events[i + 1]) for i in range(iters)]

if torch is not None and not torch.cuda.is_available():
    print("PyTorch sees no CUDA device: our figures only; "
          "the bars cannot be judged and count as failed")
    torch = None

pt_gemm = pt_copy = float("nan")
if torch is not None:
    torch.cuda.set_device(0)
    n = 8192
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    c = torch.empty(n, n, device="cuda", dtype=torch.bfloat16)
    ms = statistics.median(timed_ms(lambda: torch.matmul(a, b, out=c), 10, 50))
    pt_gemm = 2 * n**3 / (ms / 1e3) / 1e12
    del a, b, c

    copy_bytes = 4 << 30
    x = torch.ones(copy_bytes, device="cuda", dtype=torch.uint8)
    y = torch.empty_like(x)
    ms = statistics.median(timed_ms(lambda: y.copy_(x), 5, 20))
    pt_copy = 2 * copy_bytes / (ms / 1e3) / 1e9
    del x, y
    torch.cuda.synchronize()

dev0 = (ours.get("devices") or [{}])[0]
gemm = {g["dtype"]: g for g in dev0.get("gemm", [])}
mem = dev0.get("memory") or {}
host = dev0.get("host") or {}

def num(v):
    return v if isinstance(v, (int, float)) else float("nan")

rows = []
ok = status == "ok"
def bar(metric, ours_v, pt_v, unit, floor=0.95):
    global ok
    ratio = ours_v / pt_v if pt_v else float("nan")
    passed = ratio >= floor
    ok = ok and passed
    rows.append((metric, f"{ours_v:.1f} {unit}", f"{pt_v:.1f} {unit}",
                 f"{ratio:.3f}", "PASS" if passed else f"FAIL (< {floor})"))

bar("bf16 GEMM 8192^3", num(gemm.get("bf16", {}).get("tflops")), pt_gemm, "TFLOP/s")
bar("D2D copy (read+write)", num(mem.get("copy_gbps")), pt_copy, "GB/s")

print()
print(f"device 0: {dev0.get('name')} cc {dev0.get('compute_capability_major')}."
      f"{dev0.get('compute_capability_minor')}  "
      f"torch {torch.__version__ if torch else 'not used'}")
header = ("metric", "ours", "pytorch", "ratio", "bar")
widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
for r in [header] + rows:
    print(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)))
print()
for dtype in ("fp16", "tf32", "fp8_e4m3"):
    g = gemm.get(dtype)
    if g:
        print(f"ours {dtype:9s} GEMM: {num(g['tflops']):8.1f} TFLOP/s "
              f"verified={g['verified']} algos={g['algorithms_tried']}")
print(f"ours triad: {num(mem.get('triad_gbps')):.1f} GB/s  "
      f"H2D {num(host.get('h2d_gbps')):.1f} GB/s  "
      f"D2H {num(host.get('d2h_gbps')):.1f} GB/s  "
      f"peers measured: {len(ours.get('peers', []))}")
nccl = ours.get("nccl")
if nccl:
    def largest_algbw(c):
        return num(c["samples"][-1]["algbw_gbps"]) if c["samples"] else float("nan")
    avgs = ", ".join(
        f"{c['collective']} {num(c['avg_busbw_gbps']):.1f}"
        f" (algbw at largest size {largest_algbw(c):.1f})"
        + ("" if c["verified"] else " UNVERIFIED")
        for c in nccl["collectives"])
    print(f"NCCL {ours.get('nccl_version')}: ranks={nccl['ranks']} "
          f"avg busbw (>= {nccl['avg_busbw_min_bytes']} B) GB/s: {avgs}")
    if nccl.get("note"):
        print(f"NCCL note: {nccl['note']}")
else:
    print("NCCL: not measured (" + ", ".join(
        s["reason"] for s in ours.get("skipped", []) if s["section"] == "nccl")
        + ")")
for s in ours.get("skipped", []):
    print(f"skipped: {s}")
print()
print("DEVICE CHECK " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
check_rc=${PIPESTATUS[0]}
set -e
log "done in ${SECONDS} s; results in ${out_dir}"
exit "${check_rc}"
