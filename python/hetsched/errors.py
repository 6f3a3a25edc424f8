"""Errors of the hetsched client: one exception class per gRPC status code
the scheduler answers with, all under HetschedError.

The scheduler names the field of a bad input at the start of its
INVALID_ARGUMENT message ("task_groups[0].replicas: must be between 1 and
4096"); HetschedError.field holds that path, so a program can point at
the offending key without parsing text.
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Type

import grpc

__all__ = [
    "HetschedError",
    "InvalidArgumentError",
    "SpecError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "UnauthenticatedError",
    "FailedPreconditionError",
    "ResourceExhaustedError",
    "AbortedError",
    "UnavailableError",
    "DeadlineExceededError",
    "InternalError",
    "field_of",
]

# A field path as the scheduler writes it: names joined by '.', each with
# optional list indices ("task_groups[0].env.NCCL_DEBUG"). A leading '-'
# (a flag such as --since) or a space ends the match, so "job j-1 not
# found" has no field.
_FIELD_PREFIX = re.compile(
    r"^((?:[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)"
    r"(?:\.[A-Za-z0-9_]+(?:\[\d+\])*)*): (.*)$",
    re.DOTALL,
)


def field_of(message: str) -> Optional[str]:
    """The field path that `message` starts with, or None.

    >>> field_of("task_groups[0].replicas: must be between 1 and 4096")
    'task_groups[0].replicas'
    """
    match = _FIELD_PREFIX.match(message)
    return match.group(1) if match else None


class HetschedError(Exception):
    """A call to the scheduler (or a local check before it) failed.

    Attributes:
      code: the gRPC status code (grpc.StatusCode), or None for a failure
        that never reached the wire.
      message: the reason, as a person should read it.
      field: for bad input, the path of the offending field
        ("task_groups[0].replicas"), else None.
    """

    code: Optional[grpc.StatusCode] = None

    def __init__(
        self,
        message: str,
        *,
        code: Optional[grpc.StatusCode] = None,
        field: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    @property
    def exit_code(self) -> int:
        """The exit code the `hetsched` CLI uses for this error: 2 when the
        input named something wrong or missing, else 1."""
        if self.code in (grpc.StatusCode.INVALID_ARGUMENT,
                         grpc.StatusCode.NOT_FOUND):
            return 2
        return 1

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        code = self.code.name if self.code is not None else None
        return (f"{type(self).__name__}({self.message!r}, code={code}, "
                f"field={self.field!r})")


class InvalidArgumentError(HetschedError):
    """INVALID_ARGUMENT: the request is wrong; `field` names where."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class SpecError(InvalidArgumentError):
    """A job spec that does not parse (raised before anything is sent)."""


class NotFoundError(HetschedError):
    """NOT_FOUND: no such job, node or log."""

    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(HetschedError):
    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDeniedError(HetschedError):
    """PERMISSION_DENIED: under mutual TLS, your certificate may not do
    this (e.g. cancel another user's job)."""

    code = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(HetschedError):
    code = grpc.StatusCode.UNAUTHENTICATED


class FailedPreconditionError(HetschedError):
    """FAILED_PRECONDITION: the state must change first (e.g. a log of a
    replica that never started)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhaustedError(HetschedError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class AbortedError(HetschedError):
    code = grpc.StatusCode.ABORTED


class UnavailableError(HetschedError):
    """UNAVAILABLE: the scheduler (or an agent it relays to) cannot be
    reached; retrying the call may succeed."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(HetschedError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class InternalError(HetschedError):
    code = grpc.StatusCode.INTERNAL


_BY_CODE: Dict[grpc.StatusCode, Type[HetschedError]] = {
    cls.code: cls
    for cls in (InvalidArgumentError, NotFoundError, AlreadyExistsError,
                PermissionDeniedError, UnauthenticatedError,
                FailedPreconditionError, ResourceExhaustedError, AbortedError,
                UnavailableError, DeadlineExceededError, InternalError)
}


def from_rpc_error(error: grpc.RpcError, address: str,
                   reached: bool = False) -> HetschedError:
    """The HetschedError for a failed call to the scheduler at `address`.

    Mirrors the CLI's messages: UNAVAILABLE before the scheduler was
    reached reads "cannot reach scheduler at ADDR: ...".
    """
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    detail = (error.details() if hasattr(error, "details") else "") or ""
    if not detail:
        detail = code.name
    message = detail
    if code == grpc.StatusCode.UNAVAILABLE and not reached:
        message = f"cannot reach scheduler at {address}: {detail}"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = (f"scheduler at {address} did not answer in time "
                   f"(timeout_s): {detail}")
    field = field_of(detail) if code == grpc.StatusCode.INVALID_ARGUMENT \
        else None
    cls = _BY_CODE.get(code, HetschedError)
    return cls(message, code=code, field=field)
