// Documented exit codes of the scalesim command (docs/cli.md).
#pragma once

namespace scalesim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConfig = 3;   // bad configuration or input file
inline constexpr int kExitRuntime = 4;  // the run failed (model error, output not writable)

}  // namespace scalesim::cli
