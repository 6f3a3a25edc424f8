"""The generated protobuf and gRPC modules of proto/hetsched/v1.

They are written into hetsched/v1/ by the build (python/CMakeLists.txt)
and are not in git; importing hetsched before a build says so plainly.
"""

try:
    from hetsched.v1 import job_pb2, node_pb2, scheduler_pb2
    from hetsched.v1 import scheduler_pb2_grpc
except ImportError as e:  # pragma: no cover - depends on the checkout
    if getattr(e, "name", "") and not str(e.name).startswith("hetsched"):
        raise  # grpc or protobuf itself is missing: say that
    raise ImportError(
        "hetsched: the generated modules hetsched/v1/*_pb2.py are missing; "
        "run scripts/build (they are generated from proto/hetsched/v1)"
    ) from e

__all__ = ["job_pb2", "node_pb2", "scheduler_pb2", "scheduler_pb2_grpc"]
