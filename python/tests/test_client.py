"""hetsched.Client against a real hetsched-scheduler and hetsched-agent on
loopback (label: integration)."""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
from typing import Any, Dict, List, Optional

import grpc

import hetsched
from hetsched import job_pb2
from local_cluster import LocalCluster, poll

cluster: Optional[LocalCluster] = None


def setUpModule() -> None:
    global cluster
    cluster = LocalCluster().start()


def tearDownModule() -> None:
    if cluster is not None:
        cluster.stop()


def job(name: str, command: List[str], **extra: Any) -> Dict[str, Any]:
    """A one-replica job on one accelerator. (The scheduler finds a job
    that asks for no accelerator infeasible.)"""
    group = {"replicas": 1, "command": command,
             "accelerators": {"count": 1, "kinds": [LocalCluster.KIND]}}
    return {"name": name, "task_groups": [group], **extra}


class ClientTest(unittest.TestCase):

    def setUp(self) -> None:
        self.client = cluster.client(owner="py-test")
        self.addCleanup(self.client.close)

    def wait(self, job_id: str) -> int:
        try:
            return self.client.wait(job_id, timeout_s=60)
        except hetsched.DeadlineExceededError:
            self.fail(f"{self.client.get(job_id)}\n{cluster.logs()}")

    def test_echo_job_exits_zero_and_its_log_holds_the_output(self) -> None:
        job_id = self.client.submit(job("echo", ["echo", "hello"]))
        self.assertRegex(job_id, r"^j-\d+$")
        self.assertEqual(self.wait(job_id), 0)
        self.assertEqual("".join(self.client.logs(job_id)), "hello\n")
        self.assertEqual("".join(self.client.logs(job_id, follow=False)),
                         "hello\n")
        ended = self.client.get(job_id)
        self.assertEqual(ended.state, job_pb2.JOB_STATE_SUCCEEDED)
        self.assertEqual(ended.spec.owner, "py-test")
        self.assertEqual(ended.spec.queue, "default")  # the scheduler's default

    def test_followed_log_streams_until_the_replica_ends(self) -> None:
        job_id = self.client.submit(job("follow", [
            "sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.1; done"]))
        text = "".join(self.client.logs(job_id, follow=True))
        self.assertEqual(text, "line 1\nline 2\nline 3\n")
        self.assertEqual(self.wait(job_id), 0)

    def test_stderr_is_its_own_stream(self) -> None:
        job_id = self.client.submit(job("stderr", [
            "sh", "-c", "echo out; echo err >&2"]))
        self.assertEqual(self.wait(job_id), 0)
        self.assertEqual("".join(self.client.logs(job_id, stderr=True)),
                         "err\n")

    def test_yaml_file_is_submitted_as_the_cli_reads_it(self) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml",
                                         delete=False) as f:
            f.write("name: from-yaml\n"
                    "priority: 5\n"
                    "task_groups:\n"
                    "  - replicas: 1\n"
                    f"    accelerators: {{count: 1, kinds: "
                    f"[{LocalCluster.KIND}]}}\n"
                    "    command: [sh, -c, 'echo $GREETING']\n"
                    "    env: {GREETING: hi}\n")
        self.addCleanup(os.unlink, f.name)
        job_id = self.client.submit(f.name)
        self.assertEqual(self.wait(job_id), 0)
        ended = self.client.get(job_id)
        self.assertEqual(ended.spec.priority, 5)
        self.assertEqual(ended.tasks[0].node, LocalCluster.NODE)
        self.assertEqual(ended.tasks[0].accelerator_kind, LocalCluster.KIND)
        self.assertEqual("".join(self.client.logs(job_id)), "hi\n")

    def test_failing_job_returns_the_replicas_exit_code(self) -> None:
        job_id = self.client.submit(job("fails", ["sh", "-c", "exit 3"]))
        self.assertEqual(self.wait(job_id), 3)
        ended = self.client.get(job_id)
        self.assertEqual(ended.state, job_pb2.JOB_STATE_FAILED)
        self.assertEqual(ended.exit_code, 3)

    def test_after_not_ok_runs_a_fallback_only_when_the_job_failed(
            self) -> None:
        failing = self.client.submit(job("flaky", ["sh", "-c", "exit 4"]))
        fallback = self.client.submit(job("fallback", ["true"]),
                                      after_not_ok=[failing])
        cleanup = self.client.submit(job("cleanup", ["true"]),
                                     after_any=[failing])
        skipped = self.client.submit(job("next", ["true"]), after=[failing])
        self.assertEqual(self.wait(fallback), 0)
        self.assertEqual(self.wait(cleanup), 0)
        self.wait(skipped)
        self.assertEqual(self.client.get(skipped).state,
                         job_pb2.JOB_STATE_CANCELLED)
        spec = self.client.get(fallback).spec
        self.assertEqual(list(spec.depends_on_not_ok), [failing])

    def test_array_elements_run_with_their_index_and_wait_sums_them(
            self) -> None:
        array_id = self.client.submit(
            job("shards",
                ["sh", "-c", "exit $((HETSCHED_ARRAY_TASK_ID * 3))"]),
            array="0-2%2")
        # Element 0 succeeds, 1 and 2 fail (3, 6): the first failure's code.
        self.assertEqual(self.wait(array_id), 3)
        for index, state in ((0, job_pb2.JOB_STATE_SUCCEEDED),
                             (2, job_pb2.JOB_STATE_FAILED)):
            element = self.client.get(f"{array_id}_{index}")
            self.assertEqual(element.state, state)
            self.assertEqual(element.array_job_id, array_id)
            self.assertEqual(element.array_task_id, index)
        self.assertEqual(self.client.get(array_id).state,
                         job_pb2.JOB_STATE_FAILED)
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            self.client.submit(job("bad", ["true"]), array="0-9%0")
        self.assertEqual(raised.exception.field, "array")

    def test_submit_with_wait_returns_once_the_job_ended(self) -> None:
        job_id = self.client.submit(job("waited", ["true"]), wait=True)
        self.assertEqual(self.client.get(job_id).state,
                         job_pb2.JOB_STATE_SUCCEEDED)

    def test_invalid_value_raises_invalid_argument_naming_the_field(
            self) -> None:
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            self.client.submit({"name": "bad", "task_groups": [
                {"replicas": 0, "command": ["true"]}]})
        e = raised.exception
        self.assertEqual(e.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.field, "task_groups[0].replicas")
        self.assertEqual(e.message,
                         "task_groups[0].replicas: must be between 1 and 4096")
        self.assertEqual(e.exit_code, 2)

        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            self.client.submit({"name": "bad-kind", "task_groups": [
                {"replicas": 1, "command": ["true"],
                 "accelerators": {"count": 1, "kinds": ["nvidia/h1000"]}}]})
        self.assertEqual(raised.exception.field,
                         "task_groups[0].accelerators.kinds[0]")
        self.assertIn("unknown accelerator kind 'nvidia/h1000'",
                      raised.exception.message)

    def test_misshapen_spec_raises_before_anything_is_sent(self) -> None:
        before = len(list(self.client.list()))
        with self.assertRaises(hetsched.SpecError) as raised:
            self.client.submit({"name": "typo", "task_groups": [
                {"replicas": 1, "comand": ["true"]}]})
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(raised.exception.field, "task_groups[0].comand")
        self.assertEqual(str(raised.exception),
                         "task_groups[0].comand: unknown field")
        self.assertEqual(len(list(self.client.list())), before)

    def test_list_pages_through_more_jobs_than_one_page(self) -> None:
        client = cluster.client(owner="pager")
        self.addCleanup(client.close)
        ids = [client.submit(job(f"page-{i}", ["true"])) for i in range(7)]
        pages = list(client.list_pages(owner="pager", page_size=3))
        self.assertEqual([len(p.jobs) for p in pages], [3, 3, 1])
        listed = [j.id for j in client.list(owner="pager", page_size=3)]
        # Newest first, by numeric id.
        self.assertEqual(listed, list(reversed(ids)))
        self.assertEqual(
            [j.id for j in client.list(owner="pager", page_size=3, limit=5)],
            list(reversed(ids))[:5])
        for job_id in ids:
            self.wait(job_id)
        succeeded = list(client.list(states=["succeeded"], owner="pager",
                                     page_size=2))
        self.assertEqual(len(succeeded), 7)
        self.assertEqual(list(client.list(states=["running"], owner="pager")),
                         [])

    def test_cancel_stops_a_running_job(self) -> None:
        job_id = self.client.submit(job("sleeper", ["sleep", "60"],
                                        termination_grace_s=1))

        def running() -> Optional[job_pb2.Job]:
            got = self.client.get(job_id)
            return got if any(t.state == job_pb2.TASK_STATE_RUNNING
                              for t in got.tasks) else None

        poll(f"{job_id} to run", running)
        answered = self.client.cancel(job_id, reason="test")
        self.assertEqual(answered.id, job_id)
        self.assertEqual(self.wait(job_id), 1)  # as `submit --wait` exits
        self.assertEqual(self.client.get(job_id).state,
                         job_pb2.JOB_STATE_CANCELLED)

    def test_watch_gives_the_events_until_the_job_ends(self) -> None:
        job_id = self.client.submit(job("watched", ["true"]))
        types = [e.type for e in self.client.watch(job_id)]
        self.assertEqual(types[0], "SUBMITTED")
        self.assertIn("TASK_RUNNING", types)
        self.assertEqual(types[-1], "SUCCEEDED")
        self.assertEqual(self.client.get(job_id).state,
                         job_pb2.JOB_STATE_SUCCEEDED)

    def test_unknown_job_raises_not_found(self) -> None:
        with self.assertRaises(hetsched.NotFoundError) as raised:
            self.client.get("j-999999")
        self.assertEqual(raised.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertIsNone(raised.exception.field)
        with self.assertRaises(hetsched.NotFoundError):
            self.client.wait("j-999999")

    def test_hold_release_and_update_a_pending_job(self) -> None:
        # More accelerators than the node has: it stays pending for sure.
        big = job("too-big", ["true"])
        big["task_groups"][0]["accelerators"]["count"] = \
            LocalCluster.ACCELERATORS + 1
        job_id = self.client.submit(big)
        self.addCleanup(self.client.cancel, job_id)
        held = self.client.hold(job_id, reason="wait for data")
        self.assertTrue(held.held)
        self.assertIn("held by", held.pending_reason)
        self.assertIn("wait for data", held.pending_reason)
        self.assertEqual(self.client.update(job_id, priority=-5).spec.priority,
                         -5)
        released = self.client.release(job_id)
        self.assertFalse(released.held)
        self.assertNotIn("held by", released.pending_reason)
        with self.assertRaises(hetsched.FailedPreconditionError):
            self.client.release(job_id)

    def test_requeue_runs_the_job_again_as_the_next_attempt(self) -> None:
        job_id = self.client.submit(job("requeued", ["sleep", "60"],
                                        termination_grace_s=1))
        self.addCleanup(self.client.cancel, job_id)

        def running(attempt: int) -> Optional[job_pb2.Job]:
            got = self.client.get(job_id)
            return got if got.attempt == attempt and any(
                t.state == job_pb2.TASK_STATE_RUNNING and
                t.attempt == attempt for t in got.tasks) else None

        poll(f"{job_id} to run", lambda: running(0))
        self.client.requeue(job_id, reason="test")
        again = poll(f"{job_id} to run again", lambda: running(1))
        self.assertIn("REQUEUE_REQUESTED", [e.type for e in again.events])

    def test_jobs_and_nodes_are_listed_by_label(self) -> None:
        labelled = self.client.submit(job("labelled", ["true"],
                                          labels={"team": "vision"}))
        plain = self.client.submit(job("plain", ["true"]))
        listed = [j.id for j in self.client.list(selector="team=vision")]
        self.assertIn(labelled, listed)
        self.assertNotIn(plain, listed)
        self.assertNotIn(labelled,
                         [j.id for j in self.client.list(selector="!team")])
        self.assertEqual(
            [n.info.name for n in self.client.nodes(
                selector=f"hetsched.io/hostname={LocalCluster.NODE}")],
            [LocalCluster.NODE])
        self.assertEqual(self.client.nodes(selector="pool=nowhere"), [])
        with self.assertRaises(hetsched.InvalidArgumentError) as raised:
            list(self.client.list(selector="team in (a)"))
        self.assertEqual(raised.exception.field, "label_selector")

    def test_nodes_show_the_agent(self) -> None:
        nodes = {n.info.name: n for n in self.client.nodes()}
        self.assertIn(LocalCluster.NODE, nodes)
        node = nodes[LocalCluster.NODE]
        self.assertTrue(node.connected)
        self.assertEqual([a.kind for a in node.info.accelerators],
                         [LocalCluster.KIND] * LocalCluster.ACCELERATORS)
        self.assertEqual(self.client.node(LocalCluster.NODE).info.name,
                         LocalCluster.NODE)

    def test_queues_include_default(self) -> None:
        self.assertIn("default", [q.name for q in self.client.queues()])

    def test_usage_counts_a_jobs_accelerator_time(self) -> None:
        job_id = self.client.submit(job("used", ["sleep", "0.3"]))
        self.assertEqual(self.wait(job_id), 0)
        usage = self.client.usage(since="1h", by="job")
        rows = {r.key: r for r in usage.rows}
        self.assertIn(job_id, rows)
        self.assertGreater(rows[job_id].accelerator_hours, 0)
        with self.assertRaises(hetsched.InvalidArgumentError):
            self.client.usage(by="colour")

    def test_workdir_ships_code_and_setup_runs_first(self) -> None:
        code = tempfile.mkdtemp(prefix="hetsched-workdir-")
        self.addCleanup(shutil.rmtree, code)
        with open(os.path.join(code, "run.sh"), "w") as f:
            f.write("cat made-by-setup\nls\n")
        with open(os.path.join(code, ".hetschedignore"), "w") as f:
            f.write("*.ckpt\n")
        with open(os.path.join(code, "model.ckpt"), "w") as f:
            f.write("left at home")
        spec = job("shipped", ["sh", "run.sh"])
        spec["setup"] = ["sh", "-c", "echo set-up > made-by-setup"]
        job_id = self.client.submit(spec, workdir=code, wait=True)
        finished = self.client.get(job_id)
        self.assertEqual(finished.state, job_pb2.JOB_STATE_SUCCEEDED,
                         finished)
        self.assertEqual(len(finished.spec.workdir_sha256), 64)
        log = "".join(self.client.logs(job_id, follow=False))
        self.assertIn("set-up", log)
        self.assertIn("run.sh", log)
        self.assertNotIn("model.ckpt", log)
        # The same directory again: the same digest, not uploaded twice.
        self.assertEqual(self.client.upload_workdir(code),
                         finished.spec.workdir_sha256)

    def test_workdir_past_the_limit_is_refused_before_sending(self) -> None:
        code = tempfile.mkdtemp(prefix="hetsched-workdir-")
        self.addCleanup(shutil.rmtree, code)
        with open(os.path.join(code, "data.bin"), "wb") as f:
            f.write(os.urandom(4096))
        with self.assertRaisesRegex(hetsched.InvalidArgumentError,
                                    "more than 100 bytes"):
            self.client.submit(job("big", ["true"]), workdir=code,
                               workdir_max_bytes=100)


class UnreachableAgentTest(unittest.TestCase):

    def test_log_of_a_stopped_agent_blames_the_agent(self) -> None:
        own = LocalCluster().start()  # its agent is stopped below
        self.addCleanup(own.stop)
        client = own.client()
        self.addCleanup(client.close)
        job_id = client.submit(job("orphan", ["sleep", "60"]))
        poll(f"{job_id} to run", lambda: True if any(
            t.state == job_pb2.TASK_STATE_RUNNING
            for t in client.get(job_id).tasks) else None)
        own.agent.stop()
        with self.assertRaises(hetsched.UnavailableError) as raised:
            list(client.logs(job_id, follow=False))
        # The scheduler answered; the agent it relays from is gone.
        self.assertTrue(raised.exception.message.startswith("agent at "),
                        raised.exception.message)


class UnreachableSchedulerTest(unittest.TestCase):

    def test_unreachable_scheduler_raises_unavailable(self) -> None:
        # Port 1 (tcpmux) is not served on a test host.
        with hetsched.Client("127.0.0.1:1", tls=False, timeout_s=2) as client:
            with self.assertRaises(hetsched.UnavailableError) as raised:
                client.nodes()
        self.assertIn("cannot reach scheduler at 127.0.0.1:1",
                      raised.exception.message)
        self.assertEqual(raised.exception.exit_code, 1)


if __name__ == "__main__":
    unittest.main()
