// FIFO serialisation at an egress port, and a point-to-point link built on it. A message
// occupies the port for bytes / bandwidth; a message sent while the port is busy waits behind
// the earlier ones. Everything here is a small value type with no allocation, so a model can
// keep one per port and call it on every send.
#pragma once

#include <algorithm>

#include "scalesim/sim_time.h"

namespace scalesim::hardware {

// Time to put `bytes` on a wire of `bandwidth` bytes/s. Each message is rounded once, to the
// nearest nanosecond, by the rule in sim_time.h, so two runs (or two partitionings) agree to
// the bit. REQUIRES: bandwidth > 0, bytes >= 0.
inline SimTime serialization_time(double bytes, double bandwidth) {
  return from_seconds(bytes / bandwidth);
}

struct EgressPort {
  // When a transmission starts and when its last bit leaves the port.
  struct Span {
    SimTime start = 0;
    SimTime end = 0;
  };

  double bandwidth = 0.0;  // bytes/s
  SimTime busy_until = 0;  // when the last bit already queued leaves
  SimTime busy_time = 0;   // total time spent transmitting, for utilisation

  // Queues a message that is ready at `now`; returns when its last bit leaves.
  SimTime transmit(SimTime now, double bytes) { return transmit(now, bytes, now).end; }

  // General form, used by cut-through forwarding: the first bit may leave from `ready`, but
  // the last bit cannot leave before `not_before` (it has not yet arrived from upstream).
  // REQUIRES: not_before >= ready.
  Span transmit(SimTime ready, double bytes, SimTime not_before) {
    const SimTime start = std::max(ready, busy_until);
    const SimTime end = std::max(start + serialization_time(bytes, bandwidth), not_before);
    busy_time += end - start;
    busy_until = end;
    return {start, end};
  }

  double utilization(SimTime horizon) const {
    return horizon > 0 ? static_cast<double>(busy_time) / static_cast<double>(horizon) : 0.0;
  }
};

// A one-way link: FIFO serialisation at the sending end, then a fixed propagation latency.
struct Link {
  EgressPort port;
  SimTime latency = 0;

  // Returns when the last bit of a message of `bytes` sent at `now` reaches the far end.
  SimTime send(SimTime now, double bytes) { return port.transmit(now, bytes) + latency; }
};

}  // namespace scalesim::hardware
