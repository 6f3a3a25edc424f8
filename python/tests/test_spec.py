"""Job specs from YAML and dicts, errors and exit codes: pure, no
processes (label: unit)."""

from __future__ import annotations

import os
import tempfile
import unittest

import grpc

import hetsched
from hetsched import errors, job_pb2

GOOD = """\
name: train-demo
queue: research
priority: 100
kind: training
max_runtime_s: 3600
preemptible: yes
depends_on: [j-000001]
topology: {same_ultraserver: preferred}
retry: {max_retries: 2}
task_groups:
  - name: workers
    replicas: 2
    accelerators: {count: 8, kinds: [nvidia/h100, nvidia/a100]}
    command: ["torchrun", "train.py"]
    env: {NCCL_DEBUG: INFO, STEPS: "100"}
    memory_bytes: 1024
"""


class SpecTest(unittest.TestCase):

    def assertSpecError(self, text: str, message: str) -> None:
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.parse_yaml(text)
        self.assertEqual(raised.exception.message, message)
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)

    def test_yaml_fills_every_field(self) -> None:
        spec = hetsched.parse_yaml(GOOD)
        self.assertEqual(spec.name, "train-demo")
        self.assertEqual(spec.queue, "research")
        self.assertEqual(spec.priority, 100)
        self.assertEqual(spec.kind, job_pb2.JOB_KIND_TRAINING)
        self.assertEqual(spec.max_runtime_s, 3600)
        self.assertTrue(spec.preemptible)
        self.assertEqual(list(spec.depends_on), ["j-000001"])
        self.assertEqual(spec.topology.same_ultraserver,
                         job_pb2.TOPOLOGY_REQUIREMENT_PREFERRED)
        self.assertEqual(spec.retry.max_retries, 2)
        group = spec.task_groups[0]
        self.assertEqual((group.name, group.replicas), ("workers", 2))
        self.assertEqual(group.accelerators.count, 8)
        self.assertEqual(list(group.accelerators.kinds),
                         ["nvidia/h100", "nvidia/a100"])
        self.assertEqual(list(group.command), ["torchrun", "train.py"])
        self.assertEqual(dict(group.env), {"NCCL_DEBUG": "INFO",
                                           "STEPS": "100"})
        self.assertEqual(group.memory_bytes, 1024)

    def test_dict_gives_the_same_spec_as_yaml(self) -> None:
        spec = hetsched.from_dict({
            "name": "train-demo", "queue": "research", "priority": 100,
            "kind": "training", "max_runtime_s": 3600, "preemptible": True,
            "depends_on": ["j-000001"],
            "topology": {"same_ultraserver": "preferred"},
            "retry": {"max_retries": 2},
            "task_groups": [{
                "name": "workers", "replicas": 2,
                "accelerators": {"count": 8,
                                 "kinds": ["nvidia/h100", "nvidia/a100"]},
                "command": ["torchrun", "train.py"],
                "env": {"NCCL_DEBUG": "INFO", "STEPS": "100"},
                "memory_bytes": 1024}]})
        self.assertEqual(spec, hetsched.parse_yaml(GOOD))

    def test_every_kind_of_dependency_is_read(self) -> None:
        spec = hetsched.from_dict({
            "name": "x", "depends_on_any": ["j-000002"],
            "depends_on_not_ok": ["j-000003"], "singleton": True,
            "array": "0-9%2", "depends_on_corr": ["j-000004"],
            "task_groups": [{"command": ["true"]}]})
        self.assertEqual(spec.array, "0-9%2")
        self.assertEqual(list(spec.depends_on_corr), ["j-000004"])
        self.assertEqual(list(spec.depends_on_any), ["j-000002"])
        self.assertEqual(list(spec.depends_on_not_ok), ["j-000003"])
        self.assertTrue(spec.singleton)
        self.assertSpecError("name: a\nsingleton: often\n",
                             "singleton: must be true or false, got 'often'")

    def test_labels_and_node_selectors_are_read(self) -> None:
        spec = hetsched.parse_yaml(
            "name: a\nlabels: {team: vision, exp: \"7\"}\ntask_groups:\n"
            "  - command: [x]\n    node_selector: {pool: spot}\n")
        self.assertEqual(dict(spec.labels), {"team": "vision", "exp": "7"})
        self.assertEqual(dict(spec.task_groups[0].node_selector),
                         {"pool": "spot"})
        self.assertEqual(spec, hetsched.from_dict({
            "name": "a", "labels": {"team": "vision", "exp": "7"},
            "task_groups": [{"command": ["x"],
                             "node_selector": {"pool": "spot"}}]}))
        self.assertSpecError("name: a\nlabels: [team]\n",
                             "labels: must be a mapping")

    def test_errors_name_the_field_as_the_cli_does(self) -> None:
        self.assertSpecError(
            "name: a\ntask_groups:\n  - replicas: two\n    command: [x]\n",
            "task_groups[0].replicas: must be an integer, got 'two'")
        self.assertSpecError("name: a\ntas_groups: []\n",
                             "tas_groups: unknown field")
        self.assertSpecError("name: a\nname: b\n", "name: given twice")
        self.assertSpecError(
            "name: a\ntopology: {same_ultraserver: yes}\n",
            "topology.same_ultraserver: must be required, preferred or "
            "none, got 'yes'")
        self.assertSpecError("kind: batch\n",
                             "kind: must be training or inference, got "
                             "'batch'")
        self.assertSpecError("name: a\ntask_groups: {}\n",
                             "task_groups: must be a list")
        self.assertSpecError("- a\n", "spec: must be a mapping")
        self.assertSpecError(
            "task_groups:\n  - command: x\n",
            "task_groups[0].command: must be a list of strings")
        self.assertSpecError("max_runtime_s: -1\n",
                             "max_runtime_s: must be a non-negative "
                             "integer, got '-1'")

    def test_error_carries_the_field_path(self) -> None:
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.from_dict({"task_groups": [
                {"accelerators": {"count": "8"}}]})
        self.assertEqual(raised.exception.field,
                         "task_groups[0].accelerators.count")
        self.assertIsInstance(raised.exception, hetsched.InvalidArgumentError)

    def test_yaml_that_does_not_parse_names_the_line(self) -> None:
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.parse_yaml("name: [a\n")
        self.assertRegex(raised.exception.message, r"^line 2, column 1: ")
        self.assertIsNone(raised.exception.field)

    def test_file_errors_start_with_the_file_name(self) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml",
                                         delete=False) as f:
            f.write("name: a\nbogus: 1\n")
        self.addCleanup(os.unlink, f.name)
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.load_file(f.name)
        self.assertEqual(raised.exception.message,
                         f"{f.name}: bogus: unknown field")
        self.assertEqual(raised.exception.field, "bogus")
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.load_file("/nonexistent/job.yaml")
        self.assertTrue(raised.exception.message.startswith(
            "/nonexistent/job.yaml: cannot open file"))

    def test_dict_values_keep_their_python_types(self) -> None:
        with self.assertRaises(hetsched.SpecError) as raised:
            hetsched.from_dict({"task_groups": [{"env": {"STEPS": 100}}]})
        self.assertEqual(raised.exception.message,
                         "task_groups[0].env.STEPS: must be a string")
        with self.assertRaises(hetsched.SpecError):
            hetsched.from_dict({"preemptible": "yes"})
        with self.assertRaises(hetsched.SpecError):
            hetsched.from_dict({"priority": True})


class ErrorsTest(unittest.TestCase):

    def test_field_is_the_path_before_the_reason(self) -> None:
        self.assertEqual(
            errors.field_of("task_groups[0].env.RANK: is set by hetsched"),
            "task_groups[0].env.RANK")
        self.assertEqual(errors.field_of("depends_on[1]: j-1 is listed twice"),
                         "depends_on[1]")
        self.assertEqual(errors.field_of("spec: must be at most 1 bytes"),
                         "spec")
        self.assertIsNone(errors.field_of("job j-000404 not found"))
        self.assertIsNone(errors.field_of("--since: must be a duration"))

    def test_exit_codes_follow_the_cli(self) -> None:
        self.assertEqual(errors.InvalidArgumentError("x").exit_code, 2)
        self.assertEqual(errors.NotFoundError("x").exit_code, 2)
        self.assertEqual(errors.UnavailableError("x").exit_code, 1)
        self.assertEqual(errors.FailedPreconditionError("x").exit_code, 1)

    def test_job_exit_code_is_sbatch_waits(self) -> None:
        def job(state: int, code: int = 0) -> job_pb2.Job:
            return job_pb2.Job(state=state, exit_code=code)

        self.assertEqual(hetsched.exit_code_of(
            job(job_pb2.JOB_STATE_SUCCEEDED)), 0)
        self.assertEqual(hetsched.exit_code_of(
            job(job_pb2.JOB_STATE_FAILED, 3)), 3)
        self.assertEqual(hetsched.exit_code_of(
            job(job_pb2.JOB_STATE_FAILED, 0)), 1)  # a lost replica
        self.assertEqual(hetsched.exit_code_of(
            job(job_pb2.JOB_STATE_FAILED, -9)), 1)
        self.assertEqual(hetsched.exit_code_of(
            job(job_pb2.JOB_STATE_CANCELLED)), 1)

    def test_durations_and_states_read_as_the_cli_reads_them(self) -> None:
        self.assertEqual(hetsched.parse_duration_ms("90s"), 90_000)
        self.assertEqual(hetsched.parse_duration_ms("7d"), 7 * 86_400_000)
        with self.assertRaises(hetsched.InvalidArgumentError):
            hetsched.parse_duration_ms("1w")
        self.assertEqual(hetsched.parse_job_state("running"),
                         job_pb2.JOB_STATE_RUNNING)
        self.assertEqual(hetsched.parse_job_state("JOB_STATE_FAILED"),
                         job_pb2.JOB_STATE_FAILED)
        with self.assertRaises(hetsched.InvalidArgumentError):
            hetsched.parse_job_state("unspecified")

    def test_tls_needs_all_three_files(self) -> None:
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            hetsched.Tls("ca.pem", "", "key.pem").credentials()
        self.assertEqual(raised.exception.field, "tls.cert")
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            hetsched.Tls("/nonexistent/ca.pem", "c", "k").credentials()
        self.assertEqual(raised.exception.field, "tls.ca")
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            hetsched.Tls("", "", "").credentials(("--tls-ca", "--tls-cert",
                                                  "--tls-key"))
        self.assertEqual(raised.exception.field, "--tls-ca")


if __name__ == "__main__":
    unittest.main()
