#include "common/workdir_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/workdir_ignore.h"

namespace hetsched {
namespace {

namespace fs = std::filesystem;

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Whether `target`, a link found at relative path `at`, resolves inside
// the tree (lexically: the components never climb above the root).
// Splits at every `sep` (empty pieces kept), as std::string_views (this
// Abseil's StrSplit takes its own string_view type).
std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// libarchive's last error, never null.
std::string ErrorText(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

bool LinkStaysInside(std::string_view at, std::string_view target) {
  if (target.empty() || target[0] == '/') return false;
  std::vector<std::string_view> parts = Split(at, '/');
  parts.pop_back();  // the link's own name
  int depth = static_cast<int>(parts.size());
  for (std::string_view part : Split(target, '/')) {
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return false;
  }
  return true;
}

// Every path component is a plain name: no "", ".", ".." and no leading
// '/'. A trailing '/' (directories) is allowed.
bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path[0] == '/') return false;
  if (path.back() == '/') path.remove_suffix(1);
  for (std::string_view part : Split(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

struct Output {
  std::string bytes;
  uint64_t max_bytes = 0;
  bool over = false;
};

la_ssize_t WriteToString(archive* /*a*/, void* data, const void* buffer,
                         size_t length) {
  auto* out = static_cast<Output*>(data);
  if (out->bytes.size() + length > out->max_bytes) {
    out->over = true;
    return -1;
  }
  out->bytes.append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

class Packer {
 public:
  Packer(std::string root, archive* a)
      : root_(std::move(root)),
        a_(a),
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
        RETURN_IF_ERROR(AddEntry(path, AE_IFDIR, 0755, 0, ""));
        RETURN_IF_ERROR(AddTree(path));
      } else if (S_ISLNK(st.st_mode)) {
        std::error_code link_ec;
        const std::string target = fs::read_symlink(full, link_ec).string();
        if (link_ec || !LinkStaysInside(path, target)) {
          return absl::FailedPreconditionError(absl::StrCat(
              full, ": a symbolic link to '", target,
              "', outside the workdir; exclude it in .hetschedignore"));
        }
        RETURN_IF_ERROR(AddEntry(path, AE_IFLNK, 0777, 0, target));
      } else if (S_ISREG(st.st_mode)) {
        RETURN_IF_ERROR(AddEntry(path, AE_IFREG,
                                 (st.st_mode & 0111) ? 0755 : 0644,
                                 static_cast<uint64_t>(st.st_size), ""));
        RETURN_IF_ERROR(AddData(full, static_cast<uint64_t>(st.st_size)));
      }
      // Sockets, FIFOs and devices are not code: left out.
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& what) {
    return absl::InternalError(
        absl::StrCat(root_, ": ", what, ": ", ErrorText(a_)));
  }

  absl::Status AddEntry(const std::string& path, unsigned type, int perm,
                        uint64_t size, const std::string& link) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), perm);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    if (!link.empty()) archive_entry_set_symlink(e.get(), link.c_str());
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) {
      return Error(path);
    }
    return absl::OkStatus();
  }

  absl::Status AddData(const std::string& full, uint64_t size) {
    std::ifstream in(full, std::ios::binary);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(full, ": cannot read"));
    }
    char buffer[1 << 16];
    uint64_t left = size;  // the header promised exactly this many bytes
    while (left > 0 &&
           in.read(buffer, static_cast<std::streamsize>(
                               std::min<uint64_t>(left, sizeof(buffer))))) {
      if (archive_write_data(a_, buffer, static_cast<size_t>(in.gcount())) <
          0) {
        return Error(full);
      }
      left -= static_cast<uint64_t>(in.gcount());
    }
    if (left > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(full, ": changed while being packed"));
    }
    return absl::OkStatus();
  }

  const std::string root_;
  archive* const a_;
  const WorkdirIgnore ignore_;
};

}  // namespace

absl::StatusOr<std::string> PackWorkdir(const std::string& dir,
                                        uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": not a directory"));
  }
  std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_gzip(a.get());
  // No time in the gzip header: the same tree, the same digest.
  archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  archive_write_set_bytes_in_last_block(a.get(), 1);
  Output out;
  out.max_bytes = max_bytes;
  if (archive_write_open(a.get(), &out, nullptr, WriteToString, nullptr) !=
      ARCHIVE_OK) {
    return absl::InternalError(absl::StrCat(dir, ": ", ErrorText(a.get())));
  }
  Packer packer(fs::path(dir).lexically_normal().string(), a.get());
  absl::Status s = packer.AddTree("");
  if (s.ok() && archive_write_close(a.get()) != ARCHIVE_OK && !out.over) {
    s = absl::InternalError(absl::StrCat(dir, ": ", ErrorText(a.get())));
  }
  if (out.over) {
    return absl::ResourceExhaustedError(
        absl::StrCat(dir, ": packs to more than ", max_bytes,
                     " bytes (exclude what the job does not need in "
                     ".hetschedignore, or raise the limit)"));
  }
  if (!s.ok()) return s;
  return std::move(out.bytes);
}

absl::Status UnpackWorkdir(const std::string& archive_path,
                           const std::string& dest,
                           uint64_t max_unpacked_bytes) {
  std::unique_ptr<archive, ArchiveReadDeleter> in(archive_read_new());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_filename(in.get(), archive_path.c_str(), 1 << 16) !=
      ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat(archive_path, ": ", ErrorText(in.get())));
  }
  std::unique_ptr<archive, ArchiveWriteDeleter> out(archive_write_disk_new());
  // Entries are checked to be relative below and then prefixed with
  // `dest`, so libarchive sees absolute paths: NOABSOLUTEPATHS would
  // refuse them all. It still refuses to write through a link and any
  // `..`; `dest` is made free of them here.
  const std::string root = fs::path(dest).lexically_normal().string();
  archive_write_disk_set_options(
      out.get(), ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                     ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_PERM);
  const auto bad = [&](const std::string& entry, const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat(archive_path, ": entry '", entry, "': ", why));
  };
  uint64_t total = 0;
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat(archive_path, ": ", ErrorText(in.get())));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw == nullptr ? "" : raw;
    if (!IsSafeRelativePath(name)) {
      return bad(name, "not a relative path inside the workdir");
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      return bad(name, "hard links are not allowed");
    }
    const unsigned type = archive_entry_filetype(entry);
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || !LinkStaysInside(name, target)) {
        return bad(name, "a link pointing outside the workdir");
      }
    } else if (type == AE_IFREG) {
      archive_entry_set_perm(entry,
                             (archive_entry_perm(entry) & 0111) ? 0755 : 0644);
      total += static_cast<uint64_t>(archive_entry_size(entry));
      if (total > max_unpacked_bytes) {
        return bad(name, absl::StrCat("the workdir unpacks to more than ",
                                      max_unpacked_bytes, " bytes"));
      }
    } else if (type == AE_IFDIR) {
      archive_entry_set_perm(entry, 0755);
    } else {
      return bad(name, "only files, directories and symbolic links");
    }
    const std::string path = root + "/" + name;
    archive_entry_set_pathname(entry, path.c_str());
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
      return bad(name, ErrorText(out.get()));
    }
    if (type == AE_IFREG) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int rr;
      while ((rr = archive_read_data_block(in.get(), &block, &size, &offset)) ==
             ARCHIVE_OK) {
        if (archive_write_data_block(out.get(), block, size, offset) !=
            ARCHIVE_OK) {
          return bad(name, ErrorText(out.get()));
        }
      }
      if (rr != ARCHIVE_EOF) {
        return bad(name, ErrorText(in.get()));
      }
    }
    if (archive_write_finish_entry(out.get()) != ARCHIVE_OK) {
      return bad(name, ErrorText(out.get()));
    }
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    return absl::InternalError(absl::StrCat(dest, ": ", ErrorText(out.get())));
  }
  return absl::OkStatus();
}

}  // namespace hetsched
