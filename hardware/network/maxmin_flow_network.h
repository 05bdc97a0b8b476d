// Flow-level (fluid) model of bulk transfers: flows cross links of fixed capacity and share
// them max-min fairly. Rates are recomputed by progressive filling (water-filling) at every
// flow arrival and completion, the model of Bertsekas & Gallager, "Data Networks", 2nd ed.,
// section 6.5.2, and of SimGrid's network models. Between events every rate is constant, so
// a flow's completion time is exact up to the one rounding to nanoseconds.
//
// Use it when transfers are large and many share links (gradient all-reduce, dataset reads),
// where per-message queueing would cost an event per packet. Use LeafSpineFabric when the
// latency of individual messages matters.
//
// Invariants: after every event, the rates on each link sum to at most its capacity, and each
// active flow either runs at its own max_rate or crosses a saturated link on which no flow runs
// faster (the max-min condition).
//
// Thread safety: none; one network belongs to one logical process.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "scalesim/sim_time.h"

namespace scalesim::hardware {

class FlowNetwork {
 public:
  using LinkId = std::uint32_t;
  using FlowId = std::uint32_t;
  static constexpr double kUnlimited = std::numeric_limits<double>::infinity();

  // Adds a link of `capacity` bytes/s. REQUIRES: capacity > 0 (std::invalid_argument).
  LinkId add_link(double capacity);

  // Starts a flow of `bytes` over `path` at `now`, after advancing to `now`. `max_rate` caps
  // the flow on its own (a TCP connection's window, a disk). A zero-byte flow completes at
  // once; an infinite one never does (background load). Throws std::invalid_argument for
  // now < this->now(), bytes < 0, max_rate <= 0, an unknown link, or a flow with neither links
  // nor a finite max_rate.
  FlowId start_flow(SimTime now, double bytes, std::span<const LinkId> path,
                    double max_rate = kUnlimited);

  // The earliest completion among active flows, or kTimeInfinity when none is active.
  SimTime next_completion() const;
  // Moves the clock to `now`, completing in order every flow due by then. REQUIRES: now >= now().
  void advance(SimTime now);
  // Advances until no flow is active.
  void run_to_completion();

  SimTime now() const { return now_; }
  std::size_t active_flows() const { return active_.size(); }
  bool active(FlowId f) const { return flows_.at(f).active; }
  // When the flow finished, or kTimeInfinity while it is still active.
  SimTime completion_time(FlowId f) const { return flows_.at(f).done_at; }
  // Current rate in bytes/s (0 once finished).
  double rate(FlowId f) const { return flows_.at(f).rate; }
  // Sum of the current rates of the flows crossing `link`.
  double link_load(LinkId link) const;
  double link_capacity(LinkId link) const { return capacity_.at(link); }

 private:
  struct Flow {
    double remaining = 0.0;  // bytes still to send, as of now_
    double rate = 0.0;       // bytes/s
    double max_rate = kUnlimited;
    std::uint32_t path_begin = 0;  // into path_pool_
    std::uint32_t path_size = 0;
    SimTime finish = kTimeInfinity;   // projected completion at the current rate
    SimTime done_at = kTimeInfinity;  // actual completion
    bool active = false;
  };

  std::span<const LinkId> path_of(const Flow& f) const {
    return {path_pool_.data() + f.path_begin, f.path_size};
  }
  void progress_to(SimTime t);
  void recompute_rates();

  SimTime now_ = 0;
  std::vector<double> capacity_;
  std::vector<Flow> flows_;
  std::vector<LinkId> path_pool_;
  std::vector<FlowId> active_;  // in start order, which fixes the order of every sum
  // Scratch space for recompute_rates(), kept to avoid allocating on every event.
  std::vector<double> residual_;
  std::vector<std::uint32_t> unfrozen_count_;
  std::vector<FlowId> unfrozen_;
  std::vector<FlowId> freeze_now_;
};

// One flow of a batch run.
struct FlowRequest {
  SimTime arrival = 0;
  double bytes = 0.0;
  std::vector<FlowNetwork::LinkId> path;
  double max_rate = FlowNetwork::kUnlimited;
};

// Runs a batch of flows over links with the given capacities; returns each flow's completion
// time, in the order given. Flows may be listed in any arrival order.
std::vector<SimTime> simulate_flows(std::span<const double> capacities,
                                    std::span<const FlowRequest> flows);

// The max-min fair rates of flows all active together (no completions): one water-filling.
std::vector<double> max_min_rates(std::span<const double> capacities,
                                  std::span<const FlowRequest> flows);

}  // namespace scalesim::hardware
