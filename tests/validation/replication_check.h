// The pass rule shared by the validation cases that run independent replications: the exact
// value must lie inside the 99% Student-t interval across replication means AND within 1%
// relative. Prints one line per check in the form docs/validation.md quotes.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "scalesim/stats/confidence.h"

namespace scalesim::validation {

inline constexpr double kReplicationLevel = 0.99;
inline constexpr double kReplicationRelTol = 0.01;

inline void expect_replications_match(const std::string& what, double exact,
                                      const ConfidenceInterval& ci) {
  const double rel = std::fabs(ci.mean - exact) / exact;
  std::printf(
      "  %-46s Expectation %.6g  Actual %.6g  99%% CI [%.6g, %.6g] (%llu replications)  "
      "rel.err %.3f%%\n",
      what.c_str(), exact, ci.mean, ci.lower(), ci.upper(),
      static_cast<unsigned long long>(ci.samples), 100 * rel);
  EXPECT_TRUE(ci.contains(exact)) << what << ": exact " << exact << " outside the 99% CI ["
                                  << ci.lower() << ", " << ci.upper() << "]";
  EXPECT_LT(rel, kReplicationRelTol) << what;
}

}  // namespace scalesim::validation
