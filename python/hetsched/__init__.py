"""hetsched: the Python client of the hetsched scheduler.

    import hetsched
    client = hetsched.Client()          # $HETSCHED_SCHEDULER or 127.0.0.1:7070
    job_id = client.submit("train.yaml")
    for text in client.logs(job_id):     # follows until the replica ends
        print(text, end="")
    code = client.wait(job_id)           # 0 if it succeeded

The API messages (Job, Node, JobSpec, ...) are the generated protobuf
classes of proto/hetsched/v1, re-exported here as job_pb2, node_pb2 and
scheduler_pb2. docs/python.md has the whole API; `python3 -m hetsched`
is a command line with the `hetsched` CLI's verbs and flags.
"""

from hetsched._proto import job_pb2, node_pb2, scheduler_pb2
from hetsched.client import (DEFAULT_SCHEDULER, ENDED_STATES, Client, Tls,
                             exit_code_of, parse_duration_ms, parse_job_state)
from hetsched.errors import (AbortedError, AlreadyExistsError,
                             DeadlineExceededError, FailedPreconditionError,
                             HetschedError, InternalError,
                             InvalidArgumentError, NotFoundError,
                             PermissionDeniedError, ResourceExhaustedError,
                             SpecError, UnauthenticatedError,
                             UnavailableError)
from hetsched.spec import SpecLike, from_dict, load_file, parse_yaml

JobSpec = job_pb2.JobSpec
Job = job_pb2.Job

__all__ = [
    "Client", "Tls", "DEFAULT_SCHEDULER", "ENDED_STATES", "exit_code_of",
    "parse_duration_ms", "parse_job_state", "SpecLike", "from_dict",
    "load_file", "parse_yaml", "Job", "JobSpec", "job_pb2", "node_pb2",
    "scheduler_pb2", "HetschedError", "InvalidArgumentError", "SpecError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError",
    "UnauthenticatedError", "FailedPreconditionError",
    "ResourceExhaustedError", "AbortedError", "UnavailableError",
    "DeadlineExceededError", "InternalError",
]
