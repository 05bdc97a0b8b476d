// What travels between queueing components: a customer (a request) and the links it follows.
#pragma once

#include <cstdint>

#include "models/queueing/half_precision.h"
#include "scalesim/event.h"
#include "scalesim/sim_time.h"

namespace scalesim {

inline constexpr std::uint32_t kNoLp = 0xffffffffu;

// Components that hold a customer (stations, model servers) keep its arrival time themselves,
// so the payload has room for the request's own sizes.
struct Customer {
  static constexpr unsigned kSourceShift = 40;
  std::uint64_t id = 0;             // unique per source: (source LP << 40) | sequence
  SimTime created = 0;              // when the source emitted it (end-to-end latency starts here)
  std::uint32_t served_by = kNoLp;  // LP id of the last station that served it
  std::uint32_t size = 0;           // input size in the model's unit (tokens...); 0 = default
  std::uint32_t aux = 0;            // a second size (tokens to generate); 0 = none
  // Set by the last LLM engine that served it, in half-precision seconds (half_precision.h;
  // kNoHalf: none): from `created` to its first output token, and the mean time between its
  // output tokens after the first.
  std::uint16_t ttft = kNoHalf;
  std::uint16_t tpot = kNoHalf;

  // LP id of the source that emitted it (its request class), from the id.
  static constexpr std::uint32_t source_of(std::uint64_t id) {
    return static_cast<std::uint32_t>(id >> kSourceShift);
  }
  constexpr std::uint32_t source() const { return source_of(id); }
};
static_assert(sizeof(Customer) == 32);
static_assert(kEventFitsBudget<Customer>, "a queueing event must fit one cache line");

// Event kinds of the queueing components.
enum QueueEventKind : EventKind {
  kCustomerArrives = 0,  // a customer reaches a component
  kServiceDone = 1,      // a station's server finishes (self event)
  kNextArrival = 2,      // a source's next emission (self event)
  kPatienceEnds = 15,    // a waiting customer's patience runs out (self event; id: its ticket)
  kBatchDelayEnds = 16,  // a batching station's max_queue_delay for its oldest request ran out
};

// A directed connection with its minimum latency (also the partitioner's edge label).
struct Link {
  LpId to = 0;
  SimTime latency = 0;
};

}  // namespace scalesim
