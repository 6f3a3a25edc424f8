#include "agent/log_service.h"

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;

class FakeActivity final : public TaskActivity {
 public:
  void SetActive(const std::string& id, bool active) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active) {
        active_.insert(id);
      } else {
        active_.erase(id);
      }
    }
    cv_.notify_all();
  }
  bool Active(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return active_.contains(id);
  }
  bool WaitUntilInactive(const std::string& id,
                         absl::Duration timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [&] { return !active_.contains(id); });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> active_;
};

class LogServiceTest : public ::testing::Test {
 protected:
  LogServiceTest() : service_(dir_.path(), &activity_, absl::Milliseconds(20)) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = v1::AgentLogService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  ~LogServiceTest() override { server_->Shutdown(); }

  void MakeTask(const std::string& id, const std::string& out) {
    std::filesystem::create_directories(dir_.path() + "/tasks/" + id);
    testing::WriteFile(dir_.path() + "/tasks/" + id + "/stdout", out);
  }

  // Reads the whole stream; returns its status, the data and whether the
  // last chunk said eof.
  grpc::Status Read(const v1::ReadTaskLogRequest& request, std::string* data,
                    bool* eof) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    auto reader = stub_->ReadTaskLog(&context, request);
    v1::LogChunk chunk;
    uint64_t expect_offset = request.offset();
    while (reader->Read(&chunk)) {
      EXPECT_EQ(chunk.offset(), expect_offset);
      expect_offset += chunk.data().size();
      data->append(chunk.data());
      *eof = chunk.eof();
    }
    return reader->Finish();
  }

  testing::ScratchDir dir_;
  FakeActivity activity_;
  LogService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AgentLogService::Stub> stub_;
};

TEST_F(LogServiceTest, ReadsTheWholeLogInChunks) {
  std::string big(200 * 1024, 'x');
  big += "end\n";
  MakeTask("t1", big);
  v1::ReadTaskLogRequest request;
  request.set_task_id("t1");
  request.set_stream("stdout");
  std::string data;
  bool eof = false;
  ASSERT_TRUE(Read(request, &data, &eof).ok());
  EXPECT_EQ(data, big);
  EXPECT_TRUE(eof);
}

TEST_F(LogServiceTest, ReadsFromAnOffsetAndStderr) {
  MakeTask("t2", "hello world\n");
  testing::WriteFile(dir_.path() + "/tasks/t2/stderr", "warning\n");
  v1::ReadTaskLogRequest request;
  request.set_task_id("t2");
  request.set_offset(6);
  std::string data;
  bool eof = false;
  ASSERT_TRUE(Read(request, &data, &eof).ok());
  EXPECT_EQ(data, "world\n");
  request.set_stream("stderr");
  request.set_offset(0);
  data.clear();
  ASSERT_TRUE(Read(request, &data, &eof).ok());
  EXPECT_EQ(data, "warning\n");
}

TEST_F(LogServiceTest, FollowsUntilTheTaskEndsAndTheFileIsDrained) {
  MakeTask("f1", "first\n");
  activity_.SetActive("f1", true);
  v1::ReadTaskLogRequest request;
  request.set_task_id("f1");
  request.set_follow(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto reader = stub_->ReadTaskLog(&context, request);
  v1::LogChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  EXPECT_EQ(chunk.data(), "first\n");
  EXPECT_FALSE(chunk.eof());
  {
    std::ofstream out(dir_.path() + "/tasks/f1/stdout", std::ios::app);
    out << "second\n";
  }
  ASSERT_TRUE(reader->Read(&chunk));
  EXPECT_EQ(chunk.data(), "second\n");
  EXPECT_EQ(chunk.offset(), 6u);
  {
    // Written just before the end: must still arrive.
    std::ofstream out(dir_.path() + "/tasks/f1/stdout", std::ios::app);
    out << "last\n";
  }
  activity_.SetActive("f1", false);
  std::string rest;
  bool eof = false;
  while (reader->Read(&chunk)) {
    rest += chunk.data();
    eof = chunk.eof();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(rest, "last\n");
  EXPECT_TRUE(eof);
}

TEST_F(LogServiceTest, UnknownTaskIsNotFound) {
  v1::ReadTaskLogRequest request;
  request.set_task_id("nope");
  std::string data;
  bool eof = false;
  grpc::Status status = Read(request, &data, &eof);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("task_id"));
}

TEST_F(LogServiceTest, BadStreamNameIsInvalidArgumentNamingTheField) {
  MakeTask("t3", "x");
  v1::ReadTaskLogRequest request;
  request.set_task_id("t3");
  request.set_stream("pgid");
  std::string data;
  bool eof = false;
  grpc::Status status = Read(request, &data, &eof);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("stream"));
}

TEST_F(LogServiceTest, PathTraversalIsRefused) {
  MakeTask("t4", "secret");
  for (const char* id : {"../tasks/t4", "..", "t4/../t4", "/etc", ""}) {
    v1::ReadTaskLogRequest request;
    request.set_task_id(id);
    std::string data;
    bool eof = false;
    grpc::Status status = Read(request, &data, &eof);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << id;
    EXPECT_THAT(status.error_message(), HasSubstr("task_id")) << id;
    EXPECT_TRUE(data.empty());
  }
}

TEST_F(LogServiceTest, OffsetPastTheEndIsOutOfRange) {
  MakeTask("t5", "abc");
  v1::ReadTaskLogRequest request;
  request.set_task_id("t5");
  request.set_offset(10);
  std::string data;
  bool eof = false;
  EXPECT_EQ(Read(request, &data, &eof).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

}  // namespace
}  // namespace hetsched::agent
