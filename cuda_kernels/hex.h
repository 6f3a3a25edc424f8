// Hex encoding of opaque bytes (the 128-byte ncclUniqueId handed from rank 0
// to the other ranks on a command line). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hetsched::calibrate {

// Lower-case hex, two digits per byte.
std::string HexEncode(const uint8_t* data, size_t size);

// Accepts upper- or lower-case digits; false (and `bytes` untouched) on an
// odd length or a non-hex character.
bool HexDecode(std::string_view hex, std::vector<uint8_t>* bytes);

}  // namespace hetsched::calibrate
