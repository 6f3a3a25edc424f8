// submit --workdir: packs a directory (common/workdir_archive.h), and
// uploads the archive unless the scheduler already stores one with the
// same sha256. Not thread-safe: one command at a time per context.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "cli/client.h"
#include "common/workdir_archive.h"

namespace hetsched::cli {

struct SubmitWorkdir {
  std::string dir;  // empty: the job ships no code
  uint64_t max_bytes = kDefaultWorkdirMaxBytes;
};

// The sha256 the job's spec should name. A directory that packs past
// `max_bytes` (or cannot be packed) is bad input (exit 2), named as
// "--workdir DIR: ...".
absl::StatusOr<std::string> UploadWorkdir(const CommandContext& ctx,
                                          const SubmitWorkdir& workdir);

}  // namespace hetsched::cli
