#pragma once

#include <string_view>

namespace scalesim {
// The commit the binary was built from (short hash, or "unknown" outside a git checkout),
// recorded in result files.
[[nodiscard]] std::string_view git_revision() noexcept;
}  // namespace scalesim
