#include "models/patterns/federated_rounds.h"

#include <functional>
#include <queue>
#include <utility>

#include "hardware/network/maxmin_flow_network.h"

namespace scalesim {

void FederatedRounds::shared_link_times() {
  // Downloads start together on the server's egress; a client trains when its download ends,
  // then uploads over the ingress. Flows share a direction max-min fairly, each capped by the
  // device's own link (its uplink rate is model_bytes / client_up_).
  using hardware::FlowNetwork;
  FlowNetwork net;
  const FlowNetwork::LinkId egress = net.add_link(setup_.server_link);
  const FlowNetwork::LinkId ingress = net.add_link(setup_.server_link);
  const std::size_t n = chosen_.size();
  std::vector<FlowNetwork::FlowId> down(n), up(n);
  std::vector<std::size_t> downloading(n), uploading;
  for (std::size_t i = 0; i < n; ++i) {
    down[i] = net.start_flow(0, setup_.model_bytes, {&egress, 1}, client_down_rate_[chosen_[i]]);
    downloading[i] = i;
  }
  using Start = std::pair<SimTime, std::size_t>;  // an upload's start, after local training
  std::priority_queue<Start, std::vector<Start>, std::greater<>> starts;
  while (!downloading.empty() || !uploading.empty() || !starts.empty()) {
    const SimTime t =
        std::min(net.next_completion(), starts.empty() ? kTimeInfinity : starts.top().first);
    net.advance(t);
    std::erase_if(downloading, [&](std::size_t i) {
      if (net.active(down[i])) return false;
      if (reporting_[i] != 0) {
        starts.emplace(t + from_seconds(client_compute_[chosen_[i]]), i);
      }
      return true;
    });
    std::erase_if(uploading, [&](std::size_t i) {
      if (net.active(up[i])) return false;
      times_.push_back(to_seconds(net.completion_time(up[i])));
      return true;
    });
    while (!starts.empty() && starts.top().first <= t) {
      const std::size_t i = starts.top().second;
      starts.pop();
      up[i] = net.start_flow(t, setup_.model_bytes, {&ingress, 1},
                             setup_.model_bytes / client_up_[chosen_[i]]);
      uploading.push_back(i);
    }
  }
}

void FederatedRounds::save(ByteWriter& w) const {
  w.put(rounds_done_);
  w.put(failed_rounds_);
  w.put(jobs_done_);
  w.put(bytes_moved_);
  w.put(max_round_);
  w.put(download_bytes_);
  round_time_.save(w);
  participants_.save(w);
  training_time_.save(w);
  straggler_wait_.save(w);
  round_histogram_.save(w);
  series_.save(w);
}

void FederatedRounds::load(ByteReader& r) {
  rounds_done_ = r.get<std::uint64_t>();
  failed_rounds_ = r.get<std::uint64_t>();
  jobs_done_ = r.get<std::uint64_t>();
  bytes_moved_ = r.get<double>();
  max_round_ = r.get<double>();
  download_bytes_ = r.get<double>();
  round_time_.load(r);
  participants_.load(r);
  training_time_.load(r);
  straggler_wait_.load(r);
  round_histogram_.load(r);
  series_.load(r);
}

void FederatedRounds::hash_into(ResultHash& h) const {
  h.add(rounds_done_);
  h.add(failed_rounds_);
  h.add(jobs_done_);
  h.add(bytes_moved_);
  h.add(round_time_.mean());
  h.add(participants_.mean());
  h.add(round_histogram_.counts());
}

}  // namespace scalesim
