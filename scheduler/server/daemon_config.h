// Operator configuration files of the scheduler daemon: queues (weights,
// cohorts, quotas) and catalogue extensions, both YAML. Errors name the
// file and the field. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/accelerator_catalogue.h"
#include "scheduler/core/queue_book.h"

namespace hetsched::server {

// queues:
//   - {name: research, weight: 2, cohort: lab, quota: {nvidia/h100: 64}}
absl::StatusOr<std::vector<core::QueueConfig>> LoadQueuesFile(
    const std::string& path, const AcceleratorCatalogue& catalogue);

// accelerators:
//   - {kind: amd/mi300x, bf16_tflops: 1307, memory_gb: 192,
//      memory_bandwidth_gbps: 5300, scale_up_link_gbps: 896,
//      inference_class: false}
// Adds to or replaces entries of `catalogue`.
absl::Status LoadCatalogueFile(const std::string& path,
                               AcceleratorCatalogue& catalogue);

}  // namespace hetsched::server
