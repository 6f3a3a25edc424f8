// Fuzzes the inventory parser: the YAML an agent reads with --inventory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/inventory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)hetsched::agent::ParseInventory(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  return 0;
}
