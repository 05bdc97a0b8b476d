// What the validation cases share: the line each check prints (docs/validation.md quotes these
// lines, and the validation.doc test checks the page against them), and the pass rule of the
// cases that run independent replications: the exact value must lie inside the 99% Student-t
// interval across replication means AND within 1% relative.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "scalesim/stats/confidence.h"

namespace scalesim::validation {

inline constexpr double kReplicationLevel = 0.99;
inline constexpr double kReplicationRelTol = 0.01;

// Prints one result line (printf format) and, when SCALESIM_VALIDATION_LOG names a file,
// appends it there too (one short write in append mode, so parallel test processes do not
// interleave within a line).
inline void report_line(const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  std::fputs(line, stdout);
  if (const char* log = std::getenv("SCALESIM_VALIDATION_LOG"); log != nullptr && *log != '\0') {
    if (std::FILE* f = std::fopen(log, "a")) {
      std::fputs(line, f);
      std::fclose(f);
    }
  }
}

inline void expect_replications_match(const std::string& what, double exact,
                                      const ConfidenceInterval& ci) {
  const double rel = std::fabs(ci.mean - exact) / exact;
  report_line(
      "  %-46s Expectation %.6g  Actual %.6g  99%% CI [%.6g, %.6g] (%llu replications)  "
      "rel.err %.3f%%\n",
      what.c_str(), exact, ci.mean, ci.lower(), ci.upper(),
      static_cast<unsigned long long>(ci.samples), 100 * rel);
  EXPECT_TRUE(ci.contains(exact)) << what << ": exact " << exact << " outside the 99% CI ["
                                  << ci.lower() << ", " << ci.upper() << "]";
  EXPECT_LT(rel, kReplicationRelTol) << what;
}

}  // namespace scalesim::validation
