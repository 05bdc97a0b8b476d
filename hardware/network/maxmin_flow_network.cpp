#include "hardware/network/maxmin_flow_network.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace scalesim::hardware {
namespace {

// Shares that differ by less than this fraction are treated as equal, so flows that tie in
// exact arithmetic freeze together instead of one rounding error apart.
constexpr double kTieTolerance = 1e-12;

// Time to send `bytes` at `rate`, rounded to the nearest ns; kTimeInfinity when it would not
// fit in SimTime (a starved or endless flow).
SimTime time_to_send(double bytes, double rate) {
  if (!(rate > 0.0)) return kTimeInfinity;
  const double seconds = bytes / rate;
  if (!(seconds * 1e9 < 9.0e18)) return kTimeInfinity;
  return from_seconds(seconds);
}

SimTime add_saturating(SimTime t, SimTime d) {
  return d >= kTimeInfinity - t ? kTimeInfinity : t + d;
}

}  // namespace

FlowNetwork::LinkId FlowNetwork::add_link(double capacity) {
  if (!(capacity > 0.0) || !std::isfinite(capacity)) {
    throw std::invalid_argument("FlowNetwork: a link capacity must be positive and finite");
  }
  capacity_.push_back(capacity);
  return static_cast<LinkId>(capacity_.size() - 1);
}

FlowNetwork::FlowId FlowNetwork::start_flow(SimTime now, double bytes, std::span<const LinkId> path,
                                            double max_rate) {
  if (now < now_) throw std::invalid_argument("FlowNetwork: a flow may not start in the past");
  if (!(bytes >= 0.0)) throw std::invalid_argument("FlowNetwork: flow size must be >= 0 bytes");
  if (!(max_rate > 0.0)) throw std::invalid_argument("FlowNetwork: max_rate must be positive");
  if (path.empty() && std::isinf(max_rate)) {
    throw std::invalid_argument("FlowNetwork: a flow needs a link or a finite max_rate");
  }
  for (const LinkId l : path) {
    if (l >= capacity_.size()) throw std::invalid_argument("FlowNetwork: unknown link in path");
  }
  advance(now);

  Flow f;
  f.remaining = bytes;
  f.max_rate = max_rate;
  f.path_begin = static_cast<std::uint32_t>(path_pool_.size());
  f.path_size = static_cast<std::uint32_t>(path.size());
  path_pool_.insert(path_pool_.end(), path.begin(), path.end());
  const auto id = static_cast<FlowId>(flows_.size());
  if (bytes == 0.0) {
    f.done_at = now;
    flows_.push_back(f);
    return id;
  }
  f.active = true;
  flows_.push_back(f);
  active_.push_back(id);
  recompute_rates();
  return id;
}

SimTime FlowNetwork::next_completion() const {
  SimTime t = kTimeInfinity;
  for (const FlowId id : active_) t = std::min(t, flows_[id].finish);
  return t;
}

void FlowNetwork::progress_to(SimTime t) {
  const double dt = to_seconds(t - now_);
  for (const FlowId id : active_) {
    Flow& f = flows_[id];
    f.remaining = std::max(0.0, f.remaining - f.rate * dt);
  }
  now_ = t;
}

void FlowNetwork::advance(SimTime now) {
  if (now < now_) throw std::invalid_argument("FlowNetwork: time may not go backwards");
  for (SimTime due = next_completion(); due <= now; due = next_completion()) {
    progress_to(due);
    // Every flow due now finishes together; the rest keep their order in active_.
    std::erase_if(active_, [&](FlowId id) {
      Flow& f = flows_[id];
      if (f.finish > due) return false;
      f.active = false;
      f.done_at = due;
      f.remaining = 0.0;
      f.rate = 0.0;
      return true;
    });
    recompute_rates();
  }
  progress_to(now);
}

void FlowNetwork::run_to_completion() {
  for (SimTime due = next_completion(); due != kTimeInfinity; due = next_completion()) {
    advance(due);
  }
}

// Progressive filling: raise every unfrozen flow's rate together until a link saturates or a
// flow reaches its own cap; freeze the flows held there; repeat with what capacity is left.
void FlowNetwork::recompute_rates() {
  residual_.assign(capacity_.begin(), capacity_.end());
  unfrozen_count_.assign(capacity_.size(), 0);
  unfrozen_.assign(active_.begin(), active_.end());
  for (const FlowId id : unfrozen_) {
    for (const LinkId l : path_of(flows_[id])) ++unfrozen_count_[l];
  }
  while (!unfrozen_.empty()) {
    double level = kUnlimited;
    for (std::size_t l = 0; l < residual_.size(); ++l) {
      if (unfrozen_count_[l] > 0) level = std::min(level, residual_[l] / unfrozen_count_[l]);
    }
    for (const FlowId id : unfrozen_) level = std::min(level, flows_[id].max_rate);
    const double limit = level * (1.0 + kTieTolerance);

    // Decide first, then subtract, so that every flow is judged against the same residuals.
    freeze_now_.clear();
    std::erase_if(unfrozen_, [&](FlowId id) {
      const Flow& f = flows_[id];
      bool held = f.max_rate <= limit;
      for (const LinkId l : path_of(f)) {
        held = held || residual_[l] / unfrozen_count_[l] <= limit;
      }
      if (held) freeze_now_.push_back(id);
      return held;
    });
    for (const FlowId id : freeze_now_) {
      Flow& f = flows_[id];
      for (const LinkId l : path_of(f)) {
        residual_[l] = std::max(0.0, residual_[l] - level);
        --unfrozen_count_[l];
      }
      // A flow whose rate did not change keeps its projected finish, so unrelated events do
      // not re-round it.
      if (f.rate != level || f.finish == kTimeInfinity) {
        f.rate = level;
        f.finish = add_saturating(now_, time_to_send(f.remaining, level));
      }
    }
  }
}

double FlowNetwork::link_load(LinkId link) const {
  double load = 0.0;
  for (const FlowId id : active_) {
    const Flow& f = flows_[id];
    for (const LinkId l : path_of(f)) {
      if (l == link) load += f.rate;
    }
  }
  return load;
}

std::vector<SimTime> simulate_flows(std::span<const double> capacities,
                                    std::span<const FlowRequest> flows) {
  FlowNetwork net;
  for (const double c : capacities) net.add_link(c);
  std::vector<std::size_t> order(flows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return flows[a].arrival < flows[b].arrival;
  });
  std::vector<FlowNetwork::FlowId> ids(flows.size());
  for (const std::size_t i : order) {
    const FlowRequest& r = flows[i];
    ids[i] = net.start_flow(r.arrival, r.bytes, r.path, r.max_rate);
  }
  net.run_to_completion();
  std::vector<SimTime> done(flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) done[i] = net.completion_time(ids[i]);
  return done;
}

std::vector<double> max_min_rates(std::span<const double> capacities,
                                  std::span<const FlowRequest> flows) {
  FlowNetwork net;
  for (const double c : capacities) net.add_link(c);
  std::vector<FlowNetwork::FlowId> ids;
  ids.reserve(flows.size());
  // Endless flows: nothing completes, so the rates are those of all flows sharing at once.
  for (const FlowRequest& r : flows) {
    ids.push_back(net.start_flow(0, FlowNetwork::kUnlimited, r.path, r.max_rate));
  }
  std::vector<double> rates;
  rates.reserve(ids.size());
  for (const auto id : ids) rates.push_back(net.rate(id));
  return rates;
}

}  // namespace scalesim::hardware
