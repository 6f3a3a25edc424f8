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

TEST(TlsTest, PlaintextListensOnlyOnLoopbackUnlessAllowed) {
  for (const char* loopback : {"127.0.0.1:7070", "localhost:7070", "[::1]:7070",
                               "127.0.0.2:0", "unix:/run/hetsched.sock"}) {
    EXPECT_TRUE(IsLoopbackAddress(loopback)) << loopback;
    EXPECT_TRUE(CheckPlaintextListen("--listen", loopback, false, false).ok());
  }
  for (const char* open :
       {"0.0.0.0:7070", "[::]:7070", "10.0.0.5:7070", "sched.example:7070"}) {
    EXPECT_FALSE(IsLoopbackAddress(open)) << open;
    absl::Status refused = CheckPlaintextListen("--listen", open, false, false);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(refused.message().find("--listen: "), std::string::npos);
    EXPECT_NE(refused.message().find("--insecure-allow-plaintext"),
              std::string::npos);
    EXPECT_TRUE(CheckPlaintextListen("--listen", open, true, false).ok());
    EXPECT_TRUE(CheckPlaintextListen("--listen", open, false, true).ok());
  }
}

}  // namespace
}  // namespace hetsched
