#include "agent/task_users.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;

TEST(TaskUsersTest, MapsOwnersAndFallsBackToTheDefault) {
  auto users = TaskUsers::Parse("users: {alice: nobody}\ndefault: nobody\n",
                                "users.yaml");
  ASSERT_TRUE(users.ok()) << users.status();
  auto alice = users->Resolve("alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->user, "nobody");
  EXPECT_NE(alice->run_as.uid, 0u);
  auto someone = users->Resolve("someone-else");
  ASSERT_TRUE(someone.ok());
  EXPECT_EQ(someone->run_as.uid, alice->run_as.uid);
}

TEST(TaskUsersTest, AnOwnerWithNoUserAndNoDefaultIsRefused) {
  auto users = TaskUsers::Parse("users: {alice: nobody}\n", "users.yaml");
  ASSERT_TRUE(users.ok());
  auto bob = users->Resolve("bob");
  EXPECT_EQ(bob.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(bob.status().message(), HasSubstr("'bob'"));
}

TEST(TaskUsersTest, RootIsRefusedUnlessAllowed) {
  auto refused = TaskUsers::Parse("default: root\n", "users.yaml");
  ASSERT_TRUE(refused.ok());
  auto r = refused->Resolve("anyone");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("allow_root"));
  auto allowed =
      TaskUsers::Parse("default: root\nallow_root: true\n", "users.yaml");
  ASSERT_TRUE(allowed.ok());
  auto a = allowed->Resolve("anyone");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->run_as.uid, 0u);
}

TEST(TaskUsersTest, AMissingLocalUserIsNotFound) {
  auto users =
      TaskUsers::Parse("default: no-such-user-here-xyz\n", "users.yaml");
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->Resolve("a").status().code(), absl::StatusCode::kNotFound);
}

TEST(TaskUsersTest, BadFilesNameTheFileAndTheField) {
  auto unknown = TaskUsers::Parse("usres: {a: b}\n", "users.yaml");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("users.yaml"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("usres"));
  auto list = TaskUsers::Parse("users: [a, b]\n", "users.yaml");
  EXPECT_THAT(list.status().message(), HasSubstr("users: must be a mapping"));
  auto empty = TaskUsers::Parse("users: {a: ''}\n", "users.yaml");
  EXPECT_THAT(empty.status().message(), HasSubstr("users.a"));
}

}  // namespace
}  // namespace hetsched::agent
