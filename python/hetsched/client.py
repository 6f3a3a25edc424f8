"""Client: the Python side of the scheduler's JobService and NodeService.

It connects as the `hetsched` CLI does (docs/cli.md): the address from the
argument, else $HETSCHED_SCHEDULER, else 127.0.0.1:7070; mutual TLS from
the three files given, else $HETSCHED_TLS_CA/_CERT/_KEY, else plaintext.
Under TLS the scheduler takes who you are from your certificate; without
it, a job's owner is the spec's `owner`, else $USER.

Every failure is a HetschedError (hetsched.errors) with the gRPC code and,
for bad input, the field path. A Client may be shared by threads (gRPC
channels are thread-safe); its generators each hold their own call.
"""

from __future__ import annotations

import codecs
import datetime
import os
import re
import time
from dataclasses import dataclass
from typing import (Any, Callable, Iterable, Iterator, List, Optional,
                    Sequence, Union)

import grpc

from hetsched import errors
from hetsched import workdir as _workdir
from hetsched._proto import job_pb2, node_pb2, scheduler_pb2
from hetsched._proto import scheduler_pb2_grpc
from hetsched.spec import SpecLike, default_owner, to_spec

__all__ = ["Client", "Tls", "DEFAULT_SCHEDULER", "ENDED_STATES",
           "exit_code_of", "parse_duration_ms", "parse_job_state"]

DEFAULT_SCHEDULER = "127.0.0.1:7070"
SCHEDULER_ENV = "HETSCHED_SCHEDULER"

#: Job states after which nothing changes.
ENDED_STATES = frozenset({job_pb2.JOB_STATE_SUCCEEDED,
                          job_pb2.JOB_STATE_FAILED,
                          job_pb2.JOB_STATE_CANCELLED})

_JobState = int  # a job_pb2.JobState value
_StatesArg = Optional[Iterable[Union[str, _JobState]]]


@dataclass(frozen=True)
class Tls:
    """Mutual TLS files, as the CLI's --tls-ca, --tls-cert and --tls-key:
    the CA that signed every hetsched certificate, your certificate and
    its private key (PEM)."""

    ca: str
    cert: str
    key: str

    @classmethod
    def from_env(cls, getenv: Callable[[str], Optional[str]] = os.environ.get
                 ) -> Optional["Tls"]:
        """Tls from $HETSCHED_TLS_CA/_CERT/_KEY; None when none is set."""
        ca, cert, key = (getenv(f"HETSCHED_TLS_{n}") or ""
                         for n in ("CA", "CERT", "KEY"))
        if not (ca or cert or key):
            return None
        return cls(ca, cert, key)

    def credentials(self, names: Sequence[str] = ("tls.ca", "tls.cert",
                                                  "tls.key")
                    ) -> grpc.ChannelCredentials:
        """The channel credentials; all three files must be readable PEM.

        Raises:
          InvalidArgumentError: a file missing or unreadable, with `field`
            its name in `names` (the CLI passes its flag names).
        """
        files = list(zip(names, (self.ca, self.cert, self.key)))
        for name, path in files:
            if not path:
                raise errors.InvalidArgumentError(
                    f"{name}: required with the other TLS files (mutual TLS)",
                    field=name)
        pems = []
        for name, path in files:
            try:
                with open(path, "rb") as f:
                    pem = f.read()
            except OSError as e:
                raise errors.InvalidArgumentError(
                    f"{name}: cannot read {path}: {e.strerror}",
                    field=name) from None
            if b"-----BEGIN " not in pem:
                raise errors.InvalidArgumentError(
                    f"{name}: {path} holds no PEM block", field=name)
            pems.append(pem)
        return grpc.ssl_channel_credentials(root_certificates=pems[0],
                                            certificate_chain=pems[1],
                                            private_key=pems[2])


def parse_duration_ms(text: str) -> int:
    """'90s', '30m', '24h', '7d' in milliseconds, as the CLI's --since.

    Raises:
      InvalidArgumentError: anything else.
    """
    match = re.fullmatch(r"([0-9]{1,9})([smhd])", text)
    if not match:
        raise errors.InvalidArgumentError(
            f"since: must be a duration such as 90s, 30m, 24h or 7d, got "
            f"'{text}'", field="since")
    unit = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
    return int(match.group(1)) * unit[match.group(2)]


def parse_job_state(state: Union[str, _JobState]) -> _JobState:
    """A JobState from 'running', 'RUNNING', 'JOB_STATE_RUNNING' or the
    enum value itself.

    Raises:
      InvalidArgumentError: an unknown word.
    """
    if isinstance(state, int):
        return state
    word = state.upper()
    if not word.startswith("JOB_STATE_"):
        word = "JOB_STATE_" + word
    try:
        value = job_pb2.JobState.Value(word)
    except ValueError:
        value = job_pb2.JOB_STATE_UNSPECIFIED
    if value == job_pb2.JOB_STATE_UNSPECIFIED:
        known = ", ".join(n[len("JOB_STATE_"):].lower()
                          for n in job_pb2.JobState.keys()
                          if n != "JOB_STATE_UNSPECIFIED")
        raise errors.InvalidArgumentError(
            f"state: unknown state '{state}' (known: {known})", field="state")
    return value


def exit_code_of(job: job_pb2.Job) -> int:
    """The exit code of an ended job as `hetsched submit --wait` exits
    (sbatch --wait's rule): 0 if it SUCCEEDED; if it FAILED, the exit code
    of the replica that failed it, or 1 when that is not 1-255 (a lost
    replica); 1 if CANCELLED."""
    if job.state == job_pb2.JOB_STATE_SUCCEEDED:
        return 0
    if job.state == job_pb2.JOB_STATE_FAILED and 0 < job.exit_code <= 255:
        return job.exit_code
    return 1


def _to_unix_ms(when: Union[str, int, float, datetime.datetime, None],
                now_ms: int) -> int:
    if when is None:
        return 0
    if isinstance(when, str):
        return max(0, now_ms - parse_duration_ms(when))
    if isinstance(when, datetime.datetime):
        return int(when.timestamp() * 1000)
    return int(when)


class Client:
    """A connection to one hetsched scheduler.

    >>> client = Client("127.0.0.1:7070")
    >>> job_id = client.submit("train.yaml")
    >>> client.wait(job_id)
    0

    Args:
      address: the scheduler's gRPC target (HOST:PORT, unix:PATH); None:
        $HETSCHED_SCHEDULER, else 127.0.0.1:7070.
      tls: a Tls (or ChannelCredentials) for mutual TLS; None: from
        $HETSCHED_TLS_CA/_CERT/_KEY when set, else plaintext; False:
        plaintext whatever the environment says.
      timeout_s: the deadline of each unary call (not of wait, watch and
        followed logs, which last as long as the job).
      owner: the owner of submitted jobs whose spec names none; None:
        $USER, else $LOGNAME. Under TLS the scheduler uses your
        certificate's name instead (admins may submit for others).
      reconnect_timeout_s: how long wait() and watch() keep reconnecting
        to a scheduler that went away before giving up.
    """

    def __init__(self, address: Optional[str] = None, *,
                 tls: Union[Tls, grpc.ChannelCredentials, bool, None] = None,
                 timeout_s: float = 10.0, owner: Optional[str] = None,
                 reconnect_timeout_s: float = 600.0) -> None:
        self.address = address or os.environ.get(SCHEDULER_ENV) or \
            DEFAULT_SCHEDULER
        self.timeout_s = timeout_s
        self.owner = owner if owner is not None else default_owner()
        self.reconnect_timeout_s = reconnect_timeout_s
        if tls is None:
            tls = Tls.from_env() or False
        # A scheduler restart must not leave wait() sleeping in gRPC's own
        # reconnect backoff (up to 120 s) long after it is back.
        options = [("grpc.max_reconnect_backoff_ms", 5000)]
        if tls is False:
            self._channel = grpc.insecure_channel(self.address, options)
        else:
            creds = tls.credentials() if isinstance(tls, Tls) else tls
            self._channel = grpc.secure_channel(self.address, creds, options)
        self._reached = False  # some call got an answer
        self._jobs = scheduler_pb2_grpc.JobServiceStub(self._channel)
        self._nodes = scheduler_pb2_grpc.NodeServiceStub(self._channel)

    # -- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Closes the channel; calls in flight fail with CANCELLED."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.address!r})"

    # -- jobs -------------------------------------------------------------

    def submit(self, spec: SpecLike, workdir: Optional[str] = None,
               wait: bool = False, after: Sequence[str] = (),
               after_any: Sequence[str] = (),
               after_not_ok: Sequence[str] = (),
               singleton: bool = False,
               workdir_max_bytes: int = _workdir.DEFAULT_MAX_BYTES,
               array: Optional[str] = None,
               after_corr: Sequence[str] = ()) -> str:
        """Submits a job and returns its id ("j-000042"), or a job
        array and returns the array's id (its elements are "j-000042_0",
        "j-000042_1", ...).

        Args:
          spec: a YAML file's path (docs/job-spec.md), a dict of the same
            shape, or a JobSpec message (copied, not changed).
          workdir: a directory shipped with the job (the CLI's --workdir):
            packed (minus what its .hetschedignore, else .gitignore,
            excludes), uploaded unless the scheduler stores it already,
            and unpacked as each replica's working directory; the spec's
            workdir_sha256 is set to its digest.
          wait: wait until the job ends before returning (then
            `wait(job_id)` or `get(job_id)` tell how it ended at once).
          after: job ids added to the spec's depends_on (the CLI's
            --after): the job is queued once they all succeeded.
          after_any: added to depends_on_any (--afterany): queued once
            they all ended, however they ended.
          after_not_ok: added to depends_on_not_ok (--afternotok): queued
            once they all failed or were cancelled; cancelled should one
            succeed.
          singleton: queued only once no earlier job of the same name and
            owner is pending or running (--singleton).
          array: a job array, replacing the spec's `array` (the CLI's
            --array): "0-99", "1,3,5-9", "0-15:4", with "%8" for at most
            8 elements queued or running at once.
          after_corr: job array ids added to depends_on_corr
            (--aftercorr): each element is queued once the element of
            the same index of each succeeded.
          workdir_max_bytes: refuse a workdir that packs to more than this
            (--workdir-max-bytes; 64 MiB).

        Raises:
          SpecError: a spec that does not parse (nothing is sent).
          InvalidArgumentError: the scheduler refused the spec; `field`
            names the field ("task_groups[0].replicas").
          InvalidArgumentError: the workdir is not a directory, holds a
            link pointing outside it, or packs past workdir_max_bytes
            (nothing is sent).
        """
        job_spec = to_spec(spec)
        if workdir is not None:
            job_spec.workdir_sha256 = self.upload_workdir(workdir,
                                                          workdir_max_bytes)
        if not job_spec.owner:
            job_spec.owner = self.owner
        job_spec.depends_on.extend(after)
        job_spec.depends_on_any.extend(after_any)
        job_spec.depends_on_not_ok.extend(after_not_ok)
        job_spec.depends_on_corr.extend(after_corr)
        if singleton:
            job_spec.singleton = True
        if array is not None:
            job_spec.array = array
        response = self._unary(self._jobs.SubmitJob,
                               scheduler_pb2.SubmitJobRequest(spec=job_spec))
        if wait:
            self.wait(response.job_id)
        return response.job_id

    def upload_workdir(self, directory: str,
                       max_bytes: int = _workdir.DEFAULT_MAX_BYTES) -> str:
        """Packs `directory` and stores it on the scheduler (unless an
        identical archive is stored already); returns its sha256, for a
        spec's workdir_sha256.

        Raises:
          InvalidArgumentError: as for submit's workdir.
        """
        try:
            data = _workdir.pack(directory, max_bytes)
        except (OSError, ValueError) as e:
            raise errors.InvalidArgumentError(
                f"workdir: {e}", field="workdir") from None
        sha = _workdir.sha256_hex(data)
        try:
            self._unary(self._jobs.HasWorkdir,
                        scheduler_pb2.HasWorkdirRequest(sha256=sha))
            return sha
        except errors.NotFoundError:
            pass
        chunk = 1 << 20

        def chunks() -> Iterator[scheduler_pb2.WorkdirChunk]:
            for offset in range(0, len(data), chunk):
                first = offset == 0
                yield scheduler_pb2.WorkdirChunk(
                    data=data[offset:offset + chunk],
                    sha256=sha if first else "",
                    total_bytes=len(data) if first else 0)

        try:
            ref = self._jobs.UploadWorkdir(
                chunks(), timeout=self.timeout_s + len(data) / (256 << 10))
        except grpc.RpcError as e:
            raise self._error(e) from None
        return ref.sha256

    def get(self, job_id: str) -> job_pb2.Job:
        """The job with its tasks and events.

        Raises:
          NotFoundError: no such job.
        """
        return self._unary(self._jobs.GetJob,
                           scheduler_pb2.GetJobRequest(job_id=job_id))

    def list(self, states: _StatesArg = None, owner: str = "",
             queue: str = "", limit: int = 0, page_size: int = 500,
             full: bool = False, ended_since: Union[str, int, float,
                                                    datetime.datetime,
                                                    None] = None,
             selector: str = "") -> Iterator[job_pb2.Job]:
        """Jobs, newest first, fetched a page at a time as you iterate.

        Args:
          states: only these ('pending', 'running', ... or JobState
            values); None: every state.
          owner, queue: only this owner's / this queue's jobs.
          limit: at most this many jobs; 0: all.
          page_size: jobs per call (the scheduler caps it at 5000).
          full: each job as get() returns it (tasks, commands,
            environment) instead of the BASIC view.
          ended_since: ended jobs only if they ended since then: a
            duration back from now ('24h'), a datetime or Unix ms. Live
            jobs always qualify.
          selector: only jobs whose labels match, as `hetsched jobs -l`:
            'team=vision,tier!=dev,!experimental'.
        """
        for page in self.list_pages(states, owner, queue, limit, page_size,
                                    full, ended_since, selector):
            yield from page.jobs

    def list_pages(self, states: _StatesArg = None, owner: str = "",
                   queue: str = "", limit: int = 0, page_size: int = 500,
                   full: bool = False,
                   ended_since: Union[str, int, float, datetime.datetime,
                                      None] = None,
                   selector: str = ""
                   ) -> Iterator[scheduler_pb2.ListJobsResponse]:
        """list(), a ListJobsResponse at a time: one call per page, each
        with its own deadline."""
        request = scheduler_pb2.ListJobsRequest(
            states=[parse_job_state(s) for s in states or ()],
            owner=owner, queue=queue, limit=limit, page_size=page_size,
            label_selector=selector, view=scheduler_pb2.LIST_VIEW_FULL if full
            else scheduler_pb2.LIST_VIEW_BASIC)
        since = _to_unix_ms(ended_since, int(time.time() * 1000))
        if ended_since is not None:
            request.ended_since_ms = max(1, since)
        listed = 0
        while True:
            page = self._unary(self._jobs.ListJobs, request)
            if limit > 0 and listed + len(page.jobs) >= limit:
                del page.jobs[limit - listed:]
                page.next_page_token = ""
            listed += len(page.jobs)
            yield page
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token
            if limit > 0:
                # The scheduler counts a limit from the page token on.
                request.limit = limit - listed

    def cancel(self, job_id: str, reason: str = "") -> job_pb2.Job:
        """Asks the scheduler to cancel the job and returns it: CANCELLED,
        or still RUNNING with cancel_requested while replicas stop
        (SIGTERM, then SIGKILL after the grace period).

        Raises:
          NotFoundError: no such job.
          PermissionDeniedError: under TLS, not your job and not an admin.
        """
        request = scheduler_pb2.CancelJobRequest(job_id=job_id, reason=reason)
        return self._unary(self._jobs.CancelJob, request).job

    def hold(self, job_id: str, reason: str = "") -> job_pb2.Job:
        """Keeps a PENDING job out of the queue until release() (Slurm's
        scontrol hold). A hold an admin placed only an admin releases.

        Raises:
          FailedPreconditionError: the job is running or ended.
        """
        request = scheduler_pb2.HoldJobRequest(job_id=job_id, reason=reason)
        return self._unary(self._jobs.HoldJob, request)

    def release(self, job_id: str) -> job_pb2.Job:
        """Queues a held job again (it keeps its submit time)."""
        request = scheduler_pb2.ReleaseJobRequest(job_id=job_id)
        return self._unary(self._jobs.ReleaseJob, request)

    def requeue(self, job_id: str, reason: str = "",
                hold: bool = False) -> job_pb2.Job:
        """Stops a RUNNING job's replicas and queues it again as the next
        attempt, not counted as a retry; with `hold`, held once stopped."""
        request = scheduler_pb2.RequeueJobRequest(job_id=job_id,
                                                  reason=reason, hold=hold)
        return self._unary(self._jobs.RequeueJob, request)

    def signal(self, job_id: str, signal: str) -> job_pb2.Job:
        """Sends a signal ('USR1', 'USR2', 'HUP', 'CONT', 'STOP', ...) to
        the job's running replicas, as `scancel --signal`; they keep
        running unless it ends them."""
        request = scheduler_pb2.SignalJobRequest(job_id=job_id, signal=signal)
        return self._unary(self._jobs.SignalJob, request)

    def update(self, job_id: str, priority: Optional[int] = None
               ) -> job_pb2.Job:
        """Changes a PENDING job's priority (raising it takes an admin)."""
        request = scheduler_pb2.UpdateJobRequest(job_id=job_id)
        if priority is not None:
            request.priority = priority
        return self._unary(self._jobs.UpdateJob, request)

    def watch(self, job_id: str) -> Iterator[job_pb2.JobEvent]:
        """The job's events, past ones first, until it ends.

        A scheduler that restarts meanwhile does not end the stream: it
        reconnects with backoff (0.1 s doubling to 5 s) and goes on after
        the last event given, for up to reconnect_timeout_s.

        Raises:
          NotFoundError: no such job.
          UnavailableError: the scheduler stayed out of reach.
        """
        yield from self._follow(job_id, None)

    def wait(self, job_id: str, timeout_s: Optional[float] = None) -> int:
        """Blocks until the job ends and returns its exit code: 0 if it
        SUCCEEDED, the failing replica's exit code if it FAILED (1 when
        that was 0, e.g. a lost replica), 1 if CANCELLED (see
        exit_code_of). Reconnects as watch() does.

        Args:
          timeout_s: give up after this long; None: wait as long as the
            job runs.

        A job array's id waits for every element: 0 if all succeeded,
        else the code of the array's first failed element (1 if none
        failed but some were cancelled).

        Raises:
          DeadlineExceededError: the job did not end within timeout_s.
          NotFoundError: no such job.
        """
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        job = self.get(job_id)
        if job.spec.array and not job.array_job_id:
            return self._wait_for_array(job, deadline, timeout_s)
        try:
            for _ in self._follow(job_id, deadline):
                pass
        except errors.DeadlineExceededError:
            raise errors.DeadlineExceededError(
                f"job {job_id} did not end within {timeout_s} s") from None
        return exit_code_of(self.get(job_id))

    def _wait_for_array(self, array: job_pb2.Job,
                        deadline: Optional[float],
                        timeout_s: Optional[float]) -> int:
        # The array is a summary of its elements, with no event stream of
        # its own: ask for it again, backing off, until it has ended.
        pause = 0.1
        while array.state not in ENDED_STATES:
            if deadline is not None and time.monotonic() >= deadline:
                raise errors.DeadlineExceededError(
                    f"job array {array.id} did not end within {timeout_s} s")
            time.sleep(pause if deadline is None
                       else min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 2.0)
            array = self.get(array.id)
        return exit_code_of(array)

    def logs(self, job_id: str, follow: bool = True, rank: int = 0,
             stderr: bool = False, attempt: Optional[int] = None
             ) -> Iterator[str]:
        """A replica's output as text, as it arrives (decoded as UTF-8,
        undecodable bytes replaced; log_bytes() gives the bytes).

        Args:
          follow: keep streaming until the replica ends; False: what is
            there now.
          rank: the replica's global rank.
          stderr: its stderr instead of its stdout.
          attempt: that attempt's replica (0 first); None: the newest.

        With follow, a replica that has not started yet (the job is
        pending, or just placed) is waited for, so `logs(submit(...))`
        prints the job's output from its first line.

        Raises:
          NotFoundError: no such job or rank.
          FailedPreconditionError: the replica has not started (yet).
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for data in self.log_bytes(job_id, follow, rank, stderr, attempt):
            text = decoder.decode(data)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def log_bytes(self, job_id: str, follow: bool = True, rank: int = 0,
                  stderr: bool = False, attempt: Optional[int] = None,
                  offset: int = 0) -> Iterator[bytes]:
        """logs() as raw chunks, from byte `offset` of the log."""
        if follow:
            self._wait_until_started(job_id, rank, attempt)
        request = scheduler_pb2.GetTaskLogsRequest(
            job_id=job_id, rank=rank, follow=follow,
            stream="stderr" if stderr else "stdout", offset=offset)
        if attempt is not None:
            request.attempt = attempt
        # No deadline: a big log, or a followed one, takes what it takes.
        call = self._jobs.GetTaskLogs(request)
        try:
            for chunk in call:
                self._reached = True
                if chunk.data:
                    yield chunk.data
                if chunk.eof:
                    return
        except grpc.RpcError as e:
            raise self._error(e) from None
        finally:
            call.cancel()  # a no-op once the stream ended

    # -- fleet ------------------------------------------------------------

    def nodes(self, full: bool = False, selector: str = ""
              ) -> List[node_pb2.Node]:
        """Every node, by name (fetched a page at a time). `full` adds
        calibration documents and task ids; `selector` keeps the nodes
        whose labels match ('pool=spot', 'hetsched.io/zone=us-east-1a')."""
        request = scheduler_pb2.ListNodesRequest(
            page_size=1000, label_selector=selector,
            view=scheduler_pb2.LIST_VIEW_FULL if full
            else scheduler_pb2.LIST_VIEW_BASIC)
        out: List[node_pb2.Node] = []
        while True:
            page = self._unary(self._nodes.ListNodes, request)
            out.extend(page.nodes)
            if not page.next_page_token:
                return out
            request.page_token = page.next_page_token

    def node(self, name: str) -> node_pb2.Node:
        """One node with its calibration and tasks.

        Raises:
          NotFoundError: no such node.
        """
        return self._unary(self._nodes.GetNode,
                           scheduler_pb2.GetNodeRequest(name=name))

    def queues(self) -> List[scheduler_pb2.Queue]:
        """Every queue (configured, named by a job, and "default") by name:
        weight, cohort, quota and use per accelerator kind, pending and
        running jobs."""
        return list(self._unary(self._jobs.ListQueues,
                                scheduler_pb2.ListQueuesRequest()).queues)

    def usage(self, since: Union[str, int, float, datetime.datetime,
                                 None] = "7d",
              until: Union[int, float, datetime.datetime, None] = None,
              by: str = "owner") -> scheduler_pb2.GetUsageResponse:
        """Accelerator-hours and cost per owner, queue, kind or job
        (`by`), most hours first, over the window from `since` (a
        duration back from now such as '7d', a datetime or Unix ms; None:
        the beginning) to `until` (None: now).

        Raises:
          InvalidArgumentError: a bad duration or `by`.
        """
        now_ms = int(time.time() * 1000)
        request = scheduler_pb2.GetUsageRequest(
            since_ms=_to_unix_ms(since, now_ms),
            until_ms=_to_unix_ms(until, now_ms), group_by=by)
        return self._unary(self._jobs.GetUsage, request)

    # -- internals --------------------------------------------------------

    def _scheduler_reached(self) -> bool:
        # The channel's state now, without connecting. The public way
        # (Channel.subscribe) starts a polling thread that raises when the
        # channel is closed under it, so ask the core channel directly;
        # failing that, whether any call was answered.
        try:
            state = self._channel._channel.check_connectivity_state(False)
        except (AttributeError, ValueError):
            return self._reached
        return state == grpc.ChannelConnectivity.READY.value[0]

    def _error(self, e: grpc.RpcError) -> errors.HetschedError:
        # Tells a refused connection from an UNAVAILABLE the scheduler
        # itself answered (an agent it relays logs from is down).
        reached = e.code() == grpc.StatusCode.UNAVAILABLE and \
            self._scheduler_reached()
        return errors.from_rpc_error(e, self.address, reached)

    def _unary(self, method: Any, request: Any) -> Any:
        try:
            response = method(request, timeout=self.timeout_s)
        except grpc.RpcError as e:
            raise self._error(e) from None
        self._reached = True
        return response

    def _wait_until_started(self, job_id: str, rank: int,
                            attempt: Optional[int]) -> None:
        """Returns once the replica of `rank` (that attempt, else the
        newest) has started or ended, or the job ended: before that it has
        no log to follow. Woken by the job's events, not by polling."""
        started = {job_pb2.TASK_STATE_RUNNING, job_pb2.TASK_STATE_SUCCEEDED,
                   job_pb2.TASK_STATE_FAILED, job_pb2.TASK_STATE_PREEMPTED,
                   job_pb2.TASK_STATE_CANCELLED, job_pb2.TASK_STATE_LOST}

        def ready() -> bool:
            job = self.get(job_id)
            if job.state in ENDED_STATES:
                return True
            tasks = [t for t in job.tasks if t.rank == rank and
                     not t.superseded and
                     (attempt is None or t.attempt == attempt)]
            if not tasks:
                return False
            return max(tasks, key=lambda t: t.attempt).state in started

        if ready():
            return
        for event in self._follow(job_id, None):
            if event.type.startswith("TASK_") and ready():
                return

    def _follow(self, job_id: str, deadline: Optional[float]
                ) -> Iterator[job_pb2.JobEvent]:
        """WatchJob until the job ends, reconnecting on UNAVAILABLE and
        skipping the events already given (a job's events only grow)."""
        delivered = 0
        backoff, max_backoff = 0.1, 5.0
        out_of_reach = 0.0  # slept since the scheduler last answered
        while True:
            timeout = None
            if deadline is not None:
                timeout = max(0.0, deadline - time.monotonic())
            call = self._jobs.WatchJob(
                scheduler_pb2.WatchJobRequest(job_id=job_id, from_start=True),
                timeout=timeout)
            index = 0
            try:
                for event in call:
                    self._reached = True
                    out_of_reach, backoff = 0.0, 0.1
                    index += 1
                    if index <= delivered:
                        continue
                    delivered += 1
                    yield event
                return
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNAVAILABLE:
                    raise self._error(e) from None
                if out_of_reach >= self.reconnect_timeout_s:
                    raise errors.UnavailableError(
                        f"{self._error(e).message}; gave up after "
                        f"{out_of_reach:.0f}s (reconnect_timeout_s): job "
                        f"{job_id} may still be running") from None
            finally:
                call.cancel()
            time.sleep(backoff)  # backoff before a reconnect, not a poll
            out_of_reach += backoff
            backoff = min(backoff * 2, max_backoff)
