// UnpackWorkdir, over libarchive (the agents' side; packing is
// workdir_pack.cc).
#include "common/workdir_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/split_view.h"

namespace hetsched {
namespace {

namespace fs = std::filesystem;

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// libarchive's last error, never null.
std::string ErrorText(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

// Every path component is a plain name: no "", ".", ".." and no leading
// '/'. A trailing '/' (directories) is allowed.
bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path[0] == '/') return false;
  if (path.back() == '/') path.remove_suffix(1);
  for (std::string_view part : SplitView(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

}  // namespace

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
