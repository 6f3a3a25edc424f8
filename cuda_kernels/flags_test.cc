#include "cuda_kernels/flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

Status Parse(const std::vector<std::string>& args, CalibrateOptions* o) {
  return ParseFlags(args, o);
}

std::string ErrorOf(const std::vector<std::string>& args) {
  CalibrateOptions o;
  const Status s = Parse(args, &o);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  return s.message();
}

TEST(FlagsTest, DefaultsMeasureEverything) {
  CalibrateOptions o;
  ASSERT_TRUE(Parse({}, &o).ok());
  EXPECT_TRUE(o.devices.empty());
  EXPECT_EQ(o.sections, AllSections());
  EXPECT_EQ(o.gemm_size, 8192);
  EXPECT_EQ(o.min_bytes, 8);
  EXPECT_EQ(o.max_bytes, int64_t{1} << 30);
  EXPECT_EQ(o.step_factor, 2);
  EXPECT_EQ(o.avg_busbw_min_bytes, int64_t{64} << 20);
  EXPECT_DOUBLE_EQ(o.time_budget_s, 100.0);
  EXPECT_FALSE(o.multi_process());
}

TEST(FlagsTest, ParsesBothValueForms) {
  CalibrateOptions o;
  ASSERT_TRUE(Parse({"--devices", "0,2", "--gemm-size=4096", "--iterations",
                     "7", "--time-budget-s=30.5", "--sections", "nccl,gemm"},
                    &o)
                  .ok());
  EXPECT_EQ(o.devices, (std::vector<int>{0, 2}));
  EXPECT_EQ(o.gemm_size, 4096);
  EXPECT_EQ(o.iterations, 7);
  EXPECT_DOUBLE_EQ(o.time_budget_s, 30.5);
  // Sections always run in the canonical order.
  EXPECT_EQ(o.sections, (std::vector<Section>{Section::kGemm, Section::kNccl}));
}

TEST(FlagsTest, ByteSizesTakeBinarySuffixes) {
  int64_t b = 0;
  ASSERT_TRUE(ParseByteSize("64K", &b));
  EXPECT_EQ(b, 65536);
  ASSERT_TRUE(ParseByteSize("1g", &b));
  EXPECT_EQ(b, int64_t{1} << 30);
  ASSERT_TRUE(ParseByteSize("8", &b));
  EXPECT_EQ(b, 8);
  EXPECT_FALSE(ParseByteSize("1X", &b));
  EXPECT_FALSE(ParseByteSize("G", &b));
  EXPECT_FALSE(ParseByteSize("-1", &b));
  EXPECT_FALSE(ParseByteSize("99999999999T", &b));  // overflows
  CalibrateOptions o;
  ASSERT_TRUE(Parse({"--min-bytes", "1K", "--max-bytes", "256M"}, &o).ok());
  EXPECT_EQ(o.min_bytes, 1024);
  EXPECT_EQ(o.max_bytes, int64_t{256} << 20);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  EXPECT_EQ(ErrorOf({"--bogus", "1"}).rfind("--bogus", 0), 0u);
  EXPECT_EQ(ErrorOf({"--gemm-size", "100"}).rfind("--gemm-size", 0), 0u);
  EXPECT_EQ(ErrorOf({"--gemm-size", "abc"}).rfind("--gemm-size", 0), 0u);
  EXPECT_EQ(ErrorOf({"--iterations", "0"}).rfind("--iterations", 0), 0u);
  EXPECT_EQ(ErrorOf({"--devices", "0,x"}).rfind("--devices", 0), 0u);
  EXPECT_EQ(ErrorOf({"--devices", "1,1"}).rfind("--devices", 0), 0u);
  EXPECT_EQ(ErrorOf({"--sections", "gemm,foo"}).rfind("--sections", 0), 0u);
  EXPECT_EQ(ErrorOf({"--step-factor", "1"}).rfind("--step-factor", 0), 0u);
  EXPECT_EQ(ErrorOf({"--time-budget-s", "-5"}).rfind("--time-budget-s", 0), 0u);
  EXPECT_EQ(ErrorOf({"--min-bytes", "1M", "--max-bytes", "1K"})
                .rfind("--min-bytes", 0),
            0u);
  EXPECT_EQ(ErrorOf({"--iterations"}).rfind("--iterations", 0), 0u);
  EXPECT_EQ(ErrorOf({"stray"}).rfind("stray", 0), 0u);
}

TEST(FlagsTest, MultiProcessNeedsIdRankAndRanks) {
  const std::string id(256, 'a');
  CalibrateOptions o;
  ASSERT_TRUE(Parse({"--nccl-unique-id", id, "--rank", "1", "--nranks", "4",
                     "--nccl-root", "10.0.0.1:29500"},
                    &o)
                  .ok());
  EXPECT_TRUE(o.multi_process());
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.nranks, 4);
  EXPECT_EQ(o.nccl_root, "10.0.0.1:29500");

  EXPECT_EQ(
      ErrorOf({"--rank", "0", "--nranks", "2"}).rfind("--nccl-unique-id", 0),
      0u);
  EXPECT_EQ(
      ErrorOf({"--nccl-unique-id", id, "--nranks", "2"}).rfind("--rank", 0),
      0u);
  EXPECT_EQ(ErrorOf({"--nccl-unique-id", id, "--rank", "2", "--nranks", "2"})
                .rfind("--rank", 0),
            0u);
  EXPECT_EQ(ErrorOf({"--nccl-unique-id", "abcd"}).rfind("--nccl-unique-id", 0),
            0u);
  EXPECT_EQ(ErrorOf({"--nccl-unique-id", id, "--rank", "0", "--nranks", "2",
                     "--sections", "gemm"})
                .rfind("--sections", 0),
            0u);
  EXPECT_EQ(ErrorOf({"--nccl-unique-id", id, "--rank", "0", "--nranks", "2",
                     "--devices", "0,1"})
                .rfind("--devices", 0),
            0u);
  EXPECT_EQ(ErrorOf({"--nccl-root", "nohostport"}).rfind("--nccl-root", 0), 0u);
}

TEST(FlagsTest, HelpAndPrintUniqueIdAreSwitches) {
  CalibrateOptions o;
  ASSERT_TRUE(Parse({"--help"}, &o).ok());
  EXPECT_TRUE(o.help);
  ASSERT_TRUE(Parse({"--print-unique-id", "--nccl-root=h:1"}, &o).ok());
  EXPECT_TRUE(o.print_unique_id);
  EXPECT_NE(UsageText().find("--time-budget-s"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::calibrate
