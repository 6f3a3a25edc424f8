#include "cli/client.h"

#include <sstream>

#include "gtest/gtest.h"

namespace hetsched::cli {
namespace {

TEST(ClientTest, ExitCodesFollowTheStatusMeaning) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 1);
}

TEST(ClientTest, RpcStatusKeepsItsCodeAndNamesTheScheduler) {
  absl::Status s = FromRpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"),
      "10.0.0.1:7070");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "cannot reach scheduler at 10.0.0.1:7070: connection refused");

  // An UNAVAILABLE the scheduler itself answered is passed on as it is.
  s = FromRpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "agent at 10.0.0.2:7071 is unreachable"),
                    "10.0.0.1:7070", /*scheduler_reached=*/true);
  EXPECT_EQ(s.message(), "agent at 10.0.0.2:7071 is unreachable");

  s = FromRpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "job j-9"),
                    "a:1");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "job j-9");
  EXPECT_EQ(ExitCodeFor(s), 2);

  EXPECT_TRUE(FromRpcStatus(grpc::Status::OK, "a:1").ok());
}

TEST(ClientTest, ReportStatusPrefixesTheMessage) {
  std::ostringstream err;
  EXPECT_EQ(ReportStatus(absl::InvalidArgumentError("name: bad"), err), 2);
  EXPECT_EQ(err.str(), "hetsched: name: bad\n");
  std::ostringstream quiet;
  EXPECT_EQ(ReportStatus(absl::OkStatus(), quiet), 0);
  EXPECT_EQ(quiet.str(), "");
}

TEST(ClientTest, AddressComesFromFlagThenEnvironmentThenDefault) {
  auto env = [](const std::string& name) {
    return name == "HETSCHED_SCHEDULER" ? std::string("env:1") : std::string();
  };
  auto empty = [](const std::string&) { return std::string(); };
  EXPECT_EQ(ResolveSchedulerAddress("flag:2", env), "flag:2");
  EXPECT_EQ(ResolveSchedulerAddress("", env), "env:1");
  EXPECT_EQ(ResolveSchedulerAddress("", empty), "127.0.0.1:7070");
}

}  // namespace
}  // namespace hetsched::cli
