// Host-side pieces shared by the CPU and CUDA drivers of the Monte Carlo kernel (not part of
// the public API): per-point plans, workspace sizes, result assembly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sweep/mc/mc_backend.h"
#include "sweep/mc/mc_kernel.h"

namespace scalesim::mc::detail {

struct Prepared {
  std::vector<kernel::Plan> plans;  // one per point
  std::int64_t capacity = 0;        // largest of the points: sizes every lane's workspace
  std::int64_t slots = 0;
  std::int64_t servers = 0;
  std::int32_t row_nodes = 0;
  std::int64_t pairs = 0;  // points * replications
};

// Validates every point (McModelError naming the point) and derives the plans.
Prepared prepare(std::span<const McModel> points, int replications);
kernel::Plan make_plan(const McModel& model);

// An empty result (metrics zeroed) of the prepared shape.
McResult make_result(const Prepared& p, int points, int replications);

// Throws McModelError for the first (point, replication) whose status is not kOk; otherwise
// adds up the visits into result.station_visits.
void finish(McResult& result, const Prepared& p, std::span<const std::int32_t> status,
            std::span<const std::uint64_t> visits);

}  // namespace scalesim::mc::detail
