#!/usr/bin/env python3
"""Checks that each part of the tree includes only the parts below it.

The allowed edges are the architecture (docs/architecture.md): the pure
core sees only common; the control plane sees the core, the store, the job
spec and the calibration report; nothing but tests and benches reaches the
simulator or the calibration program. Prints each include that crosses a
missing edge and exits 1; exits 0 when the tree follows the graph.
"""
import re
import subprocess
import sys

# part -> parts it may include (besides itself). "proto" is the generated
# API (hetsched/v1/*.pb.h) and its helpers in proto/.
ALLOWED = {
    "calibration": set(),
    "common": {"proto"},
    "proto": set(),
    "spec": {"common", "proto"},
    "scheduler/core": {"common"},
    "scheduler/store": {"common", "proto"},
    "scheduler/sim": {"common", "scheduler/core"},
    "scheduler/control": {"common", "proto", "spec", "calibration",
                          "scheduler/core", "scheduler/store"},
    "scheduler/server": {"common", "proto", "spec", "scheduler/core",
                         "scheduler/store", "scheduler/control"},
    "agent": {"common", "proto", "spec"},
    "cli": {"common", "proto", "spec"},
    "cuda_kernels": {"calibration"},
}
PARTS = sorted(ALLOWED, key=len, reverse=True)


def part_of(path):
    if path.startswith("hetsched/"):
        return "proto"
    for part in PARTS:
        if path.startswith(part + "/"):
            return part
    return None


def main():
    files = subprocess.check_output(
        ["git", "ls-files", "*.cc", "*.h", "*.cu"], text=True).split()
    bad = []
    for f in files:
        part = part_of(f)
        # Tests of a part may use test helpers of others; benches and the
        # integration tests may use anything.
        if part is None or f.endswith("_test.cc") or "_test_" in f:
            continue
        with open(f, errors="replace") as source:
            for number, line in enumerate(source, 1):
                m = re.match(r'\s*#include "([^"]+)"', line)
                if not m:
                    continue
                target = part_of(m.group(1))
                if target and target != part and target not in ALLOWED[part]:
                    bad.append(f"{f}:{number}: {part} may not include "
                               f"{target} ({m.group(1)})")
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
