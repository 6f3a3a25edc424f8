#include "tests/fuzz/memfd_path.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

namespace hetsched::fuzz {

std::string WriteMemFile(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("hetsched-fuzz", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0) abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, done);
    if (n <= 0) abort();
    done += n;
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace hetsched::fuzz
