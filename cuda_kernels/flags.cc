// Command-line flags of hetsched-calibrate.
#include "cuda_kernels/flags.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <set>

#include "calibration/enum_names.h"

namespace hetsched::calibrate {
namespace {

constexpr size_t kUniqueIdHexDigits = 256;  // 128-byte ncclUniqueId

bool ParseInt64(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 30) return false;
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const long long parsed = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *value = parsed;
  return true;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty() || text.size() > 40) return false;
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *value = parsed;
  return true;
}

std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

Status FlagError(std::string_view flag, const std::string& why) {
  return InvalidArgumentError(std::string(flag) + ": " + why);
}

Status IntInRange(std::string_view flag, std::string_view text, int64_t lo,
                  int64_t hi, int64_t* out) {
  int64_t v = 0;
  if (!ParseInt64(text, &v) || v < lo || v > hi) {
    return FlagError(flag, "expected an integer in [" + std::to_string(lo) +
                               ", " + std::to_string(hi) + "], got \"" +
                               std::string(text) + "\"");
  }
  *out = v;
  return OkStatus();
}

Status BytesAtLeast(std::string_view flag, std::string_view text, int64_t lo,
                    int64_t* out) {
  int64_t v = 0;
  if (!ParseByteSize(text, &v) || v < lo) {
    return FlagError(flag, "expected a byte size >= " + std::to_string(lo) +
                               " (suffix K, M, G or T allowed), got \"" +
                               std::string(text) + "\"");
  }
  *out = v;
  return OkStatus();
}

Status ParseDevices(std::string_view text, std::vector<int>* devices) {
  std::vector<int> parsed;
  std::set<int> seen;
  for (std::string_view part : SplitCommas(text)) {
    int64_t v = 0;
    if (!ParseInt64(part, &v) || v < 0 || v > 1023) {
      return FlagError("--devices",
                       "expected device indices like 0,1,3, got \"" +
                           std::string(text) + "\"");
    }
    if (!seen.insert(static_cast<int>(v)).second) {
      return FlagError("--devices",
                       "device " + std::to_string(v) + " listed twice");
    }
    parsed.push_back(static_cast<int>(v));
  }
  *devices = std::move(parsed);
  return OkStatus();
}

Status ParseSections(std::string_view text, std::vector<Section>* sections) {
  std::set<Section> chosen;
  for (std::string_view part : SplitCommas(text)) {
    Section s;
    if (!ParseSection(part, &s)) {
      return FlagError("--sections", "unknown section \"" + std::string(part) +
                                         "\" (known: gemm, memory, host, "
                                         "peer, nccl)");
    }
    chosen.insert(s);
  }
  sections->clear();
  for (Section s : AllSections()) {
    if (chosen.count(s) > 0) sections->push_back(s);
  }
  return OkStatus();
}

// Cross-flag checks once every flag is known.
Status Validate(const CalibrateOptions& o, bool sections_given) {
  if (o.min_bytes > o.max_bytes) {
    return FlagError("--min-bytes", "must not exceed --max-bytes");
  }
  const bool any_multi =
      !o.nccl_unique_id_hex.empty() || o.rank >= 0 || o.nranks > 0;
  if (any_multi) {
    if (o.nccl_unique_id_hex.empty()) {
      return FlagError("--nccl-unique-id", "required with --rank and --nranks");
    }
    if (o.rank < 0)
      return FlagError("--rank", "required with --nccl-unique-id");
    if (o.nranks < 1) {
      return FlagError("--nranks", "required with --nccl-unique-id");
    }
    if (o.rank >= o.nranks) {
      return FlagError("--rank", "must be less than --nranks");
    }
    if (o.print_unique_id) {
      return FlagError("--print-unique-id",
                       "cannot be combined with --nccl-unique-id");
    }
    if (o.devices.size() > 1) {
      return FlagError("--devices",
                       "at most one device with --nccl-unique-id (one GPU "
                       "per process)");
    }
    if (sections_given &&
        (o.sections.size() != 1 || o.sections[0] != Section::kNccl)) {
      return FlagError("--sections", "only nccl runs with --nccl-unique-id");
    }
  }
  return OkStatus();
}

}  // namespace

std::vector<Section> AllSections() {
  return {Section::kGemm, Section::kMemory, Section::kHost, Section::kPeer,
          Section::kNccl};
}

const char* SectionName(Section section) {
  switch (section) {
    case Section::kGemm:
      return "gemm";
    case Section::kMemory:
      return "memory";
    case Section::kHost:
      return "host";
    case Section::kPeer:
      return "peer";
    case Section::kNccl:
      return "nccl";
  }
  return "unknown";
}

bool ParseSection(std::string_view name, Section* section) {
  return ParseEnumName(name, AllSections(), SectionName, section);
}

bool ParseByteSize(std::string_view text, int64_t* bytes) {
  if (text.empty()) return false;
  int shift = 0;
  switch (text.back()) {
    case 'k':
    case 'K':
      shift = 10;
      break;
    case 'm':
    case 'M':
      shift = 20;
      break;
    case 'g':
    case 'G':
      shift = 30;
      break;
    case 't':
    case 'T':
      shift = 40;
      break;
    default:
      break;
  }
  if (shift > 0) text.remove_suffix(1);
  int64_t value = 0;
  if (!ParseInt64(text, &value) || value < 0) return false;
  if (value > (std::numeric_limits<int64_t>::max() >> shift)) return false;
  *bytes = value << shift;
  return true;
}

Status ParseFlags(const std::vector<std::string>& args,
                  CalibrateOptions* options) {
  CalibrateOptions o;
  bool sections_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--print-unique-id") {
      o.print_unique_id = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      return FlagError(arg, "unexpected argument (flags start with --)");
    }
    std::string_view flag = arg;
    std::string_view value;
    const size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= args.size()) return FlagError(flag, "needs a value");
      value = args[++i];
    }
    int64_t n = 0;
    if (flag == "--devices") {
      HETSCHED_CAL_RETURN_IF_ERROR(ParseDevices(value, &o.devices));
    } else if (flag == "--sections") {
      HETSCHED_CAL_RETURN_IF_ERROR(ParseSections(value, &o.sections));
      sections_given = true;
    } else if (flag == "--gemm-size") {
      HETSCHED_CAL_RETURN_IF_ERROR(IntInRange(flag, value, 16, 65536, &n));
      if (n % 16 != 0) return FlagError(flag, "must be a multiple of 16");
      o.gemm_size = n;
    } else if (flag == "--iterations") {
      HETSCHED_CAL_RETURN_IF_ERROR(IntInRange(flag, value, 1, 100000, &n));
      o.iterations = static_cast<int>(n);
    } else if (flag == "--warmup-iterations") {
      HETSCHED_CAL_RETURN_IF_ERROR(IntInRange(flag, value, 0, 100000, &n));
      o.warmup_iterations = static_cast<int>(n);
    } else if (flag == "--memory-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(
          BytesAtLeast(flag, value, 4096, &o.memory_bytes));
    } else if (flag == "--host-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(
          BytesAtLeast(flag, value, 4096, &o.host_bytes));
    } else if (flag == "--peer-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(
          BytesAtLeast(flag, value, 4096, &o.peer_bytes));
    } else if (flag == "--min-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(BytesAtLeast(flag, value, 4, &o.min_bytes));
    } else if (flag == "--max-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(BytesAtLeast(flag, value, 4, &o.max_bytes));
    } else if (flag == "--step-factor") {
      HETSCHED_CAL_RETURN_IF_ERROR(
          IntInRange(flag, value, 2, 1024, &o.step_factor));
    } else if (flag == "--avg-busbw-min-bytes") {
      HETSCHED_CAL_RETURN_IF_ERROR(
          BytesAtLeast(flag, value, 0, &o.avg_busbw_min_bytes));
    } else if (flag == "--time-budget-s") {
      double budget = 0;
      if (!ParseDouble(value, &budget) || !(budget > 0) || budget > 1e6) {
        return FlagError(flag, "expected seconds in (0, 1e6], got \"" +
                                   std::string(value) + "\"");
      }
      o.time_budget_s = budget;
    } else if (flag == "--nccl-unique-id") {
      if (value.size() != kUniqueIdHexDigits ||
          !std::all_of(value.begin(), value.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        return FlagError(flag,
                         "expected the 256 hex digits that "
                         "--print-unique-id prints");
      }
      o.nccl_unique_id_hex = std::string(value);
    } else if (flag == "--rank") {
      HETSCHED_CAL_RETURN_IF_ERROR(IntInRange(flag, value, 0, 1 << 20, &n));
      o.rank = static_cast<int>(n);
    } else if (flag == "--nranks") {
      HETSCHED_CAL_RETURN_IF_ERROR(IntInRange(flag, value, 1, 1 << 20, &n));
      o.nranks = static_cast<int>(n);
    } else if (flag == "--nccl-root") {
      const size_t colon = value.rfind(':');
      if (colon == std::string_view::npos || colon == 0 ||
          !IntInRange(flag, value.substr(colon + 1), 1, 65535, &n).ok()) {
        return FlagError(
            flag, "expected HOST:PORT, got \"" + std::string(value) + "\"");
      }
      o.nccl_root = std::string(value);
    } else {
      return FlagError(flag, "unknown flag (see --help)");
    }
  }
  HETSCHED_CAL_RETURN_IF_ERROR(Validate(o, sections_given));
  *options = std::move(o);
  return OkStatus();
}

std::string UsageText() {
  return R"(usage: hetsched-calibrate [flags]

Measures this host's GPUs and prints one JSON document (schema_version 1)
on stdout. See docs/calibration.md.

  --devices 0,1          CUDA devices to measure (default: all visible)
  --sections LIST        any of gemm,memory,host,peer,nccl (default: all)
  --gemm-size N          m = n = k of each GEMM, multiple of 16 (8192)
  --iterations N         timed repeats per measurement (20)
  --warmup-iterations N  untimed repeats first (5)
  --memory-bytes B       buffer size of the D2D copy and triad (4G)
  --host-bytes B         pinned host <-> device transfer size (256M)
  --peer-bytes B         peer copy size (256M)
  --min-bytes B          NCCL sweep start (8)
  --max-bytes B          NCCL sweep end (1G)
  --step-factor F        NCCL sweep multiplier (2)
  --avg-busbw-min-bytes B  sizes averaged into avg_busbw_gbps (64M)
  --time-budget-s S      skip what is left after S seconds (100)

Across hosts (one GPU per process, only the NCCL sweep runs):
  --print-unique-id      print a 128-byte ncclUniqueId as hex and exit;
                         needs --nccl-root (NCCL_COMM_ID)
  --nccl-unique-id HEX   the id printed by --print-unique-id
  --rank R --nranks N    this process's rank and the number of ranks
  --nccl-root HOST:PORT  where rank 0 listens to bootstrap the others
                         (sets NCCL_COMM_ID); required for rank 0

Byte sizes take K, M, G or T (powers of 1024). Exit codes: 0 ok, 1 error,
2 bad flags, 3 no CUDA device or driver, 4 verification failed.
)";
}

}  // namespace hetsched::calibrate
