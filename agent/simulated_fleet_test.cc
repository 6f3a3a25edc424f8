#include "agent/simulated_fleet.h"

#include <gtest/gtest.h>

namespace hetsched::agent {
namespace {

HostDescription H100(uint32_t ultraserver_size, const std::string& label) {
  HostDescription host;
  host.accelerators.resize(8, DiscoveredAccelerator{0, "nvidia/h100", 0, ""});
  host.topology.ultraserver = label;
  host.ultraserver_size = ultraserver_size;
  return host;
}

TEST(SimulatedFleetTest, UltraserverIdsAreDistinctPerGroupOfHosts) {
  const HostDescription host = H100(9, "use1-nvl");
  EXPECT_EQ(SimulatedFleet::HostAt(host, "h", 0).topology.ultraserver,
            "use1-nvl-0");
  EXPECT_EQ(SimulatedFleet::HostAt(host, "h", 8).topology.ultraserver,
            "use1-nvl-0");
  EXPECT_EQ(SimulatedFleet::HostAt(host, "h", 9).topology.ultraserver,
            "use1-nvl-1");
  EXPECT_EQ(SimulatedFleet::HostAt(host, "h", 4999).topology.ultraserver,
            "use1-nvl-555");
}

TEST(SimulatedFleetTest, UltraserverWithoutLabelIsNamedAfterThePrefix) {
  EXPECT_EQ(SimulatedFleet::HostAt(H100(2, ""), "trn", 5).topology.ultraserver,
            "trn-2");
}

TEST(SimulatedFleetTest, WithoutUltraserverSizeTheLabelIsKept) {
  EXPECT_EQ(
      SimulatedFleet::HostAt(H100(0, "us-1"), "h", 7).topology.ultraserver,
      "us-1");
  EXPECT_EQ(SimulatedFleet::HostAt(H100(0, ""), "h", 7).topology.ultraserver,
            "");
}

}  // namespace
}  // namespace hetsched::agent
