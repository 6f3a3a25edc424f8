#include "scheduler/control/node_validation.h"

#include <limits>

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

v1::NodeInfo Host(int accelerators = 8) {
  v1::NodeInfo info;
  info.set_name("h100-0");
  for (int i = 0; i < accelerators; ++i) {
    v1::Accelerator* a = info.add_accelerators();
    a->set_index(i);
    a->set_kind("nvidia/h100");
  }
  info.mutable_topology()->set_ultraserver("us-a");
  (*info.mutable_labels())["pool"] = "prod";
  info.set_price_per_accel_hour(2.5);
  return info;
}

std::string Error(const v1::NodeInfo& info) {
  return std::string(
      ValidateNodeInfo(info, AcceleratorCatalogue::BuiltIn()).message());
}

TEST(NodeValidationTest, AnOrdinaryHostPasses) {
  EXPECT_EQ(Error(Host()), "");
  EXPECT_EQ(Error(Host(0)), "");  // a CPU-only host
}

TEST(NodeValidationTest, NamesThatWouldBecomePathsOrEscapesAreRefused) {
  for (const std::string& bad :
       {std::string("../etc"), std::string("a/b"), std::string("a\0b", 3),
        std::string(64, 'a'), std::string(1 << 20, 'x'), std::string(".hid"),
        std::string("h\x1b[2J")}) {
    v1::NodeInfo info = Host();
    info.set_name(bad);
    EXPECT_NE(Error(info).find("node.name: must be 1-63 characters"),
              std::string::npos)
        << bad.substr(0, 16);
  }
  v1::NodeInfo empty = Host();
  empty.set_name("");
  EXPECT_EQ(Error(empty), "node.name: must not be empty");
}

TEST(NodeValidationTest, AcceleratorCountsAndIndicesAreChecked) {
  EXPECT_EQ(Error(Host(100000)),
            "node.accelerators: must list at most 1024 devices");
  v1::NodeInfo zeros = Host();
  for (auto& a : *zeros.mutable_accelerators()) a.set_index(0);
  EXPECT_EQ(Error(zeros), "node.accelerators[1].index: 0 is used twice");
  v1::NodeInfo mixed = Host();
  mixed.mutable_accelerators(2)->set_kind("nvidia/a100");
  EXPECT_NE(Error(mixed).find("node.accelerators[2].kind: a node carries one"),
            std::string::npos);
  v1::NodeInfo unknown = Host();
  unknown.mutable_accelerators(0)->set_kind("acme/x1");
  EXPECT_NE(Error(unknown).find("unknown accelerator kind 'acme/x1'"),
            std::string::npos);
}

TEST(NodeValidationTest, PricesMustBeFiniteAndNotNegative) {
  for (double price : {std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(), -1.0, 1e12}) {
    v1::NodeInfo info = Host();
    info.set_price_per_accel_hour(price);
    EXPECT_NE(Error(info).find("node.price_per_accel_hour: must be a finite"),
              std::string::npos)
        << price;
  }
}

TEST(NodeValidationTest, LabelsAndTopologyAreBounded) {
  v1::NodeInfo many = Host();
  for (int i = 0; i < 65; ++i) {
    (*many.mutable_labels())["k" + std::to_string(i)] = "v";
  }
  EXPECT_EQ(Error(many), "node.labels: must have at most 64 labels");
  v1::NodeInfo huge = Host();
  (*huge.mutable_labels())["blob"] = std::string(3500000, 'x');
  EXPECT_EQ(Error(huge), "node.labels.blob: must be at most 256 bytes");
  v1::NodeInfo escape = Host();
  escape.mutable_topology()->set_rack("r1\x1b]0;owned\a");
  EXPECT_EQ(Error(escape),
            "node.topology.rack: must not contain control characters");
}

}  // namespace
}  // namespace hetsched::control
