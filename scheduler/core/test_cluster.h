// Test helpers: small hand-made clusters and jobs for core tests.
#pragma once

#include <string>
#include <vector>

#include "scheduler/core/cluster.h"
#include "scheduler/core/types.h"

namespace hetsched::core::testing {

inline Node MakeNode(std::string name, std::string kind, int count,
                     std::string ultraserver = "") {
  Node n;
  n.name = std::move(name);
  n.accelerator_kind = std::move(kind);
  n.accelerator_count = count;
  n.topology.provider = "aws";
  n.topology.ultraserver = std::move(ultraserver);
  return n;
}

inline JobRequest MakeJob(std::string id, int replicas, int per_replica,
                          std::vector<std::string> kinds = {},
                          int priority = 0) {
  JobRequest j;
  j.id = std::move(id);
  j.priority = priority;
  TaskGroupRequest group;
  group.name = "workers";
  group.replicas = replicas;
  group.accelerators_per_replica = per_replica;
  group.kinds = std::move(kinds);
  j.groups.push_back(std::move(group));
  return j;
}

}  // namespace hetsched::core::testing
