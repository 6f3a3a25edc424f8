// Fuzzes the job-spec YAML reader and the validator: what `hetsched submit`
// reads from a user's file (and the scheduler re-checks on every submit).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/accelerator_catalogue.h"
#include "spec/job_spec_validation.h"
#include "spec/job_spec_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const catalogue = new hetsched::AcceleratorCatalogue(
      hetsched::AcceleratorCatalogue::BuiltIn());
  auto spec = hetsched::spec::ParseJobSpecYaml(
      std::string(reinterpret_cast<const char*>(data), size));
  if (!spec.ok()) return 0;
  (void)hetsched::spec::ValidateJobSpec(*spec, *catalogue);
  hetsched::spec::ApplyJobSpecDefaults(*spec);
  (void)hetsched::spec::ValidateJobSpec(*spec, *catalogue);
  return 0;
}
