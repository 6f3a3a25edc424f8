"""Job specs: the YAML of docs/job-spec.md, or the same shape as a Python
dict, turned into the API's JobSpec message.

Only the shape is checked here, as the CLI's reader does (spec/
job_spec_yaml.cc): unknown keys, keys given twice, wrong types and bad
enum words raise SpecError naming the field. The values (names, limits,
accelerator kinds) are checked by the scheduler, which answers
INVALID_ARGUMENT naming the field; it also fills what may be omitted
(queue, kind, group names).

YAML needs PyYAML (Debian's python3-yaml); dicts and JobSpec messages need
nothing beyond the client. Stateless and thread-safe.
"""

from __future__ import annotations

import getpass
import os
import re
from typing import Any, Callable, List, Mapping, Optional, Union

from hetsched._proto import job_pb2
from hetsched.errors import SpecError

__all__ = ["SpecLike", "parse_yaml", "load_file", "from_dict", "to_spec",
           "default_owner"]

#: What Client.submit accepts as a job: a JobSpec, a dict of the YAML's
#: shape, or the path of a YAML file.
SpecLike = Union[job_pb2.JobSpec, Mapping[str, Any], str, os.PathLike]

_ROOT_KEYS = {
    "name", "owner", "queue", "priority", "kind", "max_runtime_s", "topology",
    "task_groups", "preemptible", "retry", "providers", "job_class",
    "allow_degraded", "inference", "depends_on", "depends_on_any",
    "depends_on_not_ok", "singleton", "termination_grace_s",
    "signal_before_timeout_s", "labels", "workdir_sha256", "setup", "array",
    "depends_on_corr",
}
_GROUP_KEYS = {"name", "replicas", "accelerators", "command", "env",
               "memory_bytes", "node_selector"}

_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1
_UINT32_MAX, _UINT64_MAX = (1 << 32) - 1, (1 << 64) - 1
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

# The words yaml-cpp reads as booleans, so a file means the same to the
# CLI and to Python.
_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On",
         "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off",
          "Off", "OFF"}
_INTEGER = re.compile(r"^[-+]?[0-9]+$")


def _error(field: str, why: str) -> SpecError:
    return SpecError(f"{field}: {why}", field=field)


class _Reader:
    """Reads values of one source. YAML is loaded with every scalar a
    string (as yaml-cpp sees it); a dict brings Python types."""

    def __init__(self, from_yaml: bool) -> None:
        self.from_yaml = from_yaml

    def mapping(self, value: Any, where: str, allowed: set) -> Mapping:
        if not isinstance(value, Mapping):
            raise _error(where or "spec", "must be a mapping")
        for key in value:
            if not isinstance(key, str):
                raise _error(where or "spec", f"key {key!r} must be a string")
            path = f"{where}.{key}" if where else key
            if key not in allowed:
                raise _error(path, "unknown field")
        for key in getattr(value, "duplicates", ()):
            raise _error(f"{where}.{key}" if where else key, "given twice")
        return value

    def string(self, value: Any, field: str) -> str:
        if isinstance(value, str):
            return value
        raise _error(field, "must be a string")

    def integer(self, value: Any, field: str, type_name: str, low: int,
                high: int) -> int:
        if self.from_yaml and isinstance(value, str):
            if not _INTEGER.match(value):
                raise _error(field, f"must be {type_name}, got '{value}'")
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise _error(field, f"must be {type_name}")
        if not low <= number <= high:
            raise _error(field, f"must be {type_name}, got '{value}'")
        return number

    def boolean(self, value: Any, field: str) -> bool:
        if isinstance(value, bool):
            return value
        if self.from_yaml and isinstance(value, str):
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise _error(field, f"must be true or false, got '{value}'")
        raise _error(field, "must be true or false")

    def strings(self, value: Any, field: str) -> List[str]:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list,
                                                                     tuple)):
            raise _error(field, "must be a list of strings")
        return [self.string(v, f"{field}[{i}]") for i, v in enumerate(value)]


def _string_map(r: _Reader, value: Any, field: str, out: Any) -> None:
    """A mapping of string to string (env, labels, node_selector)."""
    if not isinstance(value, Mapping):
        raise _error(field, "must be a mapping")
    for key, item in value.items():
        out[str(key)] = r.string(item, f"{field}.{key}")


def _parse_group(r: _Reader, y: Any, where: str,
                 g: job_pb2.TaskGroupSpec) -> None:
    r.mapping(y, where, _GROUP_KEYS)
    if "name" in y:
        g.name = r.string(y["name"], f"{where}.name")
    if "replicas" in y:
        field = f"{where}.replicas"
        n = r.integer(y["replicas"], field, "an integer", _INT64_MIN,
                      _INT64_MAX)
        if not 0 <= n <= _UINT32_MAX:
            raise _error(field, "must be between 1 and 4096")
        g.replicas = n
    if "accelerators" in y:
        a = y["accelerators"]
        aw = f"{where}.accelerators"
        r.mapping(a, aw, {"count", "kinds"})
        if "count" in a:
            field = f"{aw}.count"
            n = r.integer(a["count"], field, "an integer", _INT64_MIN,
                          _INT64_MAX)
            if not 0 <= n <= _UINT32_MAX:
                raise _error(field, "must be between 0 and 4096")
            g.accelerators.count = n
        # An empty `kinds:` means any kind, as in the CLI.
        if a.get("kinds") not in (None, ""):
            g.accelerators.kinds.extend(r.strings(a["kinds"], f"{aw}.kinds"))
    if "command" in y:
        g.command.extend(r.strings(y["command"], f"{where}.command"))
    for key in ("env", "node_selector"):
        if key in y:
            _string_map(r, y[key], f"{where}.{key}", getattr(g, key))
    if "memory_bytes" in y:
        g.memory_bytes = r.integer(y["memory_bytes"], f"{where}.memory_bytes",
                                   "a non-negative integer", 0, _UINT64_MAX)


def _parse_root(r: _Reader, y: Any, spec: job_pb2.JobSpec) -> None:
    r.mapping(y, "", _ROOT_KEYS)
    for key in ("name", "owner", "queue", "job_class", "workdir_sha256",
                "array"):
        if key in y:
            setattr(spec, key, r.string(y[key], key))
    if "setup" in y:
        spec.setup.extend(r.strings(y["setup"], "setup"))
    if "priority" in y:
        spec.priority = r.integer(y["priority"], "priority", "an integer",
                                  _INT32_MIN, _INT32_MAX)
    if "kind" in y:
        kind = r.string(y["kind"], "kind")
        if kind == "training":
            spec.kind = job_pb2.JOB_KIND_TRAINING
        elif kind == "inference":
            spec.kind = job_pb2.JOB_KIND_INFERENCE
        else:
            raise _error("kind",
                         f"must be training or inference, got '{kind}'")
    if "max_runtime_s" in y:
        spec.max_runtime_s = r.integer(y["max_runtime_s"], "max_runtime_s",
                                       "a non-negative integer", 0,
                                       _UINT64_MAX)
    for key in ("termination_grace_s", "signal_before_timeout_s"):
        if key in y:
            setattr(spec, key, r.integer(y[key], key, "a non-negative integer",
                                         0, _UINT32_MAX))
    for key in ("preemptible", "allow_degraded", "singleton"):
        if key in y:
            setattr(spec, key, r.boolean(y[key], key))
    if "providers" in y:
        spec.providers.extend(r.strings(y["providers"], "providers"))
    for key in ("depends_on", "depends_on_any", "depends_on_not_ok",
                "depends_on_corr"):
        if key in y:
            getattr(spec, key).extend(r.strings(y[key], key))
    if "labels" in y:
        _string_map(r, y["labels"], "labels", spec.labels)
    if "retry" in y:
        retry = r.mapping(y["retry"], "retry", {"max_retries"})
        if "max_retries" in retry:
            spec.retry.max_retries = r.integer(
                retry["max_retries"], "retry.max_retries",
                "a non-negative integer", 0, _UINT32_MAX)
    if "inference" in y:
        inf = r.mapping(y["inference"], "inference",
                        {"min_replicas", "max_replicas", "max_restarts"})
        spec.inference.SetInParent()
        for key in ("min_replicas", "max_replicas", "max_restarts"):
            if key in inf:
                setattr(spec.inference, key,
                        r.integer(inf[key], f"inference.{key}",
                                  "a non-negative integer", 0, _UINT32_MAX))
    if "topology" in y:
        topo = r.mapping(y["topology"], "topology", {"same_ultraserver"})
        if "same_ultraserver" in topo:
            word = r.string(topo["same_ultraserver"],
                            "topology.same_ultraserver")
            if word == "required":
                spec.topology.same_ultraserver = \
                    job_pb2.TOPOLOGY_REQUIREMENT_REQUIRED
            elif word == "preferred":
                spec.topology.same_ultraserver = \
                    job_pb2.TOPOLOGY_REQUIREMENT_PREFERRED
            elif word != "none":
                raise _error(
                    "topology.same_ultraserver",
                    f"must be required, preferred or none, got '{word}'")
    if "task_groups" in y:
        groups = y["task_groups"]
        if not isinstance(groups, (list, tuple)):
            raise _error("task_groups", "must be a list")
        for i, group in enumerate(groups):
            _parse_group(r, group, f"task_groups[{i}]",
                         spec.task_groups.add())


def from_dict(spec: Mapping[str, Any]) -> job_pb2.JobSpec:
    """A JobSpec from a dict shaped like the YAML of docs/job-spec.md.

    Values keep their Python types: integers as int, flags as bool,
    everything else as str (env values too: quote numbers).

    Raises:
      SpecError: an unknown key or a wrong type, naming the field.
    """
    out = job_pb2.JobSpec()
    _parse_root(_Reader(from_yaml=False), spec, out)
    return out


def _yaml_loader() -> Any:
    try:
        import yaml  # Debian: python3-yaml
    except ImportError as e:  # pragma: no cover - depends on the host
        raise SpecError(
            "reading YAML needs PyYAML (Debian: apt-get install python3-yaml);"
            " pass a dict or a JobSpec instead") from e

    class _Map(dict):
        duplicates: List[str]

    # Every scalar stays a string (the types are checked per field, as
    # yaml-cpp does), and a key given twice is remembered, not dropped.
    class Loader(yaml.BaseLoader):
        pass

    def construct_mapping(loader: Any, node: Any) -> _Map:
        out = _Map()
        out.duplicates = []
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be scalars",
                    key_node.start_mark)
            if key in out and key not in out.duplicates:
                out.duplicates.append(key)
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                           construct_mapping)
    return yaml, Loader


def parse_yaml(text: str) -> job_pb2.JobSpec:
    """A JobSpec from YAML text (docs/job-spec.md).

    Raises:
      SpecError: YAML that does not parse ("line 3, column 5: ...") or a
        spec of the wrong shape ("task_groups[0].replicas: must be an
        integer, got 'two'").
    """
    yaml, loader = _yaml_loader()
    try:
        root = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " \
            if mark else ""
        raise SpecError(f"{where}{e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise SpecError(str(e)) from None
    out = job_pb2.JobSpec()
    _parse_root(_Reader(from_yaml=True), root, out)
    return out


def load_file(path: Union[str, os.PathLike]) -> job_pb2.JobSpec:
    """A JobSpec from a YAML file; errors start with the file's name, as
    the CLI's do ("train.yaml: task_groups[0].replicas: ...")."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SpecError(f"{name}: cannot open file: {e.strerror}") from None
    try:
        return parse_yaml(text)
    except SpecError as e:
        raise SpecError(f"{name}: {e.message}", field=e.field) from None


def to_spec(spec: SpecLike) -> job_pb2.JobSpec:
    """Any SpecLike as a new JobSpec (a message given is copied)."""
    if isinstance(spec, job_pb2.JobSpec):
        out = job_pb2.JobSpec()
        out.CopyFrom(spec)
        return out
    if isinstance(spec, Mapping):
        return from_dict(spec)
    if isinstance(spec, (str, os.PathLike)):
        return load_file(spec)
    raise TypeError(
        f"a job spec is a JobSpec, a dict or a YAML path, not "
        f"{type(spec).__name__}")


def default_owner(getenv: Callable[[str], Optional[str]] = os.environ.get
                  ) -> str:
    """Who submits when the spec names no owner, as the CLI decides: $USER,
    else $LOGNAME, else the password database."""
    for name in ("USER", "LOGNAME"):
        value = getenv(name)
        if value:
            return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return ""
