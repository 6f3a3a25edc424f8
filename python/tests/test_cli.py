"""`python3 -m hetsched` against a real scheduler and agent, side by side
with the C++ `hetsched` where both should say the same (label:
integration)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from typing import List, NamedTuple, Optional

import hetsched
from local_cluster import LocalCluster, binary

cluster: Optional[LocalCluster] = None
PYTHON_DIR = os.path.dirname(os.path.dirname(hetsched.__file__))


def setUpModule() -> None:
    global cluster
    cluster = LocalCluster().start()


def tearDownModule() -> None:
    if cluster is not None:
        cluster.stop()


class Result(NamedTuple):
    code: int
    out: str
    err: str


def run(argv: List[str], env: Optional[dict] = None) -> Result:
    environment = dict(os.environ, PYTHONPATH=PYTHON_DIR, **(env or {}))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=environment, stdin=subprocess.DEVNULL)
    return Result(done.returncode, done.stdout, done.stderr)


def py(*args: str, env: Optional[dict] = None) -> Result:
    """python3 -m hetsched ARGS, with the test scheduler in the
    environment (as a user would set it)."""
    return run([sys.executable, "-m", "hetsched", *args],
               env={"HETSCHED_SCHEDULER": cluster.address, **(env or {})})


def cpp(*args: str) -> Result:
    return run([binary("HETSCHED_CLI_BIN"), "--scheduler", cluster.address,
                *args])


class CliTest(unittest.TestCase):

    def spec_file(self, text: str) -> str:
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        with f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        return f.name

    def job_file(self, name: str, command: str) -> str:
        return self.spec_file(
            f"name: {name}\n"
            "task_groups:\n"
            "  - replicas: 1\n"
            f"    accelerators: {{count: 1, kinds: [{LocalCluster.KIND}]}}\n"
            f"    command: [sh, -c, '{command}']\n")

    def test_submit_wait_exits_zero_and_logs_print_the_output(self) -> None:
        submitted = py("submit", self.job_file("cli-echo", "echo hello"),
                       "--wait")
        self.assertEqual(submitted.code, 0, submitted.err)
        job_id = submitted.out.strip()
        self.assertRegex(job_id, r"^j-\d+$")
        logs = py("logs", job_id)
        self.assertEqual((logs.code, logs.out), (0, "hello\n"), logs.err)
        tail = py("logs", job_id, "--all-ranks")
        self.assertEqual(tail.out, "[rank 0] hello\n")

    def test_submit_wait_exits_with_the_jobs_own_code(self) -> None:
        submitted = py("submit", self.job_file("cli-fails", "exit 3"),
                       "--wait")
        self.assertEqual(submitted.code, 3)
        job_id = submitted.out.strip()
        self.assertEqual(submitted.err,
                         f"hetsched: job {job_id} is FAILED: "
                         f"{hetsched.Client(cluster.address, tls=False).get(job_id).message}\n")

    def test_bad_spec_exits_2_naming_the_file_and_field(self) -> None:
        path = self.spec_file("name: bad\ntask_groups:\n"
                              "  - replicas: 0\n    command: [true]\n")
        mine, theirs = py("submit", path), cpp("submit", path)
        self.assertEqual(mine.code, 2)
        self.assertEqual(mine.err, f"hetsched: {path}: task_groups[0]."
                         "replicas: must be between 1 and 4096\n")
        self.assertEqual((mine.code, mine.err), (theirs.code, theirs.err))

        typo = self.spec_file("name: bad\ntask_grups: []\n")
        mine, theirs = py("submit", typo), cpp("submit", typo)
        self.assertEqual(mine.code, 2)
        self.assertEqual(mine.err, f"hetsched: {typo}: task_grups: unknown "
                         "field\n")
        self.assertEqual((mine.code, mine.err), (theirs.code, theirs.err))

    def test_bad_flags_and_unknown_ids_exit_2(self) -> None:
        self.assertEqual(py("jobs", "--state", "sleeping").code, 2)
        self.assertEqual(py("jobs", "--since", "yesterday").code, 2)
        self.assertEqual(py("jobs", "--no-such-flag").code, 2)
        self.assertEqual(py().code, 2)
        missing = py("job", "describe", "j-999999")
        self.assertEqual(missing.code, 2)
        self.assertEqual(missing.code, cpp("job", "describe", "j-999999").code)
        self.assertEqual(py("usage", "--by", "colour").code, 2)

    def test_unreachable_scheduler_exits_1(self) -> None:
        result = py("--scheduler", "127.0.0.1:1", "--timeout-s", "2", "nodes")
        self.assertEqual(result.code, 1)
        self.assertTrue(result.err.startswith(
            "hetsched: cannot reach scheduler at 127.0.0.1:1: "), result.err)

    def test_missing_tls_file_exits_2_naming_the_flag(self) -> None:
        result = py("--tls-ca", "/nonexistent/ca.pem", "--tls-cert", "x",
                    "--tls-key", "y", "nodes")
        self.assertEqual(result.code, 2)
        self.assertTrue(result.err.startswith(
            "hetsched: --tls-ca: cannot read /nonexistent/ca.pem"),
            result.err)

    def test_json_of_a_job_matches_the_cpp_cli(self) -> None:
        job_id = py("submit", self.job_file("cli-json", "true"),
                    "--wait").out.strip()
        mine = py("job", "describe", job_id, "-o", "json")
        theirs = cpp("job", "describe", job_id, "-o", "json")
        self.assertEqual(mine.code, 0, mine.err)
        self.assertEqual(json.loads(mine.out), json.loads(theirs.out))
        # Global flags may come before the command too.
        before = py("-o", "json", "job", "describe", job_id)
        self.assertEqual(json.loads(before.out), json.loads(theirs.out))

    def test_jobs_lists_live_jobs_and_history_on_request(self) -> None:
        job_id = py("submit", self.job_file("cli-list", "true"),
                    "--wait").out.strip()
        live = json.loads(py("jobs", "-o", "json").out)["jobs"]
        self.assertNotIn(job_id, [j["id"] for j in live])
        history = json.loads(py("jobs", "--all", "-o", "json").out)["jobs"]
        self.assertIn(job_id, [j["id"] for j in history])
        table = py("jobs", "--state", "succeeded")
        self.assertEqual(table.code, 0, table.err)
        self.assertTrue(table.out.startswith("ID "), table.out)
        self.assertIn(job_id, table.out)

    def test_cancel_prints_the_state(self) -> None:
        submitted = py("submit", self.job_file("cli-sleep", "sleep 60"))
        job_id = submitted.out.strip()
        cancelled = py("cancel", job_id, "--reason", "test")
        self.assertEqual(cancelled.code, 0, cancelled.err)
        self.assertRegex(cancelled.out,
                         rf"^job {job_id}: (CANCELLED|cancelling)\n$")
        watched = py("watch", job_id)
        self.assertEqual(watched.code, 0, watched.err)
        self.assertTrue(watched.out.splitlines()[-1].startswith(
            f"job {job_id} is CANCELLED"), watched.out)

    def test_nodes_queues_and_usage_print_tables(self) -> None:
        nodes = py("nodes")
        self.assertEqual(nodes.code, 0, nodes.err)
        self.assertEqual(nodes.out.splitlines()[0].split(),
                         cpp("nodes").out.splitlines()[0].split())
        self.assertIn(LocalCluster.NODE, nodes.out)
        self.assertIn(LocalCluster.KIND, nodes.out)
        queues = py("queues")
        self.assertEqual(queues.out.splitlines()[0].split(),
                         cpp("queues").out.splitlines()[0].split())
        self.assertIn("default", queues.out)
        usage = py("usage", "--since", "1h", "--by", "queue")
        self.assertEqual(usage.code, 0, usage.err)
        self.assertIn("TOTAL", usage.out)
        mine = json.loads(py("nodes", "-o", "json").out)
        self.assertEqual([n["info"]["name"] for n in mine["nodes"]],
                         [LocalCluster.NODE])


if __name__ == "__main__":
    unittest.main()
