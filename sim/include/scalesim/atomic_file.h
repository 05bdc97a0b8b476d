// Outputs appear complete under their final name or not at all: content goes to NAME.partial,
// is flushed to disk, then renamed over NAME (rename is atomic within a file system).
#pragma once

#include <string>
#include <string_view>

namespace scalesim {

// Throws std::runtime_error naming the path on any failure; never leaves NAME half-written.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace scalesim
