// Events and their total order.
//
// Invariant that determinism rests on: events are processed in order of EventKey
// (time, source LP, source sequence number). Every LP numbers the events it sends 0, 1, 2, ...
// so keys are unique, and the key does not depend on where LPs are placed, so every LP sees the
// same event sequence for any number of ranks and threads. This is the only definition of the
// order; every queue, mailbox merge and test uses key_less / operator<=>.
#pragma once

#include <compare>
#include <cstdint>
#include <type_traits>

#include "scalesim/sim_time.h"

namespace scalesim {

using LpId = std::uint32_t;
using EventKind = std::uint16_t;

struct EventKey {
  SimTime time = 0;
  LpId src = 0;
  std::uint64_t seq = 0;

  friend constexpr std::strong_ordering operator<=>(const EventKey&, const EventKey&) = default;
  friend constexpr bool operator==(const EventKey&, const EventKey&) = default;
};

// A pending event as the pending-event set holds it: the key plus the pool slot of the body.
// 24 bytes, so a 4-ary heap node's children span 96 bytes (under two cache lines).
struct QueuedKey {
  SimTime time;
  LpId src;
  std::uint32_t slot;  // index of the event body in the EventPool
  std::uint64_t seq;

  EventKey key() const { return {time, src, seq}; }
};
static_assert(sizeof(QueuedKey) == 24, "QueuedKey is sized for the heap's cache-line budget");

// Times almost always differ, so the common case is one comparison the compiler can turn into
// a conditional move (heaps pick the least of d children: a branch there mispredicts half the
// time); ties take the rarely-taken branch.
inline constexpr bool key_less(const QueuedKey& a, const QueuedKey& b) {
  if (a.time == b.time) [[unlikely]] {
    return a.src != b.src ? a.src < b.src : a.seq < b.seq;
  }
  return a.time < b.time;
}

// An event as a handler sees it. Payload is the model's own small value type.
template <class Payload>
struct Event {
  EventKey key;
  LpId dst = 0;
  EventKind kind = 0;
  Payload payload{};

  SimTime time() const { return key.time; }
  LpId src() const { return key.src; }
};

// Size budget: events are stored by value and copied; keep them within one cache line.
template <class Payload>
inline constexpr bool kEventFitsBudget =
    sizeof(Event<Payload>) <= 64 && std::is_trivially_copyable_v<Payload>;

}  // namespace scalesim
