// Filters every placement policy shares: may this node hold a replica of
// this group at all, and can the job ever fit the cluster.
#pragma once

#include <optional>
#include <string>

#include "scheduler/core/cluster.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

bool KindAccepted(const TaskGroupRequest& group, const std::string& kind);
bool ProviderAllowed(const JobRequest& job, const Node& node);
// The node carries every label of the group's node_selector.
bool SelectorAllows(const TaskGroupRequest& group, const Node& node);
// Static fit: kind, provider, selector and size, ignoring what is in use now.
bool CouldEverHold(const JobRequest& job, const TaskGroupRequest& group,
                   const Node& node);
// Acceptable kinds of `group` in preference order; when the group accepts
// any kind, the kinds present in the cluster in name order.
std::vector<std::string> CandidateKinds(const TaskGroupRequest& group,
                                        const Cluster& cluster);

// A reason when no state of the cluster could ever hold `job` (for example
// it asks for more accelerators of its kinds than exist); nullopt when it
// only has to wait.
std::optional<std::string> InfeasibleReason(const JobRequest& job,
                                            const Cluster& cluster);

}  // namespace hetsched::core
