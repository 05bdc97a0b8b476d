// Small formatting helpers shared by the text, JSON and metric reports of a network run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim::report {

inline constexpr double kReportLevel = 0.99;  // confidence level of reported intervals

inline std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Seconds of the run that statistics cover (after the warm-up).
inline double measured_seconds(const QueueingNetwork& net, const NetworkRun& run) {
  return to_seconds(run.end_time - std::min(run.end_time, net.settings().warmup));
}

}  // namespace scalesim::report
