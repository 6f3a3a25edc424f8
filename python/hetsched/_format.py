"""Tables and words for `python3 -m hetsched`, as the C++ CLI prints them
(cli/format.cc, cli/*_views.cc). Pure functions of the messages and the
current time."""

from __future__ import annotations

import datetime
import json
import shlex
from typing import Iterable, List, Sequence

from google.protobuf import json_format
from google.protobuf.message import Message

from hetsched._proto import job_pb2, node_pb2, scheduler_pb2

REASON_WIDTH = 32


def to_json(message: Message) -> str:
    """One message as the CLI's -o json prints it: .proto field names,
    every scalar present, enums by name, 64-bit integers as strings."""
    return json.dumps(message_to_dict(message), separators=(",", ":"),
                      ensure_ascii=False)


def message_to_dict(message: Message) -> dict:
    return json_format.MessageToDict(message,
                                     including_default_value_fields=True,
                                     preserving_proto_field_name=True)


def duration(millis: int) -> str:
    s = max(millis, 0) // 1000
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def age(then_ms: int, now_ms: int) -> str:
    return "-" if then_ms == 0 else duration(now_ms - then_ms)


def timestamp(then_ms: int, now_ms: int) -> str:
    if then_ms == 0:
        return "-"
    when = datetime.datetime.fromtimestamp(then_ms / 1000,
                                           datetime.timezone.utc)
    return (f"{when:%Y-%m-%d %H:%M:%S} UTC ({age(then_ms, now_ms)} ago)")


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def job_state(state: int) -> str:
    return _strip(job_pb2.JobState.Name(state), "JOB_STATE_")


def task_state(state: int) -> str:
    return _strip(job_pb2.TaskState.Name(state), "TASK_STATE_")


def node_state(state: int) -> str:
    return _strip(node_pb2.NodeState.Name(state), "NODE_STATE_")


def or_dash(text: str) -> str:
    return text if text else "-"


def truncate(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[:max(width - 3, 0)] + "..."


class Table:
    """Columns padded to their widest cell, two spaces apart; the last
    column unpadded so lines carry no trailing blanks."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.headers = list(headers)
        self.rows: List[List[str]] = []
        self.max_width: dict = {}

    def add(self, cells: Sequence[str]) -> None:
        row = [str(c) for c in cells][:len(self.headers)]
        row += [""] * (len(self.headers) - len(row))
        self.rows.append([truncate(c, self.max_width[i])
                          if i in self.max_width else c
                          for i, c in enumerate(row)])

    def text(self) -> str:
        widths = [max(len(r[i]) for r in [self.headers] + self.rows)
                  for i in range(len(self.headers))]
        lines = []
        for row in [self.headers] + self.rows:
            cells = [c.ljust(w) for c, w in zip(row[:-1], widths)]
            lines.append("  ".join(cells + [row[-1]]).rstrip())
        return "\n".join(lines) + "\n"


def _shape(replicas: int, count: int, kinds: str) -> str:
    return f"{replicas}x cpu" if count == 0 else f"{replicas}x{count} {kinds}"


def accelerator_summary(job: job_pb2.Job) -> str:
    parts = []
    for group in job.spec.task_groups:
        count = group.accelerators.count
        placed: dict = {}  # kind -> replicas, first seen first
        for task in job.tasks:
            if task.task_group == group.name and task.accelerator_kind:
                placed[task.accelerator_kind] = \
                    placed.get(task.accelerator_kind, 0) + 1
        if not placed:
            kinds = "|".join(group.accelerators.kinds) or "any"
            parts.append(_shape(group.replicas, count, kinds))
        else:
            parts.append("+".join(_shape(n, count, k)
                                  for k, n in placed.items()))
    return ", ".join(parts) if parts else "-"


def jobs_table(jobs: Iterable[job_pb2.Job], now_ms: int) -> str:
    table = Table(["ID", "NAME", "QUEUE", "OWNER", "STATE", "REPLICAS",
                   "ACCEL", "AGE", "REASON"])
    table.max_width[8] = REASON_WIDTH
    for job in jobs:
        total = sum(g.replicas for g in job.spec.task_groups)
        replicas = (f"{job.replicas_running}/{total}"
                    if job.state == job_pb2.JOB_STATE_RUNNING else str(total))
        reason = (job.pending_reason
                  if job.state == job_pb2.JOB_STATE_PENDING
                  and job.pending_reason else or_dash(job.message))
        table.add([job.id, job.spec.name, or_dash(job.spec.queue),
                   or_dash(job.spec.owner), job_state(job.state), replicas,
                   accelerator_summary(job), age(job.submit_time_ms, now_ms),
                   reason])
    return table.text()


def _field(label: str, value: str, width: int = 14) -> str:
    return f"{(label + ':').ljust(max(width, len(label) + 2))}{value}\n"


def _indices(indices: Sequence[int]) -> str:
    if not indices:
        return "-"
    values = sorted(indices)
    ranges, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        ranges.append(str(values[i]) if i == j
                      else f"{values[i]}-{values[j]}")
        i = j + 1
    return ",".join(ranges)


def job_description(job: job_pb2.Job, now_ms: int) -> str:
    spec = job.spec
    out = _field("Job", job.id) + _field("State", job_state(job.state))
    if job.attempt:
        out += _field("Attempt", str(job.attempt))
    if job.pending_reason:
        out += _field("Pending", job.pending_reason)
    if job.message:
        out += _field("Message", job.message)
    if job.state == job_pb2.JOB_STATE_FAILED:
        out += _field("Exit code", str(job.exit_code))
    out += _field("Accelerators", accelerator_summary(job))
    out += _field("Submitted", timestamp(job.submit_time_ms, now_ms))
    out += _field("Started", timestamp(job.start_time_ms, now_ms))
    out += _field("Ended", timestamp(job.end_time_ms, now_ms))
    out += _field("Name", spec.name) + _field("Owner", or_dash(spec.owner))
    out += _field("Queue", or_dash(spec.queue))
    out += _field("Priority", str(spec.priority))
    out += _field("Kind", _strip(job_pb2.JobKind.Name(spec.kind),
                                 "JOB_KIND_").lower())
    if spec.depends_on:
        out += _field("Depends on", ", ".join(spec.depends_on))
    if spec.depends_on_any:
        out += _field("After any end of", ", ".join(spec.depends_on_any))
    if spec.depends_on_not_ok:
        out += _field("After failure of", ", ".join(spec.depends_on_not_ok))
    if spec.singleton:
        out += _field("Singleton", "one job of this name and owner at a time")
    out += "Task groups:\n"
    for g in spec.task_groups:
        kinds = "|".join(g.accelerators.kinds) or "any"
        plural = "" if g.replicas == 1 else "s"
        out += (f"  {g.name}: {g.replicas} replica{plural} x "
                f"{g.accelerators.count} {kinds}\n")
        out += f"    command: {shlex.join(g.command)}\n"
        if g.env:
            out += "    env: " + " ".join(
                f"{k}={v}" for k, v in sorted(g.env.items())) + "\n"
    out += "\nReplicas:\n"
    tasks = sorted(job.tasks, key=lambda t: (t.rank, t.attempt))
    if not tasks:
        out += "  (none placed yet)\n"
    else:
        table = Table(["RANK", "GROUP", "STATE", "NODE", "DEVICES", "EXIT",
                       "MESSAGE"])
        table.max_width[6] = 40
        ended = {job_pb2.TASK_STATE_SUCCEEDED, job_pb2.TASK_STATE_FAILED,
                 job_pb2.TASK_STATE_PREEMPTED, job_pb2.TASK_STATE_CANCELLED,
                 job_pb2.TASK_STATE_LOST}
        for t in tasks:
            devices = _indices(list(t.device_indices))
            if t.accelerator_kind and devices != "-":
                devices = f"{t.accelerator_kind}:{devices}"
            table.add([str(t.rank), t.task_group, task_state(t.state),
                       or_dash(t.node), devices,
                       str(t.exit_code) if t.state in ended else "-",
                       or_dash(t.message)])
        out += table.text()
    out += "\nEvents:\n"
    if not job.events:
        return out + "  (none)\n"
    events = Table(["AGE", "TYPE", "TASK", "MESSAGE"])
    for e in job.events:
        events.add([age(e.time_ms, now_ms), e.type, or_dash(e.task_id),
                    e.message])
    return out + events.text()


def event_line(event: job_pb2.JobEvent) -> str:
    when = datetime.datetime.fromtimestamp(event.time_ms / 1000,
                                           datetime.timezone.utc)
    parts = [f"{when:%Y-%m-%d %H:%M:%S}", event.type]
    parts += [p for p in (event.task_id, event.message) if p]
    return "  ".join(parts) + "\n"


def _node_state_column(node: node_pb2.Node) -> str:
    state = node_state(node.state)
    if node.drained and node.state not in (node_pb2.NODE_STATE_DRAINED,
                                           node_pb2.NODE_STATE_DRAINING):
        state += ",DRAINED"
    if node.degraded and node.state != node_pb2.NODE_STATE_DEGRADED:
        state += ",DEGRADED"
    if (node.unhealthy_reason and node.connected
            and node.state != node_pb2.NODE_STATE_UNHEALTHY):
        state += ",UNHEALTHY"
    if not node.connected and node.state != node_pb2.NODE_STATE_LOST:
        state += ",DISCONNECTED"
    return state


def nodes_table(nodes: Iterable[node_pb2.Node], now_ms: int) -> str:
    table = Table(["NAME", "STATE", "KIND", "ACCEL", "PROVIDER",
                   "ULTRASERVER", "RACK", "HEARTBEAT", "REASON"])
    table.max_width[8] = REASON_WIDTH
    for node in nodes:
        kinds: List[str] = []
        for accel in node.info.accelerators:
            if accel.kind not in kinds:
                kinds.append(accel.kind)
        topo = node.info.topology
        table.add([node.info.name, _node_state_column(node),
                   "+".join(kinds) or "-",
                   f"{node.accelerators_allocated}/"
                   f"{len(node.info.accelerators)}",
                   or_dash(topo.provider), or_dash(topo.ultraserver),
                   or_dash(topo.rack), age(node.last_heartbeat_ms, now_ms),
                   or_dash(node.state_reason)])
    return table.text()


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def queues_table(queues: Iterable[scheduler_pb2.Queue]) -> str:
    table = Table(["QUEUE", "WEIGHT", "COHORT", "PENDING", "DEPS", "RUNNING",
                   "OLDEST", "KIND", "QUOTA", "USED", "BORROWED"])
    for q in queues:
        cells = [q.name, _number(q.weight), or_dash(q.cohort),
                 str(q.pending_jobs), str(q.waiting_for_dependencies),
                 str(q.running_jobs),
                 "-" if q.pending_jobs == 0
                 else duration(int(q.oldest_pending_age_s * 1000))]
        if not q.kinds:
            table.add(cells + ["-", "-", "0", "0"])
        for i, k in enumerate(q.kinds):
            row = cells if i == 0 else [""] * len(cells)
            table.add(row + [k.kind, str(k.nominal) if q.has_quota else "-",
                             str(k.used), str(k.borrowed)])
    return table.text()


def usage_table(usage: scheduler_pb2.GetUsageResponse, by: str,
                now_ms: int) -> str:
    out = (f"Usage from {timestamp(usage.since_ms, now_ms)} to "
           f"{timestamp(usage.until_ms, now_ms)}\n\n")
    table = Table([by.upper(), "JOBS", "ACCEL-HOURS", "COST"])
    for row in usage.rows:
        table.add([or_dash(row.key), str(row.jobs),
                   f"{row.accelerator_hours:.2f}", f"{row.cost:.2f}"])
    table.add(["TOTAL", "", f"{usage.total_accelerator_hours:.2f}",
               f"{usage.total_cost:.2f}"])
    return out + table.text()


def last_lines(text: str, n: int) -> str:
    """The last `n` lines of `text` (a last line without a newline counts)."""
    lines = text.splitlines(keepends=True)
    return "".join(lines[-n:]) if n > 0 else text

