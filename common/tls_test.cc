#include "common/tls.h"

#include <fstream>

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(TlsTest, NoFilesMeansPlaintext) {
  auto creds = LoadTlsCredentials({});
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_NE(creds->server, nullptr);
  EXPECT_NE(creds->channel, nullptr);
  EXPECT_FALSE(creds->mutual_tls);
}

TEST(TlsTest, MutualTlsNeedsAllThreeFiles) {
  auto creds = LoadTlsCredentials({"ca.pem", "", ""});
  EXPECT_EQ(creds.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(creds.status().message(),
            "--tls-cert: required with the other --tls-* flags (mutual TLS)");
}

TEST(TlsTest, UnreadableOrNonPemFilesNameTheFlag) {
  const std::string dir = ::testing::TempDir();
  const std::string pem = dir + "/tls-test-ok.pem";
  const std::string junk = dir + "/tls-test-junk.pem";
  std::ofstream(pem) << "-----BEGIN CERTIFICATE-----\nAA==\n"
                        "-----END CERTIFICATE-----\n";
  std::ofstream(junk) << "not a certificate\n";
  auto missing = LoadTlsCredentials({pem, pem, dir + "/no-such-key.pem"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "--tls-key: cannot read " + dir +
                "/no-such-key.pem: No such file or directory");
  auto not_pem = LoadTlsCredentials({junk, pem, pem});
  EXPECT_EQ(not_pem.status().message(),
            "--tls-ca: " + junk + " holds no PEM block");
}

}  // namespace
}  // namespace hetsched
