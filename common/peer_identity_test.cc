#include "common/peer_identity.h"

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(PeerIdentityTest, OrganizationsComeFromTheSubject) {
  EXPECT_EQ(OrganizationsOfSubject("CN=system:node:h0,O=system:nodes"),
            std::vector<std::string>{"system:nodes"});
  EXPECT_EQ(OrganizationsOfSubject("O=a\\, b,CN=x,O=c"),
            (std::vector<std::string>{"a, b", "c"}));
  EXPECT_TRUE(OrganizationsOfSubject("CN=alice").empty());
  EXPECT_TRUE(OrganizationsOfSubject("").empty());
}

TEST(PeerIdentityTest, OnlyANodeCertificateNamesANode) {
  EXPECT_EQ(NodeNameOf({"system:node:h100-0", {"system:nodes"}}), "h100-0");
  // A user who picks the CN but is not in the nodes organization.
  EXPECT_EQ(NodeNameOf({"system:node:h100-0", {"users"}}), std::nullopt);
  EXPECT_EQ(NodeNameOf({"system:node:h100-0", {}}), std::nullopt);
  // In the organization but not a node's CN.
  EXPECT_EQ(NodeNameOf({"alice", {"system:nodes"}}), std::nullopt);
  EXPECT_EQ(NodeNameOf({"system:node:", {"system:nodes"}}), std::nullopt);
}

}  // namespace
}  // namespace hetsched
