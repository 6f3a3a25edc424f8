#include "scheduler/control/rendezvous_ports.h"

#include <gtest/gtest.h>

namespace hetsched::control {
namespace {

TEST(RendezvousPortsTest, FirstFreePairOfTheNodesRange) {
  EXPECT_EQ(PickRendezvousPort(40000, 40009, {}, 0), 40000u);
  EXPECT_EQ(PickRendezvousPort(40000, 40009, {40000, 40002}, 0), 40004u);
}

TEST(RendezvousPortsTest, NoRangeReportedUsesTheDefault) {
  EXPECT_EQ(PickRendezvousPort(0, 0, {}, 0), kDefaultRendezvousPortMin);
  EXPECT_EQ(PickRendezvousPort(0, 0, {29500}, 0), 29502u);
}

TEST(RendezvousPortsTest, EveryPortFitsWithItsSuccessorInTheRange) {
  // An odd-sized range: the last port has no successor, so it is never
  // handed out.
  EXPECT_EQ(PickRendezvousPort(100, 102, {100}, 7), 100u);
  EXPECT_EQ(PickRendezvousPort(100, 103, {100}, 0), 102u);
}

TEST(RendezvousPortsTest, FullRangeFallsBackToTheSequence) {
  EXPECT_EQ(PickRendezvousPort(100, 103, {100, 102}, 3), 102u);
  EXPECT_EQ(PickRendezvousPort(100, 103, {100, 102}, 4), 100u);
}

}  // namespace
}  // namespace hetsched::control
