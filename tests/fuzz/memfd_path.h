// An in-memory file with a path, for loaders that only take a path: each
// fuzz input is written to it, so no run leaves files behind. One per
// process; not thread-safe (libFuzzer runs one input at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hetsched::fuzz {

// Replaces the file's contents with `data` and returns its path
// ("/proc/self/fd/N").
std::string WriteMemFile(const uint8_t* data, size_t size);

}  // namespace hetsched::fuzz
