// cuBLASLt GEMM throughput with verified results.
#include "cuda_kernels/gemm_bench.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "calibration/bus_bandwidth.h"
#include "cuda_kernels/crafted_values.h"
#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/cuda_resources.h"
#include "cuda_kernels/event_timer.h"
#include "cuda_kernels/fill_kernels.h"
#include "cuda_kernels/float_bits.h"
#include "cuda_kernels/statistics.h"

namespace hetsched::calibrate {
namespace {

using internal::DeviceBuffer;
using internal::Stream;

constexpr size_t kWorkspaceBytes = size_t{64} << 20;
constexpr int kMaxCandidates = 8;    // per heuristic query (two queries)
constexpr int kCandidateWarmup = 2;  // per candidate
constexpr int kCandidateIterations = 5;
constexpr int kSamples = 64;  // output elements checked against the CPU
constexpr uint64_t kSeedA = 1;
constexpr uint64_t kSeedB = 2;

struct LtTypes {
  cudaDataType_t ab;  // A and B
  cudaDataType_t cd;  // C and D
  cublasComputeType_t compute;
  size_t ab_bytes;
  size_t cd_bytes;
};

LtTypes TypesFor(GemmDtype dtype) {
  switch (dtype) {
    case GemmDtype::kBf16:
      return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 2, 2};
    case GemmDtype::kFp16:
      return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, 2, 2};
    case GemmDtype::kTf32:
      return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4};
    case GemmDtype::kFp8E4m3:
      // fp8 needs fp32 compute; D (and so C) is bf16 here.
      return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 1, 2};
  }
  return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 2, 2};
}

// Owns one cuBLASLt object and destroys it on scope exit.
template <typename T, cublasStatus_t (*Destroy)(T)>
class LtObject {
 public:
  LtObject() = default;
  LtObject(const LtObject&) = delete;
  LtObject& operator=(const LtObject&) = delete;
  ~LtObject() {
    if (value_ != nullptr) Destroy(value_);
  }
  T* out() { return &value_; }
  T get() const { return value_; }

 private:
  T value_ = nullptr;
};

using LtHandle = LtObject<cublasLtHandle_t, cublasLtDestroy>;
using LtMatmulDesc = LtObject<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using LtLayout = LtObject<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using LtPreference =
    LtObject<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;

double OutputToDouble(const LtTypes& types, const uint8_t* bytes) {
  if (types.cd == CUDA_R_32F) {
    float f;
    std::memcpy(&f, bytes, sizeof(f));
    return f;
  }
  uint16_t bits;
  std::memcpy(&bits, bytes, sizeof(bits));
  return types.cd == CUDA_R_16F ? Fp16BitsToFloat(bits) : Bf16BitsToFloat(bits);
}

// Everything one matmul needs, set up once.
class Matmul {
 public:
  Status Init(GemmDtype dtype, int64_t size, cudaStream_t stream) {
    dtype_ = dtype;
    types_ = TypesFor(dtype);
    size_ = size;
    stream_ = stream;
    const size_t mk = static_cast<size_t>(size) * static_cast<size_t>(size);
    HETSCHED_CAL_RETURN_IF_ERROR(a_.Allocate(mk * types_.ab_bytes));
    HETSCHED_CAL_RETURN_IF_ERROR(b_.Allocate(mk * types_.ab_bytes));
    HETSCHED_CAL_RETURN_IF_ERROR(d_.Allocate(mk * types_.cd_bytes));
    HETSCHED_CAL_RETURN_IF_ERROR(workspace_.Allocate(kWorkspaceBytes));
    HETSCHED_CAL_RETURN_IF_ERROR(internal::FillCraftedMatrix(
        dtype, a_.get(), static_cast<int64_t>(mk), kSeedA, stream));
    HETSCHED_CAL_RETURN_IF_ERROR(internal::FillCraftedMatrix(
        dtype, b_.get(), static_cast<int64_t>(mk), kSeedB, stream));

    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtCreate(handle_.out()));
    HETSCHED_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmulDescCreate(desc_.out(), types_.compute, CUDA_R_32F));
    const cublasOperation_t transa = CUBLAS_OP_T;
    const cublasOperation_t transb = CUBLAS_OP_N;
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
        desc_.get(), CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof(transa)));
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
        desc_.get(), CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof(transb)));
    if (dtype == GemmDtype::kFp8E4m3) {
      // Per-tensor dequantization scales (1.0: the values are exact).
      HETSCHED_CAL_RETURN_IF_ERROR(scales_.Allocate(2 * sizeof(float)));
      const float ones[2] = {1.0f, 1.0f};
      HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemcpy(
          scales_.get(), ones, sizeof(ones), cudaMemcpyHostToDevice));
      const float* scale_a = scales_.as<float>();
      const float* scale_b = scales_.as<float>() + 1;
      HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
          desc_.get(), CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scale_a,
          sizeof(scale_a)));
      HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
          desc_.get(), CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scale_b,
          sizeof(scale_b)));
    }
    // Column-major layouts: A is k x m (transposed by TRANSA), B is k x n,
    // C and D are m x n.
    const uint64_t n = static_cast<uint64_t>(size);
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(
        a_layout_.out(), types_.ab, n, n, static_cast<int64_t>(n)));
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(
        b_layout_.out(), types_.ab, n, n, static_cast<int64_t>(n)));
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(
        d_layout_.out(), types_.cd, n, n, static_cast<int64_t>(n)));
    return OkStatus();
  }

  // cuBLASLt's top heuristic candidates, twice: unrestricted, and with
  // split-K partial sums kept in fp32 (in case the restriction finds
  // different kernels); duplicates dropped.
  Status Candidates(std::vector<cublasLtMatmulHeuristicResult_t>* out) {
    out->clear();
    for (bool restrict_reduction : {false, true}) {
      std::vector<cublasLtMatmulHeuristicResult_t> found;
      HETSCHED_CAL_RETURN_IF_ERROR(Heuristics(restrict_reduction, &found));
      for (const cublasLtMatmulHeuristicResult_t& r : found) {
        const bool seen = std::any_of(
            out->begin(), out->end(),
            [&](const cublasLtMatmulHeuristicResult_t& o) {
              return std::memcmp(&o.algo, &r.algo, sizeof(r.algo)) == 0;
            });
        if (!seen) out->push_back(r);
      }
    }
    if (!out->empty()) return OkStatus();
    return Status(StatusCode::kNotFound,
                  std::string("cuBLASLt has no algorithm for a ") +
                      GemmDtypeName(dtype_) + " " + std::to_string(size_) +
                      "^3 TN matmul on this device");
  }

  // Enqueues one matmul on the stream.
  Status Run(const cublasLtMatmulAlgo_t& algo) const {
    const float alpha = 1.0f;
    const float beta = 0.0f;
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(
        handle_.get(), desc_.get(), &alpha, a_.get(), a_layout_.get(), b_.get(),
        b_layout_.get(), &beta, d_.get(), d_layout_.get(), d_.get(),
        d_layout_.get(), &algo, workspace_.get(), kWorkspaceBytes, stream_));
    return OkStatus();
  }

  // Poisons D, runs `algo` once, and compares kSamples outputs with the
  // CPU reference.
  Status Verify(const cublasLtMatmulAlgo_t& algo, GemmResult* result) const {
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaMemsetAsync(d_.get(), 0xFF, d_.bytes(), stream_));  // NaNs
    HETSCHED_CAL_RETURN_IF_ERROR(Run(algo));
    HETSCHED_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
    const int64_t n = size_;
    bool ok = true;
    double max_error = 0.0;
    for (int s = 0; s < kSamples; ++s) {
      // Corners first, then hashed positions.
      int64_t row;
      int64_t col;
      if (s < 4) {
        row = (s & 1) ? n - 1 : 0;
        col = (s & 2) ? n - 1 : 0;
      } else {
        const uint64_t h = static_cast<uint64_t>(s) * 0x9E3779B97F4A7C15ull;
        row = static_cast<int64_t>((h >> 7) % static_cast<uint64_t>(n));
        col = static_cast<int64_t>((h >> 37) % static_cast<uint64_t>(n));
      }
      uint8_t bytes[4] = {0, 0, 0, 0};
      const size_t offset =
          static_cast<size_t>(row + col * n) * types_.cd_bytes;
      HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemcpy(bytes, d_.as<uint8_t>() + offset,
                                               types_.cd_bytes,
                                               cudaMemcpyDeviceToHost));
      const double got = OutputToDouble(types_, bytes);
      const double want = static_cast<double>(
          CraftedGemmReference(row, col, n, kSeedA, kSeedB));
      const double error = std::fabs(got - want);
      if (!(error <= GemmTolerance(dtype_, want, n))) ok = false;
      if (std::isnan(error)) {
        max_error = error;
      } else if (!std::isnan(max_error)) {
        max_error = std::max(max_error, error);
      }
    }
    result->verified = ok;
    result->samples_checked = kSamples;
    result->max_abs_error = max_error;
    return OkStatus();
  }

  // Up to kMaxCandidates usable algorithms within the workspace.
  Status Heuristics(bool restrict_reduction,
                    std::vector<cublasLtMatmulHeuristicResult_t>* out) const {
    LtPreference preference;
    HETSCHED_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmulPreferenceCreate(preference.out()));
    const uint64_t workspace = kWorkspaceBytes;
    HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(
        preference.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
        sizeof(workspace)));
    if (restrict_reduction) {
      const uint32_t mask = CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
      HETSCHED_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(
          preference.get(), CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &mask,
          sizeof(mask)));
    }
    std::vector<cublasLtMatmulHeuristicResult_t> results(kMaxCandidates);
    int returned = 0;
    const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
        handle_.get(), desc_.get(), a_layout_.get(), b_layout_.get(),
        d_layout_.get(), d_layout_.get(), preference.get(), kMaxCandidates,
        results.data(), &returned);
    out->clear();
    if (status == CUBLAS_STATUS_NOT_SUPPORTED) return OkStatus();  // none
    HETSCHED_CUBLAS_RETURN_IF_ERROR(status);
    for (int i = 0; i < returned; ++i) {
      if (results[i].state == CUBLAS_STATUS_SUCCESS &&
          results[i].workspaceSize <= kWorkspaceBytes) {
        out->push_back(results[i]);
      }
    }
    return OkStatus();
  }

 private:
  GemmDtype dtype_ = GemmDtype::kBf16;
  LtTypes types_{};
  int64_t size_ = 0;
  cudaStream_t stream_ = nullptr;
  DeviceBuffer a_, b_, d_, workspace_, scales_;
  LtHandle handle_;
  LtMatmulDesc desc_;
  LtLayout a_layout_, b_layout_, d_layout_;
};

}  // namespace

Status RunGemmBenchmark(int device, GemmDtype dtype, const GemmParams& params,
                        GemmResult* result) {
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  Stream stream;
  HETSCHED_CAL_RETURN_IF_ERROR(stream.Create());
  Matmul matmul;
  HETSCHED_CAL_RETURN_IF_ERROR(matmul.Init(dtype, params.size, stream.get()));
  std::vector<cublasLtMatmulHeuristicResult_t> candidates;
  HETSCHED_CAL_RETURN_IF_ERROR(matmul.Candidates(&candidates));

  // Time each candidate briefly; keep the fastest that runs.
  const cublasLtMatmulAlgo_t* best = nullptr;
  double best_ms = 0.0;
  int tried = 0;
  for (const cublasLtMatmulHeuristicResult_t& candidate : candidates) {
    if (!matmul.Run(candidate.algo).ok()) continue;  // rejected at launch
    std::vector<double> ms;
    HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
        stream.get(), kCandidateWarmup, kCandidateIterations,
        [&] { return matmul.Run(candidate.algo); }, &ms));
    ++tried;
    const double median = Median(ms);
    if (best == nullptr || median < best_ms) {
      best = &candidate.algo;
      best_ms = median;
    }
  }
  if (best == nullptr) {
    return InternalError(std::string("every cuBLASLt candidate for ") +
                         GemmDtypeName(dtype) + " failed to launch");
  }

  std::vector<double> ms;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&] { return matmul.Run(*best); }, &ms));
  result->dtype = GemmDtypeName(dtype);
  result->m = result->n = result->k = params.size;
  result->algorithms_tried = tried;
  result->median_time_ms = Median(ms);
  result->tflops = GemmTflops(params.size, params.size, params.size,
                              result->median_time_ms / 1e3);
  return matmul.Verify(*best, result);
}

}  // namespace hetsched::calibrate
