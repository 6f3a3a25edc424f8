#include "common/log.h"

#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"

namespace hetsched::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  // Logs through `options` into out_.
  void Start(Options options) {
    options.program = "hetsched-test";
    Init(options, std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
  }
  void TearDown() override { Init(Options{}); }

  std::ostringstream out_;
};

TEST_F(LogTest, TextLinesCarryTimeLevelProgramMessageAndFields) {
  Start({});
  Warn("store write failed", {{"error", "disk full"}, {"node", "h0"}});
  EXPECT_TRUE(std::regex_match(
      out_.str(),
      std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN )"
                 R"(hetsched-test: store write failed error="disk full" )"
                 R"(node=h0\n)")))
      << out_.str();
}

TEST_F(LogTest, JsonLinesAreOneObjectEachWithTheFieldsAsMembers) {
  Options options;
  options.json = true;
  Start(options);
  Info("SIGHUP: reloaded 2 queues", {{"file", "/etc/q.yaml"}});
  Error("quote \" and newline \n inside");
  std::istringstream lines(out_.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["program"], "hetsched-test");
  EXPECT_EQ(first["msg"], "SIGHUP: reloaded 2 queues");
  EXPECT_EQ(first["file"], "/etc/q.yaml");
  EXPECT_TRUE(first.contains("ts"));
  ASSERT_TRUE(std::getline(lines, line));
  auto second = nlohmann::json::parse(line);
  EXPECT_EQ(second["level"], "error");
  EXPECT_EQ(second["msg"], "quote \" and newline \n inside");
  EXPECT_FALSE(std::getline(lines, line));
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  Options options;
  options.level = Level::kWarn;
  Start(options);
  Debug("noise");
  Info("more noise");
  Warn("kept");
  EXPECT_EQ(out_.str().find("noise"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("kept"), std::string::npos);
}

TEST_F(LogTest, UnderJournaldLinesStartWithTheirPriorityAndNoTime) {
  Options options;
  options.journald = true;
  Start(options);
  Info("serving");
  Warn("slow");
  Error("failed");
  EXPECT_EQ(out_.str(),
            "<6>hetsched-test: serving\n<4>hetsched-test: slow\n"
            "<3>hetsched-test: failed\n");
}

TEST_F(LogTest, ControlCharactersNeverReachATerminalRaw) {
  Start({});
  Info("drain reason \x1b[2J", {{"owner", "ev\x1bil"}});
  EXPECT_EQ(out_.str().find('\x1b'), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("\\x1b[2J"), std::string::npos) << out_.str();
}

TEST(LogFlagsTest, BadFormatsAndLevelsNameTheFlag) {
  Options options;
  EXPECT_EQ(ParseFormat("xml", options).message(),
            "--log-format: want text or json, got 'xml'");
  EXPECT_EQ(ParseLevel("loud", options).message(),
            "--log-level: want debug, info, warn or error, got 'loud'");
  EXPECT_TRUE(ParseLevel("debug", options).ok());
  EXPECT_EQ(options.level, Level::kDebug);
}

}  // namespace
}  // namespace hetsched::log
