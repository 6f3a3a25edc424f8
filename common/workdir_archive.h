// A job's workdir as a gzip-compressed tar archive: packed on the client
// (workdir_pack.cc: zlib and a small pax writer, so that the CLI loads no
// libarchive), honouring the directory's ignore file (workdir_ignore.h),
// and unpacked on each host into a task's directory (workdir_unpack.cc:
// libarchive, in library hetsched_workdir). Packing is
// deterministic (sorted entries, no owners, times or gzip timestamp), so
// the same tree always has the same sha256 and is stored and fetched
// once. Only regular files, directories and symbolic links that stay
// inside the tree are packed; modes are reduced to 0644/0755.
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hetsched {

// The default bound on a packed workdir (the CLI's --workdir-max-bytes).
inline constexpr uint64_t kDefaultWorkdirMaxBytes = uint64_t{64} << 20;
// The bound on what one archive may unpack to: a small archive of zeros
// must not fill a host's disk.
inline constexpr uint64_t kMaxUnpackedWorkdirBytes = uint64_t{8} << 30;

// The archive bytes of directory `dir`. FAILED_PRECONDITION naming `dir`
// when it is not a directory or holds a link pointing outside it;
// RESOURCE_EXHAUSTED "... more than N bytes" once the archive passes
// `max_bytes`.
absl::StatusOr<std::string> PackWorkdir(const std::string& dir,
                                        uint64_t max_bytes);

// Whether a symbolic link at relative path `at` whose target is `target`
// resolves inside the tree (lexically: never above its root).
bool LinkStaysInside(std::string_view at, std::string_view target);

// Unpacks archive file `archive` into existing directory `dest`. Refuses
// (INVALID_ARGUMENT naming the entry) absolute paths, `..`, links that
// point outside `dest`, hard links, devices and FIFOs, and more than
// `max_unpacked_bytes` in all; nothing is written through a symbolic
// link. Owners and times are not restored; modes become 0644/0755.
absl::Status UnpackWorkdir(
    const std::string& archive, const std::string& dest,
    uint64_t max_unpacked_bytes = kMaxUnpackedWorkdirBytes);

}  // namespace hetsched
