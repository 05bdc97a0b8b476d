// libFuzzer target: the calibration measurement reader (CSV, RFC 4180 quoting).
//
// The input is written to an in-memory file (memfd) and read through the public path API.
// Any content must either be read or refused with a CatalogError naming file and line; any
// other exception, a crash or a sanitizer report is a bug.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hardware/gpu/gpu_calibration.h"

namespace {

// One in-memory file for the whole run, rewritten for every input.
const std::string& input_path() {
  static const std::string path = [] {
    const int fd = memfd_create("measurements.csv", 0);
    if (fd < 0) {
      std::perror("measurements_fuzz: memfd_create");
      std::abort();
    }
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}

void write_input(const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(input_path().c_str(), "wb");  // truncates
  if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) {
    std::perror("measurements_fuzz: writing the input");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_input(data, size);
  try {
    const auto rows = scalesim::hardware::read_gpu_measurements(input_path());
    for (const auto& m : rows) {
      if (m.where().empty() || !(m.value > 0)) std::abort();
    }
  } catch (const scalesim::hardware::CatalogError&) {
  }
  return 0;
}
