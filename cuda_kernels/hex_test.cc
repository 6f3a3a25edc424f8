#include "cuda_kernels/hex.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(HexTest, EncodesLowerCaseTwoDigitsPerByte) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(HexEncode(bytes, sizeof(bytes)), "000fa5ff");
}

TEST(HexTest, RoundTripsAllByteValues) {
  std::vector<uint8_t> bytes(256);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> decoded;
  ASSERT_TRUE(HexDecode(HexEncode(bytes.data(), bytes.size()), &decoded));
  EXPECT_EQ(decoded, bytes);
}

TEST(HexTest, AcceptsUpperCase) {
  std::vector<uint8_t> decoded;
  ASSERT_TRUE(HexDecode("A5fF", &decoded));
  EXPECT_EQ(decoded, (std::vector<uint8_t>{0xa5, 0xff}));
}

TEST(HexTest, RejectsOddLengthAndNonHex) {
  std::vector<uint8_t> decoded = {1};
  EXPECT_FALSE(HexDecode("abc", &decoded));
  EXPECT_FALSE(HexDecode("zz", &decoded));
  EXPECT_EQ(decoded, (std::vector<uint8_t>{1}));  // untouched
}

}  // namespace
}  // namespace hetsched::calibrate
