// GEMM data types, their device support and result tolerances.
#include "cuda_kernels/gemm_dtype.h"

#include <cmath>

#include "calibration/enum_names.h"

namespace hetsched::calibrate {
namespace {

// Significand bits (with the implicit bit) of each dtype's output type.
int OutputSignificandBits(GemmDtype dtype) {
  switch (dtype) {
    case GemmDtype::kBf16:
    case GemmDtype::kFp8E4m3:  // bf16 output
      return 8;
    case GemmDtype::kFp16:
      return 11;
    case GemmDtype::kTf32:  // fp32 output
      return 24;
  }
  return 8;
}

}  // namespace

std::vector<GemmDtype> AllGemmDtypes() {
  return {GemmDtype::kBf16, GemmDtype::kFp16, GemmDtype::kTf32,
          GemmDtype::kFp8E4m3};
}

const char* GemmDtypeName(GemmDtype dtype) {
  switch (dtype) {
    case GemmDtype::kBf16:
      return "bf16";
    case GemmDtype::kFp16:
      return "fp16";
    case GemmDtype::kTf32:
      return "tf32";
    case GemmDtype::kFp8E4m3:
      return "fp8_e4m3";
  }
  return "unknown";
}

bool ParseGemmDtype(std::string_view name, GemmDtype* dtype) {
  return ParseEnumName(name, AllGemmDtypes(), GemmDtypeName, dtype);
}

bool GemmDtypeSupported(GemmDtype dtype, int cc_major, int cc_minor) {
  const int cc = cc_major * 10 + cc_minor;
  if (dtype == GemmDtype::kFp8E4m3) return cc >= 89;
  return cc >= 80;
}

const char* GemmDtypeMinComputeCapability(GemmDtype dtype) {
  return dtype == GemmDtype::kFp8E4m3 ? "8.9" : "8.0";
}

double GemmTolerance(GemmDtype dtype, double reference, int64_t k) {
  const int bits = OutputSignificandBits(dtype);
  // One ulp at |reference| is at most |reference| * 2^(1 - bits).
  const double rounding = std::fabs(reference) * std::ldexp(1.0, 2 - bits);
  const double split_k =
      std::sqrt(static_cast<double>(k > 0 ? k : 0)) * std::ldexp(1.0, 6 - bits);
  return rounding + split_k;
}

}  // namespace hetsched::calibrate
