// Fuzzes the scheduler's --catalogue loader, then uses what it loaded the
// way the scheduler does (every kind looked up).
#include <cstddef>
#include <cstdint>

#include "common/accelerator_catalogue.h"
#include "scheduler/server/daemon_config.h"
#include "tests/fuzz/memfd_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hetsched::AcceleratorCatalogue catalogue =
      hetsched::AcceleratorCatalogue::BuiltIn();
  if (!hetsched::server::LoadCatalogueFile(
           hetsched::fuzz::WriteMemFile(data, size), catalogue)
           .ok()) {
    return 0;
  }
  for (const auto& kind : catalogue.Kinds()) {
    (void)catalogue.Find(kind);
    (void)hetsched::VendorOf(kind);
  }
  return 0;
}
