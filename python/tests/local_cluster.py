"""A real hetsched-scheduler and hetsched-agent on free loopback ports, for
the Python client's integration tests (the counterpart of
tests/integration/local_cluster.cc).

The binaries come from the environment that ctest sets
(python/CMakeLists.txt): HETSCHED_SCHEDULER_BIN, HETSCHED_AGENT_BIN and
HETSCHED_CLI_BIN. Every wait polls with a deadline. Not thread-safe.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Callable, List, Optional, TypeVar

import hetsched

T = TypeVar("T")

START_TIMEOUT_S = 30.0
POLL_S = 0.05
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # A test killed by ctest's timeout must not leave daemons behind.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG,
                                            signal.SIGTERM)


def binary(env_name: str) -> str:
    """The path of a daemon from the environment; fails the test plainly
    when it is missing (run through ctest, or set the variable)."""
    path = os.environ.get(env_name, "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"{env_name} must name a built binary (got {path!r}); run "
            f"scripts/build, then ctest -R python")
    return path


def poll(what: str, check: Callable[[], Optional[T]],
         timeout_s: float = START_TIMEOUT_S) -> T:
    """Calls `check` until it returns something other than None; raises
    AssertionError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s: {what}")
        time.sleep(POLL_S)


class Daemon:
    """One child process whose stdout and stderr go to files (LOG.out,
    LOG.err); the first line of its stdout says where it listens."""

    def __init__(self, argv: List[str], log_path: str) -> None:
        self.log_path = log_path
        with open(log_path + ".out", "wb") as out, \
                open(log_path + ".err", "wb") as err:
            self.process = subprocess.Popen(argv, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)

    def stdout(self) -> str:
        with open(self.log_path + ".out", encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def log(self) -> str:
        """stdout, then stderr."""
        with open(self.log_path + ".err", encoding="utf-8",
                  errors="replace") as f:
            return self.stdout() + f.read()

    def listen_address(self) -> str:
        marker = " listening on "

        def first_line() -> Optional[str]:
            text = self.stdout()
            if "\n" in text:
                return text.split("\n", 1)[0]
            if self.process.poll() is not None:
                raise AssertionError(f"exited before listening:\n"
                                     f"{self.log()}")
            return None

        line = poll(f"a listen line in {self.log_path}", first_line)
        if marker not in line:
            raise AssertionError(f"unexpected first line: {line}")
        return line.split(marker, 1)[1].strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class LocalCluster:
    """A scheduler and one agent (`node-a`, two simulated nvidia/h100)
    under a temporary directory; stop() ends everything they started."""

    NODE = "node-a"
    KIND = "nvidia/h100"
    ACCELERATORS = 2

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="hetsched-py-")
        self.scheduler: Optional[Daemon] = None
        self.agent: Optional[Daemon] = None
        self.address = ""

    def start(self) -> "LocalCluster":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.scheduler = Daemon(
            [binary("HETSCHED_SCHEDULER_BIN"), "--listen", "127.0.0.1:0",
             "--data-dir", os.path.join(self.dir, "scheduler"),
             "--heartbeat-ms", "200", "--node-lost-timeout-s", "3",
             "--kill-grace-s", "2", "--retry-backoff-s", "1"],
            os.path.join(self.dir, "scheduler.log"))
        self.address = self.scheduler.listen_address()
        inventory = os.path.join(self.dir, f"{self.NODE}.yaml")
        with open(inventory, "w", encoding="utf-8") as f:
            f.write("instance_type: test\n"
                    f"accelerators: {{kind: {self.KIND}, "
                    f"count: {self.ACCELERATORS}}}\n"
                    "labels: {provider: aws, ultraserver: us-1}\n")
        self.agent = Daemon(
            [binary("HETSCHED_AGENT_BIN"), "--scheduler", self.address,
             "--name", self.NODE, "--inventory", inventory,
             "--listen", "127.0.0.1:0",
             "--work-dir", os.path.join(self.dir, self.NODE),
             "--heartbeat-ms", "200", "--kill-grace-s", "2"],
            os.path.join(self.dir, "agent.log"))
        self.agent.listen_address()
        with self.client() as client:
            def ready() -> Optional[bool]:
                try:
                    nodes = client.nodes()
                except hetsched.UnavailableError:
                    return None
                return True if any(
                    n.connected and n.state == hetsched.node_pb2.NODE_STATE_READY
                    for n in nodes) else None

            poll("the agent's node to be READY", ready)

    def client(self, **kwargs) -> hetsched.Client:
        kwargs.setdefault("tls", False)
        return hetsched.Client(self.address, **kwargs)

    def stop(self) -> None:
        for daemon in (self.agent, self.scheduler):
            if daemon is not None:
                daemon.stop()
        # A stopped agent leaves its tasks to their supervisors (as in
        # production); a test leaves nothing behind.
        kill_supervisors_under(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self) -> str:
        """Both daemons' logs, for a failing test's message."""
        return "\n".join(f"--- {d.log_path}\n{d.log()}"
                         for d in (self.scheduler, self.agent) if d)


def kill_supervisors_under(directory: str) -> None:
    """Kills the task supervisors (and their tasks' process groups) whose
    task directory lies under `directory`: only what this test started."""
    prefix = directory.rstrip("/") + "/"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if len(argv) < 2 or not argv[0].endswith(b"hetsched-task-supervisor") \
                or not argv[1].decode(errors="replace").startswith(prefix):
            continue
        try:
            with open(os.path.join(argv[1].decode(), "supervisor"),
                      encoding="utf-8") as record:
                for line in record:
                    if line.startswith("pgid="):
                        pgid = int(line[5:])
                        if pgid > 1:
                            os.killpg(pgid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        try:
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
