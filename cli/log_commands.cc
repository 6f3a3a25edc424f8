#include "cli/log_commands.h"

#include <deque>
#include <functional>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace hetsched::cli {
namespace {

// Writes bytes as lines, each started with `prefix`, however the bytes
// are split into chunks.
class PrefixedWriter {
 public:
  PrefixedWriter(std::ostream& out, std::string prefix)
      : out_(out), prefix_(std::move(prefix)) {}
  void Write(std::string_view data) {
    for (const char c : data) {
      if (at_line_start_) out_ << prefix_;
      out_ << c;
      at_line_start_ = c == '\n';
    }
  }
  // A last line without a newline is ended, so the next rank starts clean.
  void Finish() {
    if (!at_line_start_) out_ << '\n';
    at_line_start_ = true;
  }

 private:
  std::ostream& out_;
  std::string prefix_;
  bool at_line_start_ = true;
};

// Keeps the last `n` lines of what it is given.
class LastLines {
 public:
  explicit LastLines(uint32_t n) : n_(n) {}
  void Write(std::string_view data) {
    for (const char c : data) {
      if (lines_.empty() || lines_.back().ends_with('\n')) {
        lines_.emplace_back();
        if (lines_.size() > n_) lines_.pop_front();
      }
      lines_.back() += c;
    }
  }
  std::string Text() const {
    std::string text;
    for (const auto& line : lines_) text += line;
    return text;
  }

 private:
  uint32_t n_;
  std::deque<std::string> lines_;
};

// One GetTaskLogs stream; `sink` gets every chunk's bytes. Returns the
// offset after the last byte read.
absl::StatusOr<uint64_t> ReadLog(
    const CommandContext& ctx, const LogsOptions& opts, uint32_t rank,
    bool follow, uint64_t offset,
    const std::function<void(std::string_view)>& sink) {
  v1::GetTaskLogsRequest request;
  request.set_job_id(opts.job_id);
  request.set_rank(rank);
  request.set_follow(follow);
  request.set_offset(offset);
  request.set_stream(opts.stderr_stream ? "stderr" : "stdout");
  if (opts.attempt.has_value()) request.set_attempt(*opts.attempt);
  // No deadline: a big log, or a followed one, takes as long as it takes.
  grpc::ClientContext rpc;
  std::unique_ptr<grpc::ClientReaderInterface<v1::LogChunk>> reader =
      ctx.jobs->GetTaskLogs(&rpc, request);
  v1::LogChunk chunk;
  uint64_t end = offset;
  bool eof = false;
  while (reader->Read(&chunk)) {
    sink(chunk.data());
    if (!chunk.data().empty()) end = chunk.offset() + chunk.data().size();
    if (chunk.eof()) {
      eof = true;
      break;
    }
  }
  if (eof) rpc.TryCancel();
  grpc::Status s = reader->Finish();
  if (eof && s.error_code() == grpc::StatusCode::CANCELLED) return end;
  if (!s.ok()) return RpcError(ctx, s);
  return end;
}

// The ranks of the job, from its tasks.
absl::StatusOr<std::set<uint32_t>> RanksOf(const CommandContext& ctx,
                                           const std::string& job_id) {
  v1::GetJobRequest get;
  get.set_job_id(job_id);
  v1::Job job;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                            &v1::JobService::StubInterface::GetJob, get, &job));
  std::set<uint32_t> ranks;
  for (const auto& t : job.tasks()) ranks.insert(t.rank());
  return ranks;
}

}  // namespace

absl::Status StreamLogs(const CommandContext& ctx, const LogsOptions& opts) {
  auto write_now = [&ctx](std::string_view data) {
    ctx.out->write(data.data(), static_cast<std::streamsize>(data.size()));
    // A person watching --follow wants each line as it is written.
    ctx.out->flush();
  };
  if (opts.all_ranks) {
    if (opts.follow) {
      return absl::InvalidArgumentError(
          "--all-ranks: prints each rank in turn, so it cannot --follow");
    }
    ASSIGN_OR_RETURN(const std::set<uint32_t> ranks, RanksOf(ctx, opts.job_id));
    for (const uint32_t rank : ranks) {
      PrefixedWriter writer(*ctx.out, absl::StrCat("[rank ", rank, "] "));
      LastLines last(opts.tail);
      auto read = ReadLog(ctx, opts, rank, false, 0, [&](std::string_view d) {
        if (opts.tail > 0) {
          last.Write(d);
        } else {
          writer.Write(d);
        }
      });
      // A rank that never started in that attempt has no log; say so and go
      // on with the others.
      if (!read.ok() &&
          read.status().code() != absl::StatusCode::kFailedPrecondition &&
          read.status().code() != absl::StatusCode::kNotFound) {
        return read.status();
      }
      if (opts.tail > 0) writer.Write(last.Text());
      writer.Finish();
      ctx.out->flush();
    }
    return absl::OkStatus();
  }
  if (opts.tail == 0) {
    return ReadLog(ctx, opts, opts.rank, opts.follow, 0, write_now).status();
  }
  LastLines last(opts.tail);
  ASSIGN_OR_RETURN(const uint64_t end,
                   ReadLog(ctx, opts, opts.rank, false, 0,
                           [&](std::string_view d) { last.Write(d); }));
  write_now(last.Text());
  if (!opts.follow) return absl::OkStatus();
  return ReadLog(ctx, opts, opts.rank, true, end, write_now).status();
}

}  // namespace hetsched::cli
