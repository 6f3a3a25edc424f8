// The output relay with small caps: the file holds the cap and one note,
// the writer never blocks however much it writes, each stream has its own
// cap, and a stream without a cap is copied whole.
#include "agent/output_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using testing::ReadFile;

// A pipe whose write end a thread fills with `text` and closes.
struct Feed {
  explicit Feed(std::string text) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    read_end = fds[0];
    writer = std::thread([fd = fds[1], text = std::move(text)] {
      size_t at = 0;
      while (at < text.size()) {
        const ssize_t w = write(fd, text.data() + at, text.size() - at);
        if (w <= 0) break;
        at += static_cast<size_t>(w);
      }
      close(fd);
    });
  }
  ~Feed() { writer.join(); }
  int read_end = -1;
  std::thread writer;
};

class OutputRelayTest : public ::testing::Test {
 protected:
  int Open(const std::string& name) {
    const int fd = open((dir_.path() + "/" + name).c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    return fd;
  }
  std::string Read(const std::string& name) {
    return ReadFile(dir_.path() + "/" + name);
  }
  testing::ScratchDir dir_;
};

TEST_F(OutputRelayTest, AStreamPastItsCapEndsWithOneNoteAndTheRestIsDropped) {
  // 1 MiB against a 4 KiB cap: the writer finishes (the relay keeps
  // reading) and the file is the cap plus the note.
  Feed out(std::string(1 << 20, 'x'));
  Feed err("line one\nline two\n");
  const int out_file = Open("stdout");
  const int err_file = Open("stderr");
  std::vector<RelayStream> streams(2);
  streams[0].in = out.read_end;
  streams[0].out = out_file;
  streams[1].in = err.read_end;
  streams[1].out = err_file;
  RelayOutput(streams, 4096, -1);
  close(out_file);
  close(err_file);

  const std::string note = TruncationNote(4096);
  EXPECT_EQ(note,
            "[hetsched: output truncated at 4096 bytes; further output "
            "discarded]\n");
  const std::string text = Read("stdout");
  ASSERT_EQ(text.size(), 4096 + 1 + note.size());
  EXPECT_EQ(text, std::string(4096, 'x') + "\n" + note);  // note on a line
  EXPECT_TRUE(streams[0].capped);
  EXPECT_EQ(streams[0].written, 4096u);
  // The other stream has its own cap and stayed under it.
  EXPECT_EQ(Read("stderr"), "line one\nline two\n");
  EXPECT_FALSE(streams[1].capped);
  EXPECT_EQ(streams[0].in, -1);  // both pipes read to their end and closed
  EXPECT_EQ(streams[1].in, -1);
}

TEST_F(OutputRelayTest, OutputOfExactlyTheCapHasNoNoteAndACutLineGetsOne) {
  Feed exact("0123456789abcdef");
  Feed cut("0123456789\nabcdefghij\n");
  const int exact_file = Open("exact");
  const int cut_file = Open("cut");
  std::vector<RelayStream> streams(2);
  streams[0].in = exact.read_end;
  streams[0].out = exact_file;
  streams[1].in = cut.read_end;
  streams[1].out = cut_file;
  RelayOutput(streams, 16, -1);
  close(exact_file);
  close(cut_file);
  EXPECT_EQ(Read("exact"), "0123456789abcdef");
  // The cut falls mid-line: the note still starts a line of its own.
  EXPECT_EQ(Read("cut"), "0123456789\nabcde\n" + TruncationNote(16));
}

TEST_F(OutputRelayTest, ACapOfZeroCopiesEverything) {
  const std::string big(300 * 1024, 'y');
  Feed out(big);
  const int file = Open("stdout");
  std::vector<RelayStream> streams(1);
  streams[0].in = out.read_end;
  streams[0].out = file;
  RelayOutput(streams, 0, -1);
  close(file);
  EXPECT_EQ(Read("stdout"), big);
}

TEST_F(OutputRelayTest,
       AFileThatCannotBeWrittenIsDrainedWithoutBlockingTheWriter) {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  const int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0) GTEST_SKIP() << "no /dev/full";
  Feed out(std::string(1 << 20, 'z'));
  std::vector<RelayStream> streams(1);
  streams[0].in = out.read_end;
  streams[0].out = full;
  RelayOutput(streams, 4096, -1);
  close(full);
  EXPECT_TRUE(streams[0].broken);
  EXPECT_EQ(streams[0].in, -1);
}

TEST_F(OutputRelayTest, StopEndsTheRelayWhileAWriterStillHoldsThePipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int stop[2];
  ASSERT_EQ(pipe(stop), 0);
  ASSERT_EQ(write(fds[1], "left\n", 5), 5);
  ASSERT_EQ(write(stop[1], "x", 1), 1);
  const int file = Open("stdout");
  std::vector<RelayStream> streams(1);
  streams[0].in = fds[0];
  streams[0].out = file;
  RelayOutput(streams, 4096, stop[0]);  // returns although fds[1] is open
  close(file);
  EXPECT_EQ(Read("stdout"), "left\n");
  close(fds[1]);
  close(stop[0]);
  close(stop[1]);
}

}  // namespace
}  // namespace hetsched::agent
