// PackWorkdir: a tar (POSIX pax, only what it needs) compressed by zlib,
// written here rather than through libarchive so that the CLI, which only
// packs, loads no more shared libraries than it did (docs/BENCHMARKS.md,
// "CLI start-up"); unpacking, on the agents, is libarchive's
// (workdir_unpack.cc).
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/workdir_archive.h"
#include "common/workdir_ignore.h"

namespace hetsched {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlock = 512;

// Writes `value` as zero-padded octal into the `width`-byte field at
// `field`, NUL-terminated.
void Octal(char* field, size_t width, uint64_t value) {
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

// One pax record: "LEN key=value\n", LEN counting itself.
std::string PaxRecord(const std::string& key, const std::string& value) {
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t length = body + 1;
  while (std::to_string(length).size() + body != length) ++length;
  return absl::StrCat(length, " ", key, "=", value, "\n");
}

// Compresses into a string, refusing to grow past max_bytes.
class GzipSink {
 public:
  explicit GzipSink(uint64_t max_bytes) : max_bytes_(max_bytes) {
    // 15 + 16: a gzip wrapper, whose header zlib writes with no name and
    // time 0: the same tree, the same bytes.
    ok_ = deflateInit2(&z_, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipSink() { deflateEnd(&z_); }

  bool Write(const char* data, size_t size) { return Run(data, size, false); }
  bool Finish() { return Run(nullptr, 0, true); }
  bool over() const { return over_; }
  std::string& bytes() { return out_; }

 private:
  bool Run(const char* data, size_t size, bool finish) {
    if (!ok_) return false;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(size);
    char buffer[1 << 16];
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = sizeof(buffer);
      rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) return ok_ = false;
      out_.append(buffer, sizeof(buffer) - z_.avail_out);
      if (out_.size() > max_bytes_) {
        over_ = true;
        return ok_ = false;
      }
    } while (z_.avail_out == 0 || (finish && rc != Z_STREAM_END));
    return true;
  }

  const uint64_t max_bytes_;
  z_stream z_{};
  bool ok_ = false;
  bool over_ = false;
  std::string out_;
};

class Packer {
 public:
  Packer(std::string root, GzipSink* sink)
      : root_(std::move(root)),
        sink_(sink),
        ignore_(WorkdirIgnore::ForDirectory(root_)) {}

  // Adds the entries under relative directory `rel` ("" for the root).
  absl::Status AddTree(const std::string& rel) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(rel.empty() ? root_ : root_ + "/" + rel, ec)) {
      names.push_back(entry.path().filename().string());
    }
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat(root_, "/", rel, ": ", ec.message()));
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string path = rel.empty() ? name : rel + "/" + name;
      const std::string full = root_ + "/" + path;
      struct stat st;
      if (lstat(full.c_str(), &st) != 0) continue;  // gone meanwhile
      const bool is_dir = S_ISDIR(st.st_mode);
      if (ignore_.Ignored(path, is_dir)) continue;
      if (is_dir) {
        RETURN_IF_ERROR(Header(path + "/", '5', 0755, 0, ""));
        RETURN_IF_ERROR(AddTree(path));
      } else if (S_ISLNK(st.st_mode)) {
        std::error_code link_ec;
        const std::string target = fs::read_symlink(full, link_ec).string();
        if (link_ec || !LinkStaysInside(path, target)) {
          return absl::FailedPreconditionError(absl::StrCat(
              full, ": a symbolic link to '", target,
              "', outside the workdir; exclude it in .hetschedignore"));
        }
        RETURN_IF_ERROR(Header(path, '2', 0777, 0, target));
      } else if (S_ISREG(st.st_mode)) {
        const uint64_t size = static_cast<uint64_t>(st.st_size);
        if (size >= kMaxUnpackedWorkdirBytes) {
          return absl::ResourceExhaustedError(absl::StrCat(
              full, ": ", size, " bytes; no file may reach ",
              kMaxUnpackedWorkdirBytes, " (exclude it in .hetschedignore)"));
        }
        RETURN_IF_ERROR(
            Header(path, '0', (st.st_mode & 0111) ? 0755 : 0644, size, ""));
        RETURN_IF_ERROR(Data(full, size));
      }
      // Sockets, FIFOs and devices are not code: left out.
    }
    return absl::OkStatus();
  }

  absl::Status End() {
    const std::string zeros(2 * kBlock, '\0');
    RETURN_IF_ERROR(Write(zeros.data(), zeros.size()));
    if (!sink_->Finish()) return Full();
    return absl::OkStatus();
  }

 private:
  absl::Status Full() {
    return sink_->over()
               ? absl::ResourceExhaustedError("over")
               : absl::InternalError(absl::StrCat(root_, ": zlib failed"));
  }
  absl::Status Write(const char* data, size_t size) {
    return sink_->Write(data, size) ? absl::OkStatus() : Full();
  }
  absl::Status Pad(uint64_t size) {
    const size_t pad = (kBlock - size % kBlock) % kBlock;
    const std::string zeros(pad, '\0');
    return Write(zeros.data(), zeros.size());
  }

  // A ustar header, preceded by a pax header when a name does not fit.
  absl::Status Header(const std::string& path, char type, int mode,
                      uint64_t size, const std::string& link) {
    std::string pax;
    if (path.size() > 100) pax += PaxRecord("path", path);
    if (link.size() > 100) pax += PaxRecord("linkpath", link);
    if (!pax.empty()) {
      RETURN_IF_ERROR(Block("PaxHeader", 'x', 0644, pax.size(), ""));
      RETURN_IF_ERROR(Write(pax.data(), pax.size()));
      RETURN_IF_ERROR(Pad(pax.size()));
    }
    return Block(path, type, mode, size, link);
  }

  absl::Status Block(const std::string& path, char type, int mode,
                     uint64_t size, const std::string& link) {
    char h[kBlock] = {};
    std::memcpy(h, path.data(), std::min<size_t>(path.size(), 100));
    Octal(h + 100, 8, static_cast<uint64_t>(mode));
    Octal(h + 108, 8, 0);  // uid
    Octal(h + 116, 8, 0);  // gid
    Octal(h + 124, 12, size);
    Octal(h + 136, 12, 0);  // mtime
    h[156] = type;
    std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    Octal(h + 148, 7, sum);  // six digits and a NUL, then the space
    h[155] = ' ';
    return Write(h, kBlock);
  }

  absl::Status Data(const std::string& full, uint64_t size) {
    std::ifstream in(full, std::ios::binary);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(full, ": cannot read"));
    }
    char buffer[1 << 16];
    uint64_t left = size;  // the header promised exactly this many bytes
    while (left > 0 &&
           in.read(buffer, static_cast<std::streamsize>(
                               std::min<uint64_t>(left, sizeof(buffer))))) {
      RETURN_IF_ERROR(Write(buffer, static_cast<size_t>(in.gcount())));
      left -= static_cast<uint64_t>(in.gcount());
    }
    if (left > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(full, ": changed while being packed"));
    }
    return Pad(size);
  }

  const std::string root_;
  GzipSink* const sink_;
  const WorkdirIgnore ignore_;
};

}  // namespace

bool LinkStaysInside(std::string_view at, std::string_view target) {
  if (target.empty() || target[0] == '/') return false;
  int depth = 0;  // the directories above the link
  for (char c : at) depth += c == '/' ? 1 : 0;
  size_t start = 0;
  for (size_t i = 0; i <= target.size(); ++i) {
    if (i < target.size() && target[i] != '/') continue;
    const std::string_view part = target.substr(start, i - start);
    start = i + 1;
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return false;
  }
  return true;
}

absl::StatusOr<std::string> PackWorkdir(const std::string& dir,
                                        uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": not a directory"));
  }
  GzipSink sink(max_bytes);
  Packer packer(fs::path(dir).lexically_normal().string(), &sink);
  absl::Status s = packer.AddTree("");
  if (s.ok()) s = packer.End();
  if (sink.over()) {
    return absl::ResourceExhaustedError(
        absl::StrCat(dir, ": packs to more than ", max_bytes,
                     " bytes (exclude what the job does not need in "
                     ".hetschedignore, or raise the limit)"));
  }
  if (!s.ok()) return s;
  return std::move(sink.bytes());
}

}  // namespace hetsched
