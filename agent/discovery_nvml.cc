#include "agent/discovery_nvml.h"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/accelerator_catalogue.h"

namespace hetsched::agent {
namespace {

// The few NVML declarations we use, written from the documented C API so
// that no NVML header (nor the driver) is needed to build.
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
// Only `total` is read; the others keep the C layout.
struct NvmlMemory {
  unsigned long long total;  // NOLINT: matches the C ABI
  // cppcheck-suppress unusedStructMember
  unsigned long long free;  // NOLINT
  // cppcheck-suppress unusedStructMember
  unsigned long long used;  // NOLINT
};
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr unsigned int kNvmlInitFlagNoGpus = 1;
constexpr unsigned int kNvmlBufferSize = 96;

using InitWithFlagsFn = NvmlReturn (*)(unsigned int);
using ShutdownFn = NvmlReturn (*)();
using GetCountFn = NvmlReturn (*)(unsigned int*);
using GetHandleFn = NvmlReturn (*)(unsigned int, NvmlDevice*);
using GetStringFn = NvmlReturn (*)(NvmlDevice, char*, unsigned int);
using GetMemoryFn = NvmlReturn (*)(NvmlDevice, NvmlMemory*);
using ErrorStringFn = const char* (*)(NvmlReturn);

// Closes the library on every exit path.
class Library {
 public:
  explicit Library(const std::string& name)
      : handle_(dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  bool loaded() const { return handle_ != nullptr; }
  template <typename Fn>
  Fn Get(const char* symbol) const {
    return reinterpret_cast<Fn>(dlsym(handle_, symbol));
  }

 private:
  void* handle_;
};

std::vector<std::string> LowerWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(
          static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::string NvidiaKindFromName(std::string_view product_name) {
  std::vector<std::string> words = LowerWords(product_name);
  // A whole-word match keeps "gb200" from matching "b200" and ignores
  // memory and form-factor suffixes ("80gb", "hbm3", "sxm4").
  for (const std::string& kind : AcceleratorCatalogue::BuiltIn().Kinds()) {
    if (VendorOf(kind) != "nvidia") continue;
    const std::string model = kind.substr(kind.find('/') + 1);
    if (std::find(words.begin(), words.end(), model) != words.end()) {
      return kind;
    }
  }
  std::erase_if(words, [](const std::string& w) {
    return w == "nvidia" || w == "tesla";
  });
  if (words.empty()) return "nvidia/unknown";
  return absl::StrCat("nvidia/", absl::StrJoin(words, "-"));
}

absl::StatusOr<HostDescription> NvmlDiscovery::Discover() {
  HostDescription host;
  host.source = "nvml";
  Library lib(library_);
  if (!lib.loaded()) {
    const char* err = dlerror();
    host.notes.push_back(absl::StrCat(
        "nvml: ", library_, " not loadable (no NVIDIA driver?): ",
        err != nullptr ? err : "unknown error", "; zero NVIDIA GPUs"));
    return host;
  }
  auto init = lib.Get<InitWithFlagsFn>("nvmlInitWithFlags");
  auto shutdown = lib.Get<ShutdownFn>("nvmlShutdown");
  auto get_count = lib.Get<GetCountFn>("nvmlDeviceGetCount_v2");
  auto get_handle = lib.Get<GetHandleFn>("nvmlDeviceGetHandleByIndex_v2");
  auto get_name = lib.Get<GetStringFn>("nvmlDeviceGetName");
  auto get_uuid = lib.Get<GetStringFn>("nvmlDeviceGetUUID");
  auto get_memory = lib.Get<GetMemoryFn>("nvmlDeviceGetMemoryInfo");
  auto error_string = lib.Get<ErrorStringFn>("nvmlErrorString");
  if (!init || !shutdown || !get_count || !get_handle || !get_name ||
      !get_uuid || !get_memory) {
    host.notes.push_back(
        absl::StrCat("nvml: ", library_,
                     " lacks an expected symbol (driver too old?); "
                     "zero NVIDIA GPUs"));
    return host;
  }
  auto describe = [&](NvmlReturn r) -> std::string {
    if (error_string != nullptr) return error_string(r);
    return absl::StrCat("NVML error ", r);
  };
  // NO_GPUS makes init succeed on a driver host whose GPUs are all gone, so
  // the count below (not init) is what says "zero".
  if (NvmlReturn r = init(kNvmlInitFlagNoGpus); r != kNvmlSuccess) {
    host.notes.push_back(
        absl::StrCat("nvml: init failed: ", describe(r), "; zero NVIDIA GPUs"));
    return host;
  }
  unsigned int count = 0;
  if (NvmlReturn r = get_count(&count); r != kNvmlSuccess) {
    host.notes.push_back(absl::StrCat(
        "nvml: device count failed: ", describe(r), "; zero NVIDIA GPUs"));
    shutdown();
    return host;
  }
  for (unsigned int i = 0; i < count; ++i) {
    NvmlDevice dev = nullptr;
    if (NvmlReturn r = get_handle(i, &dev); r != kNvmlSuccess) {
      // Keep the indices dense and equal to NVML's: a GPU we cannot open is
      // not offered, and the note says which.
      host.notes.push_back(
          absl::StrCat("nvml: GPU ", i, " skipped: ", describe(r)));
      continue;
    }
    char name[kNvmlBufferSize] = {};
    char uuid[kNvmlBufferSize] = {};
    NvmlMemory memory = {};
    DiscoveredAccelerator a;
    a.index = i;
    a.kind = get_name(dev, name, sizeof(name)) == kNvmlSuccess
                 ? NvidiaKindFromName(name)
                 : "nvidia/unknown";
    if (get_uuid(dev, uuid, sizeof(uuid)) == kNvmlSuccess) a.uuid = uuid;
    if (get_memory(dev, &memory) == kNvmlSuccess) a.memory_bytes = memory.total;
    host.accelerators.push_back(std::move(a));
  }
  shutdown();
  host.notes.push_back(
      absl::StrCat("nvml: ", host.accelerators.size(), " NVIDIA GPUs"));
  return host;
}

}  // namespace hetsched::agent
