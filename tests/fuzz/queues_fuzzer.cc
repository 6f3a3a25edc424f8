// Fuzzes the scheduler's --queues loader.
#include <cstddef>
#include <cstdint>

#include "common/accelerator_catalogue.h"
#include "scheduler/server/daemon_config.h"
#include "tests/fuzz/memfd_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const catalogue = new hetsched::AcceleratorCatalogue(
      hetsched::AcceleratorCatalogue::BuiltIn());
  (void)hetsched::server::LoadQueuesFile(
      hetsched::fuzz::WriteMemFile(data, size), *catalogue);
  return 0;
}
