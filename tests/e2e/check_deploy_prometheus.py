#!/usr/bin/env python3
"""Checks what deploy/ ships for Prometheus and Grafana with promtool:
  config       promtool check config deploy/prometheus/prometheus.yml
  rules        promtool check rules on every rules file in deploy/prometheus/
  rule-tests   promtool test rules on deploy/prometheus/tests/*.yml
  dashboard    every PromQL expression in deploy/grafana/*.json, checked by
               promtool check rules on a generated rules file
  documented   every hetsched_* metric the rules and dashboard use is listed
               in docs/metrics.md
Usage: check_deploy_prometheus.py SOURCE_DIR CHECK
Exit 77 (ctest: skipped) when promtool is missing; scripts/install-deps
installs it (Debian's prometheus package).
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def promtool():
    tool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if not tool:
        print("SKIP: promtool not found; scripts/install-deps installs "
              "Debian's prometheus package, which provides it")
        sys.exit(SKIP)
    return tool


def run(argv):
    print("$ " + " ".join(argv), flush=True)
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    print(r.stdout)
    return r.returncode == 0


def rule_files(src):
    files = sorted(glob.glob(os.path.join(src, "deploy/prometheus/*rules*.yml")))
    if not files:
        sys.exit("no rules files in deploy/prometheus/")
    return files


def dashboard_exprs(src):
    """(file, panel title, expr) for every target of every dashboard."""
    out = []

    def walk(panels, path):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((path, p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []), path)

    files = sorted(glob.glob(os.path.join(src, "deploy/grafana/*.json")))
    if not files:
        sys.exit("no dashboards in deploy/grafana/")
    for path in files:
        with open(path) as f:
            walk(json.load(f).get("panels", []), path)
    return out


def grafana_to_promql(expr, variables=()):
    # Grafana's range variables are not PromQL; any valid duration will do.
    for var in ("$__rate_interval", "$__interval", "$__range"):
        expr = expr.replace(var, "5m")
    # The dashboard's own variables stand in regex matchers: any regex will.
    for name in variables:
        expr = expr.replace("${%s}" % name, ".*").replace("$" + name, ".*")
    return expr


def dashboard_variables(src):
    names = []
    for path in sorted(glob.glob(os.path.join(src, "deploy/grafana/*.json"))):
        with open(path) as f:
            templating = json.load(f).get("templating", {})
        names += [v["name"] for v in templating.get("list", [])]
    # Longest first, so $job_id is replaced before a $job would be.
    return sorted(names, key=len, reverse=True)


def check_dashboard(src, tool):
    exprs = dashboard_exprs(src)
    if not exprs:
        sys.exit("the dashboards hold no expressions")
    variables = dashboard_variables(src)
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "dashboard-rules.yml")
        with open(rules, "w") as f:
            f.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (path, title, expr) in enumerate(exprs):
                f.write("      # %s: %s\n" % (os.path.basename(path), title))
                f.write("      - record: dashboard:expr:%d\n" % i)
                f.write("        expr: %s\n"
                        % json.dumps(grafana_to_promql(expr, variables)))
        ok = run([tool, "check", "rules", rules])
        if not ok:
            for i, (path, title, expr) in enumerate(exprs):
                print("dashboard:expr:%d  %s / %s\n    %s" % (i, path, title, expr))
        print("%d dashboard expressions" % len(exprs))
        return ok


def check_documented(src):
    with open(os.path.join(src, "docs/metrics.md")) as f:
        doc = f.read()
    texts = []
    for path in rule_files(src) + sorted(glob.glob(os.path.join(src, "deploy/grafana/*.json"))):
        with open(path) as f:
            texts.append((path, f.read()))
    missing = set()
    for path, text in texts:
        for name in re.findall(r"(?<![:\w])hetsched_[a-z0-9_]+", text):
            base = re.sub(r"_(bucket|count|sum)$", "", name)
            if "`%s`" % base not in doc:
                missing.add((os.path.relpath(path, src), base))
    for path, name in sorted(missing):
        print("%s uses %s, which docs/metrics.md does not list" % (path, name))
    return not missing


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, check = sys.argv[1], sys.argv[2]
    if check == "documented":
        return 0 if check_documented(src) else 1
    tool = promtool()
    if check == "config":
        ok = run([tool, "check", "config",
                  os.path.join(src, "deploy/prometheus/prometheus.yml")])
    elif check == "rules":
        ok = run([tool, "check", "rules"] + rule_files(src))
    elif check == "rule-tests":
        tests = sorted(glob.glob(os.path.join(src, "deploy/prometheus/tests/*.yml")))
        ok = bool(tests) and all(run([tool, "test", "rules", t]) for t in tests)
    elif check == "dashboard":
        ok = check_dashboard(src, tool)
    else:
        sys.exit("unknown check " + check)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
