#include "common/accelerator_catalogue.h"

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(AcceleratorCatalogueTest, BuiltInHoldsDatasheetFigures) {
  const AcceleratorSpec* h100 =
      AcceleratorCatalogue::BuiltIn().Find("nvidia/h100");
  ASSERT_NE(h100, nullptr);
  EXPECT_DOUBLE_EQ(h100->bf16_tflops, 989);
  EXPECT_TRUE(
      AcceleratorCatalogue::BuiltIn().Find("aws/inferentia2")->inference_class);
  EXPECT_EQ(AcceleratorCatalogue::BuiltIn().Find("nvidia/h999"), nullptr);
}

TEST(AcceleratorCatalogueTest, OperatorEntriesExtendAndReplace) {
  AcceleratorCatalogue c = AcceleratorCatalogue::BuiltIn();
  ASSERT_TRUE(c.Upsert({"amd/mi300x", 1307, 192, 5300, 896, false}).ok());
  EXPECT_TRUE(c.Contains("amd/mi300x"));
  EXPECT_FALSE(AcceleratorCatalogue::BuiltIn().Contains("amd/mi300x"));
}

TEST(AcceleratorCatalogueTest, RejectsKindWithoutVendor) {
  AcceleratorCatalogue c;
  absl::Status s = c.Upsert({"h100", 1, 1, 1, 1, false});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kind"), std::string::npos);
  EXPECT_FALSE(c.Upsert({"nvidia/", 1, 1, 1, 1, false}).ok());
}

}  // namespace
}  // namespace hetsched
