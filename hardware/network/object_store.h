// An S3-like object store as one client sees it: every request waits the first-byte latency,
// then streams at the per-connection bandwidth; several connections together are capped by
// the client's NIC (or a configured aggregate). This is the shape of AWS's guidance ("Best
// Practices Design Patterns: Optimizing Amazon S3 Performance"): latency per request, and
// throughput that scales with concurrent connections until the instance's network is full.
//
// Thread safety: const methods only, safe to share.
#pragma once

#include <cstdint>
#include <optional>

#include "hardware/network/network_specs.h"
#include "scalesim/sim_time.h"

namespace scalesim::hardware {

class ObjectStore {
 public:
  // `client_nic` (bytes/s), when given, caps the client alongside spec.client_bandwidth; the
  // tighter of the two applies. REQUIRES: spec.stream_bandwidth > 0; throws
  // std::invalid_argument otherwise.
  explicit ObjectStore(ObjectStoreSpec spec, std::optional<double> client_nic = std::nullopt);

  // One GET (or PUT) of `bytes` over one connection: first-byte latency + bytes / the stream
  // bandwidth (or the client cap, if lower).
  SimTime get_time(double bytes) const;
  SimTime put_time(double bytes) const { return get_time(bytes); }

  // A ranged GET: the object split into `streams` equal ranges fetched at once. All streams
  // share the client cap, so the transfer runs at min(streams x stream bandwidth, cap).
  // REQUIRES: streams >= 1.
  SimTime parallel_get_time(double bytes, std::uint32_t streams) const;

  // Reads a dataset of `total_bytes` stored as objects of `object_bytes` (the last one may be
  // smaller) with `streams` connections; each connection GETs whole objects one after another.
  // When the streams together could exceed the client cap they share it max-min fairly
  // (FlowNetwork), so the tail, when fewer streams remain, runs faster per stream; otherwise
  // the time is closed-form. Used by the training model's data loading.
  // REQUIRES: streams >= 1, object_bytes > 0.
  SimTime read_dataset_time(double total_bytes, double object_bytes, std::uint32_t streams) const;

  // What `streams` connections together move, bytes/s: min(streams x stream bandwidth, client
  // cap). REQUIRES: streams >= 1.
  double bandwidth(std::uint32_t streams) const;

  // Aggregate bandwidth limit of this client, bytes/s (infinite when uncapped).
  double client_cap() const { return client_cap_; }
  const ObjectStoreSpec& spec() const { return spec_; }

  // US dollars: storage for `months`, and request charges.
  double storage_cost(double bytes, double months) const;
  double request_cost(std::uint64_t gets, std::uint64_t puts) const;

 private:
  ObjectStoreSpec spec_;
  double client_cap_;
};

}  // namespace scalesim::hardware
