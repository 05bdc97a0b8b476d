#include "scalesim/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace scalesim {

void write_file_atomically(const std::string& path, std::string_view content) {
  const std::string partial = path + ".partial";
  const auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    std::remove(partial.c_str());
    throw std::runtime_error(path + ": cannot " + what + ": " + reason);
  };
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create the output file");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("write the output file");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("flush the output file");
  }
  if (::close(fd) != 0) fail("close the output file");
  if (std::rename(partial.c_str(), path.c_str()) != 0) fail("rename the finished output file");
}

}  // namespace scalesim
