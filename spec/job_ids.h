// The job ids the scheduler hands out: "j-000042" names a job or a job
// array, "j-000042_7" element 7 of that array (Slurm's JOBID_TASKID).
// Thread-safe, allocation-free except ArrayElementId.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hetsched::spec {

struct JobIdParts {
  uint64_t seq = 0;                 // 42 in both examples above
  std::optional<uint32_t> element;  // 7 for "j-000042_7"
};

// nullopt unless `id` is "j-" and digits, optionally "_" and digits.
std::optional<JobIdParts> ParseJobId(std::string_view id);
bool IsJobId(std::string_view id);
// A job's or an array's id, not an element's.
bool IsWholeJobId(std::string_view id);

std::string ArrayElementId(std::string_view array_id, uint32_t index);

// The order jobs are stored and listed in: by number (j-000009 before
// j-000010, j-999999 before j-1000000), each array's elements right
// after the array's id, by index (j-000042_2 before j-000042_10). Any
// other string sorts by the same rule applied to its text, so this is a
// strict weak order over all strings.
bool JobIdLess(std::string_view a, std::string_view b);

}  // namespace hetsched::spec
