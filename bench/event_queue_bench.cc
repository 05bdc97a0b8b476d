// Pending-event set micro-benchmark: the classic hold model. The queue is filled with n events,
// then each iteration pops the minimum and pushes one event an exponential increment later
// (mean 1 ms), so the population stays n. Reports ns per hold and heap bytes per pending event
// (malloc's own accounting of the queue's storage, measured around the fill).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>

#include "scalesim/event_queue/adaptive_queue.h"
#include "scalesim/event_queue/calendar_queue.h"
#include "scalesim/event_queue/dary_heap.h"
#include "scalesim/random.h"

namespace scalesim {
namespace {

std::size_t heap_in_use() {
  return mallinfo2().uordblks + mallinfo2().hblkhd;
}

template <class Queue>
void BM_Hold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  LpRandom rng(1, 0);
  const std::size_t before = heap_in_use();
  Queue q;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    q.push(QueuedKey{from_nanoseconds(rng.exponential(1e6 * static_cast<double>(n) / 1000.0)),
                     static_cast<LpId>(i % 1024), static_cast<std::uint32_t>(i), seq++});
  }
  const std::size_t bytes = heap_in_use() - before;
  for (auto _ : state) {
    const QueuedKey e = q.pop();
    q.push(QueuedKey{e.time + from_nanoseconds(rng.exponential(1e6)), e.src, e.slot, seq++});
  }
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(n);
}

BENCHMARK(BM_Hold<DaryHeap<2>>)
    ->Name("hold/heap2")
    ->Arg(1000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Hold<DaryHeap<4>>)
    ->Name("hold/heap4")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Hold<DaryHeap<8>>)
    ->Name("hold/heap8")
    ->Arg(1000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Hold<CalendarQueue>)
    ->Name("hold/calendar")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kNanosecond);

BENCHMARK(BM_Hold<AdaptiveQueue>)
    ->Name("hold/adaptive")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1000)
    ->Arg(1000000)
    ->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace scalesim

BENCHMARK_MAIN();
