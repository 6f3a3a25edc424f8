#include "agent/nvml_metrics.h"

#include <dlfcn.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "agent/discovery_nvml.h"

namespace hetsched::agent {
namespace {

// The NVML declarations used, written from the documented C API so that no
// NVML header (nor the driver) is needed to build.
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
using NvmlEventSet = struct NvmlEventSetOpaque*;
struct NvmlMemory {
  unsigned long long total;  // NOLINT: matches the C ABI
  unsigned long long free;   // NOLINT
  unsigned long long used;   // NOLINT
};
struct NvmlUtilization {
  unsigned int gpu;
  unsigned int memory;
};
struct NvmlEventData {
  NvmlDevice device;
  unsigned long long event_type;  // NOLINT
  unsigned long long event_data;  // NOLINT: the XID
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};
constexpr NvmlReturn kSuccess = 0;
constexpr unsigned int kInitFlagNoGpus = 1;
constexpr unsigned int kBufferSize = 96;
constexpr unsigned int kTemperatureGpu = 0;
constexpr int kMemoryErrorCorrected = 0;
constexpr int kMemoryErrorUncorrected = 1;
constexpr int kVolatileEcc = 0;
constexpr unsigned long long kEventXidCriticalError = 0x8;  // NOLINT

}  // namespace

struct NvmlSampler::Api {
  void* handle = nullptr;
  NvmlReturn (*shutdown)() = nullptr;
  NvmlReturn (*get_count)(unsigned int*) = nullptr;
  NvmlReturn (*get_handle)(unsigned int, NvmlDevice*) = nullptr;
  NvmlReturn (*get_name)(NvmlDevice, char*, unsigned int) = nullptr;
  NvmlReturn (*get_uuid)(NvmlDevice, char*, unsigned int) = nullptr;
  NvmlReturn (*get_memory)(NvmlDevice, NvmlMemory*) = nullptr;
  NvmlReturn (*get_utilization)(NvmlDevice, NvmlUtilization*) = nullptr;
  NvmlReturn (*get_temperature)(NvmlDevice, unsigned int,
                                unsigned int*) = nullptr;
  NvmlReturn (*get_power)(NvmlDevice, unsigned int*) = nullptr;
  NvmlReturn (*get_ecc)(NvmlDevice, int, int,
                        unsigned long long*) = nullptr;  // NOLINT
  NvmlReturn (*event_set_free)(NvmlEventSet) = nullptr;
  NvmlReturn (*event_wait)(NvmlEventSet, NvmlEventData*,
                           unsigned int) = nullptr;
  NvmlEventSet events = nullptr;  // XID events of every device, or null
  std::map<NvmlDevice, unsigned int> index_of;
  std::map<unsigned int, uint64_t> last_xid;

  template <typename Fn>
  void Load(Fn& fn, const char* symbol) {
    fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
  }
};

NvmlSampler::NvmlSampler(const std::string& library) {
  auto api = std::make_unique<Api>();
  api->handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (api->handle == nullptr) {
    const char* err = dlerror();
    reason_ = absl::StrCat(
        library, " not loadable: ", err != nullptr ? err : "unknown error");
    return;
  }
  NvmlReturn (*init)(unsigned int) = nullptr;
  api->Load(init, "nvmlInitWithFlags");
  api->Load(api->shutdown, "nvmlShutdown");
  api->Load(api->get_count, "nvmlDeviceGetCount_v2");
  api->Load(api->get_handle, "nvmlDeviceGetHandleByIndex_v2");
  api->Load(api->get_name, "nvmlDeviceGetName");
  api->Load(api->get_uuid, "nvmlDeviceGetUUID");
  api->Load(api->get_memory, "nvmlDeviceGetMemoryInfo");
  api->Load(api->get_utilization, "nvmlDeviceGetUtilizationRates");
  api->Load(api->get_temperature, "nvmlDeviceGetTemperature");
  api->Load(api->get_power, "nvmlDeviceGetPowerUsage");
  api->Load(api->get_ecc, "nvmlDeviceGetTotalEccErrors");
  if (!init || !api->shutdown || !api->get_count || !api->get_handle ||
      !api->get_name || !api->get_uuid) {
    reason_ = absl::StrCat(library, " lacks an expected symbol");
    dlclose(api->handle);
    return;
  }
  if (NvmlReturn r = init(kInitFlagNoGpus); r != kSuccess) {
    reason_ = absl::StrCat("nvmlInitWithFlags failed: NVML error ", r);
    dlclose(api->handle);
    return;
  }
  // XIDs arrive only as events: register every device now, drain at each
  // sample. Optional: without events the last XID stays 0.
  NvmlReturn (*event_set_create)(NvmlEventSet*) = nullptr;
  NvmlReturn (*register_events)(NvmlDevice, unsigned long long,  // NOLINT
                                NvmlEventSet) = nullptr;
  api->Load(event_set_create, "nvmlEventSetCreate");
  api->Load(register_events, "nvmlDeviceRegisterEvents");
  api->Load(api->event_set_free, "nvmlEventSetFree");
  api->Load(api->event_wait, "nvmlEventSetWait_v2");
  unsigned int count = 0;
  if (api->get_count(&count) != kSuccess) count = 0;
  if (event_set_create && register_events && api->event_set_free &&
      api->event_wait && event_set_create(&api->events) == kSuccess) {
    for (unsigned int i = 0; i < count; ++i) {
      NvmlDevice dev = nullptr;
      if (api->get_handle(i, &dev) != kSuccess) continue;
      api->index_of[dev] = i;
      (void)register_events(dev, kEventXidCriticalError, api->events);
    }
  }
  api_ = std::move(api);
}

NvmlSampler::~NvmlSampler() {
  if (!api_) return;
  if (api_->events != nullptr) api_->event_set_free(api_->events);
  api_->shutdown();
  dlclose(api_->handle);
}

bool NvmlSampler::available() const { return api_ != nullptr; }

std::vector<GpuSample> NvmlSampler::Sample() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GpuSample> out;
  if (!api_) return out;
  Api& api = *api_;
  if (api.events != nullptr) {
    NvmlEventData event = {};
    // Timeout 0: only what is already queued.
    while (api.event_wait(api.events, &event, 0) == kSuccess) {
      auto it = api.index_of.find(event.device);
      if (it != api.index_of.end() &&
          (event.event_type & kEventXidCriticalError) != 0) {
        api.last_xid[it->second] = event.event_data;
      }
    }
  }
  unsigned int count = 0;
  if (api.get_count(&count) != kSuccess) return out;
  for (unsigned int i = 0; i < count; ++i) {
    NvmlDevice dev = nullptr;
    if (api.get_handle(i, &dev) != kSuccess) continue;
    GpuSample s;
    s.index = i;
    char name[kBufferSize] = {};
    char uuid[kBufferSize] = {};
    s.kind = api.get_name(dev, name, sizeof(name)) == kSuccess
                 ? NvidiaKindFromName(name)
                 : "nvidia/unknown";
    if (api.get_uuid(dev, uuid, sizeof(uuid)) == kSuccess) s.uuid = uuid;
    if (NvmlMemory m = {};
        api.get_memory && api.get_memory(dev, &m) == kSuccess) {
      s.memory_used_bytes = m.used;
      s.memory_total_bytes = m.total;
    }
    if (NvmlUtilization u = {};
        api.get_utilization && api.get_utilization(dev, &u) == kSuccess) {
      s.utilization_ratio = u.gpu / 100.0;
    }
    if (unsigned int t = 0;
        api.get_temperature &&
        api.get_temperature(dev, kTemperatureGpu, &t) == kSuccess) {
      s.temperature_celsius = t;
    }
    if (unsigned int mw = 0;
        api.get_power && api.get_power(dev, &mw) == kSuccess) {
      s.power_watts = mw / 1000.0;
    }
    unsigned long long ecc = 0;  // NOLINT
    if (api.get_ecc && api.get_ecc(dev, kMemoryErrorCorrected, kVolatileEcc,
                                   &ecc) == kSuccess) {
      s.ecc_single_bit = ecc;
    }
    if (api.get_ecc && api.get_ecc(dev, kMemoryErrorUncorrected, kVolatileEcc,
                                   &ecc) == kSuccess) {
      s.ecc_double_bit = ecc;
    }
    if (auto it = api.last_xid.find(i); it != api.last_xid.end()) {
      s.last_xid = it->second;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hetsched::agent
