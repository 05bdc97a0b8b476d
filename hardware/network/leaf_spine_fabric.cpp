#include "hardware/network/leaf_spine_fabric.h"

#include <stdexcept>
#include <string>

namespace scalesim::hardware {
namespace {

// SplitMix64's finaliser: consecutive flow ids land on unrelated spines, and the mapping is a
// pure function of the id, so every rank agrees on it without communication.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Pushes one message through `n` ports in order. The first port is the sender's NIC, which
// holds the whole message from `now`; every later port sits behind a switch. The cross-zone
// latency is paid on the spine -> leaf cable (hop index 2), where the zones meet.
SimTime traverse(const FabricSpec& spec, EgressPort* const* ports, int n, SimTime now, double bytes,
                 bool cross_zone) {
  const bool cut_through = spec.forwarding == Forwarding::kCutThrough;
  SimTime head = now;
  SimTime tail = now;
  for (int i = 0; i < n; ++i) {
    SimTime ready = now;
    SimTime not_before = now;
    if (i > 0) {
      ready = (cut_through ? head : tail) + spec.switch_latency;
      not_before = tail + spec.switch_latency;
    }
    const EgressPort::Span span = ports[i]->transmit(ready, bytes, not_before);
    const SimTime propagation =
        spec.link_latency + (i == 2 && cross_zone ? spec.cross_zone_latency : 0);
    head = span.start + propagation;
    tail = span.end + propagation;
  }
  return tail + spec.host_latency;
}

}  // namespace

LeafSpineFabric::LeafSpineFabric(const FabricSpec& spec)
    : spec_(spec),
      host_up_(spec.hosts(), EgressPort{spec.host_link_bandwidth}),
      leaf_down_(spec.hosts(), EgressPort{spec.host_link_bandwidth}),
      leaf_up_(std::size_t{spec.leaves} * spec.spines, EgressPort{spec.spine_link_bandwidth}),
      spine_down_(std::size_t{spec.leaves} * spec.spines, EgressPort{spec.spine_link_bandwidth}) {
  if (spec.hosts_per_leaf == 0 || spec.leaves == 0 || spec.spines == 0 || spec.zones == 0 ||
      spec.leaves % spec.zones != 0 || !(spec.host_link_bandwidth > 0.0) ||
      !(spec.spine_link_bandwidth > 0.0)) {
    throw std::invalid_argument("LeafSpineFabric: invalid fabric spec '" + spec.name + "'");
  }
}

std::uint32_t LeafSpineFabric::spine_for(std::uint64_t flow_id) const {
  return static_cast<std::uint32_t>(mix(flow_id) % spec_.spines);
}

void LeafSpineFabric::check_host(HostId h) const {
  if (h >= hosts()) {
    throw std::out_of_range("LeafSpineFabric: host " + std::to_string(h) + " out of range (" +
                            std::to_string(hosts()) + " hosts)");
  }
}

int LeafSpineFabric::path(HostId src, HostId dst, std::uint64_t flow_id, EgressPort* (&ports)[4]) {
  const std::uint32_t src_leaf = leaf_of(src);
  const std::uint32_t dst_leaf = leaf_of(dst);
  ports[0] = &host_up_[src];
  if (src_leaf == dst_leaf) {
    ports[1] = &leaf_down_[dst];
    return 2;
  }
  const std::uint32_t spine = spine_for(flow_id);
  ports[1] = &leaf_up_[std::size_t{src_leaf} * spec_.spines + spine];
  ports[2] = &spine_down_[std::size_t{spine} * spec_.leaves + dst_leaf];
  ports[3] = &leaf_down_[dst];
  return 4;
}

SimTime LeafSpineFabric::send(SimTime now, HostId src, HostId dst, double bytes,
                              std::uint64_t flow_id) {
  check_host(src);
  check_host(dst);
  if (src == dst) return now;
  EgressPort* ports[4] = {};
  const int n = path(src, dst, flow_id, ports);
  return traverse(spec_, ports, n, now, bytes, zone_of(src) != zone_of(dst));
}

SimTime LeafSpineFabric::unloaded_latency(HostId src, HostId dst, double bytes) const {
  check_host(src);
  check_host(dst);
  if (src == dst) return 0;
  // Idle copies of the path's ports: the same arithmetic as send(), without side effects.
  EgressPort host{spec_.host_link_bandwidth};
  EgressPort up{spec_.spine_link_bandwidth};
  EgressPort down{spec_.spine_link_bandwidth};
  EgressPort last{spec_.host_link_bandwidth};
  EgressPort* same_leaf[2] = {&host, &last};
  EgressPort* via_spine[4] = {&host, &up, &down, &last};
  if (leaf_of(src) == leaf_of(dst)) return traverse(spec_, same_leaf, 2, 0, bytes, false);
  return traverse(spec_, via_spine, 4, 0, bytes, zone_of(src) != zone_of(dst));
}

SimTime LeafSpineFabric::min_latency() const {
  // Host 1 shares host 0's leaf when leaves hold several hosts; otherwise it sits on the next
  // leaf, which is as near as any other.
  return hosts() < 2 ? kTimeInfinity : unloaded_latency(0, 1, 0.0);
}

void LeafSpineFabric::reset() {
  for (auto* ports : {&host_up_, &leaf_down_, &leaf_up_, &spine_down_}) {
    for (EgressPort& p : *ports) {
      p.busy_until = 0;
      p.busy_time = 0;
    }
  }
}

}  // namespace scalesim::hardware
