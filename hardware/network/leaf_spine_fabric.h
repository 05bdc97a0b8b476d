// Message-level model of a two-tier leaf-spine fabric. Every directed hop is an EgressPort
// with FIFO serialisation: host -> leaf, leaf -> spine, spine -> leaf, leaf -> host. Traffic
// between hosts of one leaf turns at the leaf; other traffic crosses the spine that an ECMP
// hash of the flow id picks, so one flow always takes one path and keeps its order.
//
// A send reserves every port on its path at once. Sends issued in non-decreasing time order
// on shared ports therefore queue exactly FIFO; a later send never overtakes an earlier one
// at a port it would have reached first, which errs towards longer (never shorter) delays.
//
// Store-and-forward: a switch starts forwarding once the whole message has arrived. Cut-through:
// it starts once the head has arrived (plus the switch latency), and the last bit leaves no
// earlier than it arrived; at message granularity this approximates the packet pipelining
// of a real store-and-forward network carrying a large message.
//
// Thread safety: none; one fabric belongs to one logical process.
#pragma once

#include <cstdint>
#include <vector>

#include "hardware/network/egress_link.h"
#include "hardware/network/network_specs.h"
#include "scalesim/sim_time.h"

namespace scalesim::hardware {

using HostId = std::uint32_t;

class LeafSpineFabric {
 public:
  // REQUIRES: a spec that FabricSpec::from_config would accept (positive counts and
  // bandwidths, zones dividing leaves).
  explicit LeafSpineFabric(const FabricSpec& spec);

  // Sends `bytes` from `src` to `dst` at `now`; returns when the last bit has been received
  // (including host_latency). A host sending to itself does not touch the fabric: returns now.
  // Throws std::out_of_range for a host id >= hosts(). REQUIRES: bytes >= 0.
  SimTime send(SimTime now, HostId src, HostId dst, double bytes, std::uint64_t flow_id);

  // The delivery time of a message on an idle fabric, without changing any port; for checks
  // and for lookahead.
  SimTime unloaded_latency(HostId src, HostId dst, double bytes) const;
  // The smallest delay between two distinct hosts (a zero-byte message within one leaf, or
  // across the spine when leaves hold a single host): a safe lookahead for partitioning.
  SimTime min_latency() const;

  std::uint32_t hosts() const { return spec_.hosts(); }
  std::uint32_t leaf_of(HostId h) const { return h / spec_.hosts_per_leaf; }
  std::uint32_t zone_of(HostId h) const { return leaf_of(h) / (spec_.leaves / spec_.zones); }
  // ECMP: the spine that carries `flow_id`. A fixed mixing function of the id alone, so it is
  // the same on every rank and every run.
  std::uint32_t spine_for(std::uint64_t flow_id) const;

  // Ports, for utilisation and tests.
  const EgressPort& host_uplink(HostId h) const { return host_up_.at(h); }
  const EgressPort& leaf_downlink(HostId h) const { return leaf_down_.at(h); }
  const EgressPort& leaf_uplink(std::uint32_t leaf, std::uint32_t spine) const {
    return leaf_up_.at(std::size_t{leaf} * spec_.spines + spine);
  }
  const EgressPort& spine_downlink(std::uint32_t spine, std::uint32_t leaf) const {
    return spine_down_.at(std::size_t{spine} * spec_.leaves + leaf);
  }
  const FabricSpec& spec() const { return spec_; }

  // Forgets all queued traffic (ports idle, counters zero).
  void reset();

 private:
  // Returns the ports on the path, in order, and how many there are (2 or 4).
  int path(HostId src, HostId dst, std::uint64_t flow_id, EgressPort* (&ports)[4]);
  void check_host(HostId h) const;

  FabricSpec spec_;
  std::vector<EgressPort> host_up_;     // per host: host -> its leaf
  std::vector<EgressPort> leaf_down_;   // per host: its leaf -> host
  std::vector<EgressPort> leaf_up_;     // per (leaf, spine)
  std::vector<EgressPort> spine_down_;  // per (spine, leaf)
};

}  // namespace scalesim::hardware
