"""`python3 -m hetsched`: the `hetsched` CLI's everyday verbs on the Python
client, with the same flags, output and exit codes (docs/cli.md): 0
success; 2 bad input (flags, a spec that does not parse, INVALID_ARGUMENT
or NOT_FOUND); 1 anything else; 69 when `submit --wait` or `watch` gave up
on an unreachable scheduler; `submit --wait` exits with the job's own code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, List, Optional, Sequence, TextIO

from hetsched import _format as fmt
from hetsched import errors
from hetsched._proto import job_pb2, scheduler_pb2
from hetsched.client import (DEFAULT_SCHEDULER, SCHEDULER_ENV, Client, Tls,
                             exit_code_of, parse_duration_ms, parse_job_state)

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 69
PAGE_SIZE = 1000  # jobs per ListJobs call, as the CLI pages


class _Exit(Exception):
    """Ends a command with `code`, after `message` (if any) on stderr."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _global_flags(parser: argparse.ArgumentParser, defaults: bool) -> None:
    # The same flags on the main parser (with defaults) and on every
    # command (without), so they may come before or after the command.
    d = (lambda value: value) if defaults else (lambda _: argparse.SUPPRESS)
    parser.add_argument("--scheduler", default=d(None),
                        help=f"scheduler HOST:PORT (default: ${SCHEDULER_ENV},"
                        f" else {DEFAULT_SCHEDULER})")
    parser.add_argument("-o", "--output", choices=("table", "json"),
                        default=d("table"), help="output format")
    parser.add_argument("--tls-ca", default=d(None),
                        help="CA that signed every hetsched certificate "
                        "(mutual TLS: all three --tls-* or none; default: "
                        "$HETSCHED_TLS_CA)")
    parser.add_argument("--tls-cert", default=d(None),
                        help="your client certificate (default: "
                        "$HETSCHED_TLS_CERT)")
    parser.add_argument("--tls-key", default=d(None),
                        help="its private key (default: $HETSCHED_TLS_KEY)")
    parser.add_argument("--timeout-s", type=_positive, default=d(10.0),
                        help="deadline of each RPC in seconds (not for "
                        "--follow/watch)")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _comma_list(values: Optional[List[str]]) -> List[str]:
    return [w for v in values or () for w in v.split(",") if w]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; argparse exits 2 on a bad flag, as CLI11 does
    for the C++ CLI."""
    parser = argparse.ArgumentParser(
        prog="hetsched", description="hetsched: submit and inspect jobs and "
        "nodes (the Python client's command line)")
    _global_flags(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_flags(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name: str, help_text: str, where=commands
                ) -> argparse.ArgumentParser:
        return where.add_parser(name, parents=[common], help=help_text,
                                description=help_text)

    submit = command("submit", "Submit a job spec file")
    submit.add_argument("file", help="job spec YAML (docs/job-spec.md)")
    submit.add_argument("--after", "--afterok", action="append",
                        dest="after",
                        help="start only after these jobs succeeded "
                        "(comma-separated; added to depends_on)")
    submit.add_argument("--afterany", action="append",
                        help="start only after these jobs ended, however "
                        "(depends_on_any)")
    submit.add_argument("--afternotok", action="append",
                        help="start only after these jobs failed or were "
                        "cancelled (depends_on_not_ok)")
    submit.add_argument("--aftercorr", action="append",
                        help="job arrays: start each element only after "
                        "the element of the same index of these arrays "
                        "succeeded (depends_on_corr)")
    submit.add_argument("--array",
                        help="submit a job array, one job per index: 0-99, "
                        "1,3,5-9 or 0-15:4, with %%N for at most N at once")
    submit.add_argument("--workdir",
                        help="ship this directory with the job (minus what "
                        ".hetschedignore, else .gitignore, excludes)")
    submit.add_argument("--workdir-max-bytes", type=int,
                        default=64 << 20,
                        help="refuse a --workdir that packs to more than "
                        "this; default 67108864 (64 MiB)")
    submit.add_argument("--singleton", action="store_true",
                        help="start only once no earlier job of the same "
                        "name and owner is pending or running")
    submit.add_argument("--wait", action="store_true",
                        help="wait until the job ends; exit 0 if it "
                        "succeeded, else its exit code (1 for cancelled), "
                        "69 if the scheduler stayed out of reach")
    submit.add_argument("--reconnect-timeout-s", type=float, default=600.0,
                        help="keep reconnecting to a lost scheduler this long")
    submit.set_defaults(run=_submit)

    jobs = command("jobs", "List live jobs, newest first (--all or --since "
                   "for history)")
    jobs.add_argument("--state", action="append",
                      help="only jobs in these states (pending, running, ...)")
    jobs.add_argument("--all", action="store_true",
                      help="ended jobs too, as far back as kept")
    jobs.add_argument("--since", help="live jobs and those that ended this "
                      "recently: 30m, 24h, 7d")
    jobs.add_argument("--owner", default="", help="only jobs of this owner")
    jobs.add_argument("--queue", default="", help="only jobs in this queue")
    jobs.add_argument("--limit", type=_non_negative_int, default=0,
                      help="at most this many jobs")
    jobs.add_argument("-l", "--selector", action="append",
                      help="only jobs whose labels match: key=value, "
                      "key!=value, key, !key (comma-separated or repeated)")
    jobs.set_defaults(run=_jobs)

    job = command("job", "Commands about one job")
    job_commands = job.add_subparsers(dest="job_command", metavar="COMMAND")
    job_commands.required = True
    describe = command("describe", "Show a job: spec, state, replicas, "
                       "events", job_commands)
    describe.add_argument("id", help="job id")
    describe.set_defaults(run=_describe)

    cancel = command("cancel", "Cancel a job")
    cancel.add_argument("id", help="job id")
    cancel.add_argument("--reason", default="", help="why, for the job's "
                        "events")
    cancel.add_argument("--signal", default="", help="send this signal "
                        "(USR1, HUP, CONT, ...) to the running replicas "
                        "instead of cancelling")
    cancel.set_defaults(run=_cancel)

    hold = command("hold", "Keep pending jobs out of the queue until "
                   "released")
    hold.add_argument("ids", nargs="+", help="job ids")
    hold.add_argument("--reason", default="", help="why, for the job's "
                      "events")
    hold.set_defaults(run=_hold)

    release = command("release", "Queue held jobs again")
    release.add_argument("ids", nargs="+", help="job ids")
    release.set_defaults(run=_release)

    requeue = command("requeue", "Stop a running job and queue it again "
                      "(not counted as a retry)")
    requeue.add_argument("id", help="job id")
    requeue.add_argument("--reason", default="", help="why, for the job's "
                         "events")
    requeue.add_argument("--hold", action="store_true",
                         help="hold it once stopped")
    requeue.set_defaults(run=_requeue)

    update = command("update", "Change a pending job")
    update.add_argument("id", help="job id")
    update.add_argument("--priority", type=int,
                        help="new priority (raising it takes an admin)")
    update.set_defaults(run=_update)

    logs = command("logs", "Print a replica's output")
    logs.add_argument("id", help="job id")
    logs.add_argument("--rank", type=_non_negative_int, default=0,
                      help="global rank of the replica")
    logs.add_argument("--stderr", action="store_true",
                      help="print stderr instead of stdout")
    logs.add_argument("-f", "--follow", action="store_true",
                      help="keep printing until the replica ends")
    logs.add_argument("--attempt", type=_non_negative_int,
                      help="that attempt's log (0 first; default the newest)")
    logs.add_argument("--tail", type=_non_negative_int, default=0,
                      help="only the last N lines (then, with -f, what "
                      "follows)")
    logs.add_argument("--all-ranks", action="store_true",
                      help='every rank in turn, each line prefixed '
                      '"[rank N] "')
    logs.set_defaults(run=_logs)

    watch = command("watch", "Print a job's events until it ends")
    watch.add_argument("id", help="job id")
    watch.add_argument("--reconnect-timeout-s", type=float, default=600.0,
                       help="keep reconnecting to a lost scheduler this long")
    watch.set_defaults(run=_watch)

    command("queues", "List queues: weight, cohort, quota and use per "
            "kind").set_defaults(run=_queues)

    usage = command("usage", "Accelerator-hours and cost per owner, queue, "
                    "kind or job")
    usage.add_argument("--since", default="7d", help="window back from now: "
                       "90s, 30m, 24h, 7d")
    usage.add_argument("--by", default="owner", help="owner, queue, kind or "
                       "job")
    usage.set_defaults(run=_usage)

    nodes = command("nodes", "List nodes")
    nodes.add_argument("-l", "--selector", action="append",
                       help="only nodes whose labels match (their own and "
                       "the well-known hetsched.io/ ones)")
    nodes.set_defaults(run=_nodes)
    node = command("node", "Commands about one node")
    node_commands = node.add_subparsers(dest="node_command", metavar="COMMAND")
    node_commands.required = True
    node_describe = command("describe", "Show a node", node_commands)
    node_describe.add_argument("name", help="node name")
    node_describe.set_defaults(run=_node_describe)
    return parser


# -- commands: each takes (client, args, out) and returns an exit code ----

def _now_ms() -> int:
    return int(time.time() * 1000)


def _submit(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    try:
        job_id = client.submit(args.file, after=_comma_list(args.after),
                               after_any=_comma_list(args.afterany),
                               after_not_ok=_comma_list(args.afternotok),
                               after_corr=_comma_list(args.aftercorr),
                               singleton=args.singleton, array=args.array,
                               workdir=args.workdir,
                               workdir_max_bytes=args.workdir_max_bytes)
    except errors.InvalidArgumentError as e:
        # The scheduler's message names the field; the file comes first,
        # as the CLI prints it.
        if isinstance(e, errors.SpecError) or e.field == "workdir":
            raise
        raise errors.InvalidArgumentError(f"{args.file}: {e.message}",
                                          field=e.field) from None
    print(fmt.to_json(scheduler_pb2.SubmitJobResponse(job_id=job_id))
          if args.output == "json" else job_id, file=out, flush=True)
    if not args.wait:
        return EXIT_OK
    return _wait_for_end(client, job_id)


def _wait_for_end(client: Client, job_id: str) -> int:
    try:
        client.wait(job_id)
    except errors.UnavailableError as e:
        raise _Exit(EXIT_UNREACHABLE, e.message) from None
    job = client.get(job_id)
    if job.state == job_pb2.JOB_STATE_SUCCEEDED:
        return EXIT_OK
    raise _Exit(exit_code_of(job), _end_line(job))


def _end_line(job: job_pb2.Job) -> str:
    line = f"job {job.id} is {fmt.job_state(job.state)}"
    return f"{line}: {job.message}" if job.message else line


def _jobs(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    states = _comma_list(args.state)
    for word in states:
        try:
            parse_job_state(word)
        except errors.InvalidArgumentError as e:
            raise errors.InvalidArgumentError(
                "--" + e.message, field="--state") from None
    if args.since:
        try:
            parse_duration_ms(args.since)
        except errors.InvalidArgumentError as e:
            raise errors.InvalidArgumentError("--" + e.message,
                                              field="--since") from None
    elif not states and not args.all:
        states = ["pending", "running"]  # live by default, as the CLI
    jobs = client.list(states=states, owner=args.owner, queue=args.queue,
                       limit=args.limit, page_size=PAGE_SIZE,
                       ended_since=args.since or None,
                       selector=",".join(args.selector or ()))
    if args.output == "json":
        # Streams page by page in the shape of one ListJobsResponse.
        out.write('{"jobs":[')
        for i, job in enumerate(jobs):
            out.write(("," if i else "") + fmt.to_json(job))
        out.write("]}\n")
    else:
        out.write(fmt.jobs_table(list(jobs), _now_ms()))
    return EXIT_OK


def _describe(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    job = client.get(args.id)
    out.write(fmt.to_json(job) + "\n" if args.output == "json"
              else fmt.job_description(job, _now_ms()))
    return EXIT_OK


def _job_line(job: job_pb2.Job, what: str, args: argparse.Namespace,
              out: TextIO) -> None:
    out.write(fmt.to_json(job) + "\n" if args.output == "json"
              else f"job {job.id}: {what}\n")


def _hold(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    for job_id in args.ids:
        _job_line(client.hold(job_id, args.reason), "held", args, out)
    return EXIT_OK


def _release(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    for job_id in args.ids:
        job = client.release(job_id)
        _job_line(job, f"released ({fmt.job_state(job.state)})", args, out)
    return EXIT_OK


def _requeue(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    job = client.requeue(args.id, args.reason, args.hold)
    _job_line(job, "requeueing, held once stopped" if args.hold
              else "requeueing", args, out)
    return EXIT_OK


def _update(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    if args.priority is None:
        raise errors.InvalidArgumentError(
            "nothing to update: give --priority N", field="--priority")
    job = client.update(args.id, priority=args.priority)
    _job_line(job, f"priority {job.spec.priority}", args, out)
    return EXIT_OK


def _cancel(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    if args.signal:
        job = client.signal(args.id, args.signal)
        name = args.signal.upper()
        name = name if name.startswith("SIG") else "SIG" + name
        _job_line(job, f"{name} sent", args, out)
        return EXIT_OK
    job = client.cancel(args.id, args.reason)
    if args.output == "json":
        out.write(fmt.to_json(scheduler_pb2.CancelJobResponse(job=job)) + "\n")
    else:
        # Cancelling a running gang takes a grace period; say which it is.
        ended = job.state in (job_pb2.JOB_STATE_SUCCEEDED,
                              job_pb2.JOB_STATE_FAILED,
                              job_pb2.JOB_STATE_CANCELLED)
        word = fmt.job_state(job.state) if ended or not job.cancel_requested \
            else "cancelling"
        out.write(f"job {args.id}: {word}\n")
    return EXIT_OK


def _logs(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    raw = getattr(out, "buffer", None)

    def write(data: bytes) -> None:
        if raw is not None:
            raw.write(data)
            raw.flush()
        else:
            out.write(data.decode("utf-8", errors="replace"))
        out.flush()

    def read(rank: int, follow: bool, offset: int = 0):
        return client.log_bytes(args.id, follow=follow, rank=rank,
                                stderr=args.stderr, attempt=args.attempt,
                                offset=offset)

    if args.all_ranks:
        if args.follow:
            raise errors.InvalidArgumentError(
                "--all-ranks: prints each rank in turn, so it cannot "
                "--follow", field="--all-ranks")
        for rank in sorted({t.rank for t in client.get(args.id).tasks}):
            try:
                text = b"".join(read(rank, False))
            except (errors.FailedPreconditionError, errors.NotFoundError):
                continue  # a rank that never started has no log
            if args.tail:
                text = fmt.last_lines(text.decode("utf-8", "replace"),
                                      args.tail).encode()
            if text and not text.endswith(b"\n"):
                text += b"\n"
            prefix = f"[rank {rank}] ".encode()
            write(b"".join(prefix + line
                           for line in text.splitlines(keepends=True)))
        return EXIT_OK
    if not args.tail:
        for data in read(args.rank, args.follow):
            write(data)
        return EXIT_OK
    text = b"".join(read(args.rank, False))
    write(fmt.last_lines(text.decode("utf-8", "replace"), args.tail).encode())
    if args.follow:
        for data in read(args.rank, True, offset=len(text)):
            write(data)
    return EXIT_OK


def _watch(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    try:
        for event in client.watch(args.id):
            out.write(fmt.to_json(event) + "\n" if args.output == "json"
                      else fmt.event_line(event))
            out.flush()
    except errors.UnavailableError as e:
        raise _Exit(EXIT_UNREACHABLE, e.message) from None
    if args.output != "json":
        out.write(_end_line(client.get(args.id)) + "\n")
    return EXIT_OK


def _queues(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    queues = client.queues()
    out.write(fmt.to_json(scheduler_pb2.ListQueuesResponse(queues=queues))
              + "\n" if args.output == "json" else fmt.queues_table(queues))
    return EXIT_OK


def _usage(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    try:
        parse_duration_ms(args.since)
    except errors.InvalidArgumentError as e:
        raise errors.InvalidArgumentError("--" + e.message,
                                          field="--since") from None
    usage = client.usage(since=args.since, by=args.by)
    out.write(fmt.to_json(usage) + "\n" if args.output == "json"
              else fmt.usage_table(usage, args.by, _now_ms()))
    return EXIT_OK


def _nodes(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    nodes = client.nodes(selector=",".join(args.selector or ()))
    out.write(fmt.to_json(scheduler_pb2.ListNodesResponse(nodes=nodes)) + "\n"
              if args.output == "json" else fmt.nodes_table(nodes, _now_ms()))
    return EXIT_OK


def _node_describe(client: Client, args: argparse.Namespace,
                   out: TextIO) -> int:
    node = client.node(args.name)
    out.write(fmt.to_json(node) + "\n" if args.output == "json"
              else fmt.nodes_table([node], _now_ms()))
    return EXIT_OK


def _tls(args: argparse.Namespace,
         getenv: Callable[[str], Optional[str]]) -> object:
    files = [getattr(args, f"tls_{n}") or getenv(f"HETSCHED_TLS_{n.upper()}")
             or "" for n in ("ca", "cert", "key")]
    if not any(files):
        return False
    return Tls(*files).credentials(("--tls-ca", "--tls-cert", "--tls-key"))


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout,
         err: TextIO = sys.stderr) -> int:
    """Runs one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    client: Optional[Client] = None
    try:
        client = Client(args.scheduler, tls=_tls(args, os.environ.get),
                        timeout_s=args.timeout_s,
                        reconnect_timeout_s=getattr(
                            args, "reconnect_timeout_s", 600.0))
        return args.run(client, args, out)
    except _Exit as e:
        if e.message:
            print(f"hetsched: {e.message}", file=err)
        return e.code
    except errors.HetschedError as e:
        print(f"hetsched: {e.message}", file=err)
        return e.exit_code
    except BrokenPipeError:
        return EXIT_ERROR  # `... | head` closed the pipe: nothing to say
    except KeyboardInterrupt:
        return 130
    finally:
        if client is not None:
            client.close()
