#include "hardware/network/object_store.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hardware/network/egress_link.h"
#include "hardware/network/maxmin_flow_network.h"

namespace scalesim::hardware {

ObjectStore::ObjectStore(ObjectStoreSpec spec, std::optional<double> client_nic)
    : spec_(std::move(spec)), client_cap_(FlowNetwork::kUnlimited) {
  if (!(spec_.stream_bandwidth > 0.0)) {
    throw std::invalid_argument("ObjectStore: stream bandwidth must be positive");
  }
  for (const auto& cap : {spec_.client_bandwidth, client_nic}) {
    if (!cap) continue;
    if (!(*cap > 0.0)) throw std::invalid_argument("ObjectStore: client cap must be positive");
    client_cap_ = std::min(client_cap_, *cap);
  }
}

SimTime ObjectStore::get_time(double bytes) const {
  return parallel_get_time(bytes, 1);
}

SimTime ObjectStore::parallel_get_time(double bytes, std::uint32_t streams) const {
  if (streams == 0) throw std::invalid_argument("ObjectStore: at least one stream is needed");
  return spec_.first_byte_latency + serialization_time(bytes, bandwidth(streams));
}

double ObjectStore::bandwidth(std::uint32_t streams) const {
  if (streams == 0) throw std::invalid_argument("ObjectStore: at least one stream is needed");
  return std::min(streams * spec_.stream_bandwidth, client_cap_);
}

SimTime ObjectStore::read_dataset_time(double total_bytes, double object_bytes,
                                       std::uint32_t streams) const {
  if (streams == 0) throw std::invalid_argument("ObjectStore: at least one stream is needed");
  if (!(object_bytes > 0.0)) throw std::invalid_argument("ObjectStore: object size must be > 0");
  if (!(total_bytes > 0.0)) return 0;
  auto objects = static_cast<std::uint64_t>(std::ceil(total_bytes / object_bytes));
  double last_object = total_bytes - static_cast<double>(objects - 1) * object_bytes;
  // A quotient rounded just above a whole number must not add a near-empty GET (and its
  // first-byte latency) at the end.
  if (objects > 1 && last_object <= 1e-9 * object_bytes) {
    --objects;
    last_object = object_bytes;
  }
  const auto size_of = [&](std::uint64_t i) {
    return i + 1 < objects ? object_bytes : last_object;
  };

  const std::uint64_t k_streams = std::min<std::uint64_t>(streams, objects);
  if (static_cast<double>(k_streams) * spec_.stream_bandwidth <= client_cap_) {
    // The cap never binds, so every stream runs at its own bandwidth and the streams take
    // objects round-robin: ceil(objects / k) rounds. Only when the last round holds a single
    // object can the smaller last object shorten it. Same per-GET rounding as the flow model.
    const std::uint64_t rounds = (objects + k_streams - 1) / k_streams;
    const std::uint64_t in_last_round = objects - (rounds - 1) * k_streams;
    const SimTime full =
        spec_.first_byte_latency + serialization_time(object_bytes, spec_.stream_bandwidth);
    const SimTime last =
        in_last_round == 1
            ? spec_.first_byte_latency + serialization_time(last_object, spec_.stream_bandwidth)
            : full;
    return static_cast<SimTime>(rounds - 1) * full + last;
  }

  FlowNetwork net;
  std::vector<FlowNetwork::LinkId> path;
  if (std::isfinite(client_cap_)) path.push_back(net.add_link(client_cap_));

  // Per connection: when its next GET starts streaming (after the first-byte latency), the
  // size it will fetch, and the flow it is running. Connections are scanned in index order,
  // which breaks ties the same way every run.
  const auto k = static_cast<std::size_t>(k_streams);
  std::vector<SimTime> starts_at(k, spec_.first_byte_latency);
  std::vector<double> pending_size(k);
  std::vector<FlowNetwork::FlowId> flow(k);
  std::vector<bool> running(k, false);
  std::uint64_t requested = 0;
  for (std::size_t s = 0; s < k; ++s) pending_size[s] = size_of(requested++);

  SimTime makespan = 0;
  const auto finished = [&](std::size_t s, SimTime t) {
    running[s] = false;
    makespan = std::max(makespan, t);
    if (requested < objects) {
      starts_at[s] = t + spec_.first_byte_latency;
      pending_size[s] = size_of(requested++);
    } else {
      starts_at[s] = kTimeInfinity;
    }
  };

  for (;;) {
    std::size_t next = k;
    for (std::size_t s = 0; s < k; ++s) {
      if (!running[s] && starts_at[s] != kTimeInfinity &&
          (next == k || starts_at[s] < starts_at[next])) {
        next = s;
      }
    }
    const SimTime due = net.next_completion();
    if (next == k && due == kTimeInfinity) break;
    if (next != k && starts_at[next] <= due) {
      const SimTime t = starts_at[next];
      flow[next] = net.start_flow(t, pending_size[next], path, spec_.stream_bandwidth);
      running[next] = true;
      if (!net.active(flow[next])) finished(next, t);  // an empty object
      continue;
    }
    net.advance(due);
    for (std::size_t s = 0; s < k; ++s) {
      if (running[s] && !net.active(flow[s])) finished(s, net.completion_time(flow[s]));
    }
  }
  return makespan;
}

double ObjectStore::storage_cost(double bytes, double months) const {
  return bytes / 1e9 * months * spec_.price_per_gb_month;
}

double ObjectStore::request_cost(std::uint64_t gets, std::uint64_t puts) const {
  return static_cast<double>(gets) / 1000.0 * spec_.price_per_1000_gets +
         static_cast<double>(puts) / 1000.0 * spec_.price_per_1000_puts;
}

}  // namespace scalesim::hardware
