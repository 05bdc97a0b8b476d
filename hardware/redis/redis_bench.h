// The measured set-up as a model: a load generator on one core and redis-server on the other,
// talking over loopback TCP (calibration/redis_local.json). Both cores run event loops; what
// crosses between them is a write() on one side that lands in the other's socket and, if the
// other side is blocked in epoll_wait, wakes it (the sender pays an inter-processor interrupt,
// the receiver a wake-up latency).
//
// Two generators:
//   closed loop: redis-benchmark 7.0 (-c clients -P pipeline): one ae event loop; per request a
//     write handler (write + 2 epoll_ctl) and a read handler (read + reply parsing + 3 epoll_ctl,
//     then the connection is made writable again, so the next write is a pass later). Latency is
//     redis-benchmark's: from just before the write to the start of the read handler.
//   open loop: a busy-polling epoll program, Poisson sends spread round-robin over its
//     connections, one write per request. Latency = reply read - scheduled send; service latency
//     = reply read - end of the write; send lag = end of the write - scheduled send.
#pragma once

#include <cstdint>

#include "hardware/redis/redis_cost_model.h"
#include "hardware/redis/redis_event_loop.h"
#include "scalesim/sim_time.h"
#include "scalesim/stats/latency_histogram.h"

namespace scalesim::hardware {

// The load generator's own per-request work beyond the shared kernel costs.
struct BenchClientCosts {
  double epoll_ctl_ns = 0;  // redis-benchmark re-registers interest 5 times per request
  double per_reply_ns = 0;  // parsing one reply (hiredis / the generator's RESP scanner)
};

// Two cores of one machine. `kernel` holds the syscall, copy and wake-up costs of both cores
// (one kernel, one VM); its io_threads and parse_ns apply to the server only.
struct BenchMachine {
  EventLoopCosts kernel;
  CommandCosts commands;
  BenchClientCosts client;
  WakeTail wake_tail;
};

struct ClosedLoopSpec {
  CommandShape shape;
  std::uint32_t clients = 1;
  std::uint32_t pipeline = 1;
  std::uint64_t warmup_requests = 20'000;
  std::uint64_t measured_requests = 100'000;
};

struct OpenLoopSpec {
  CommandShape shape;
  double rate_per_s = 1000;
  std::uint32_t connections = 50;
  SimTime warmup = 20 * kMillisecond;
  SimTime duration = kSecond;
};

struct BenchResult {
  double throughput_per_s = 0;      // replies per second in the measurement window
  LatencyHistogram latency;         // ns
  LatencyHistogram service;         // open loop: from the end of the write (ns)
  LatencyHistogram lag;             // open loop: generator lag (ns)
  double server_busy = 0;           // fraction of the window the server core was busy
  double server_cpu_per_op_ns = 0;  // server core time per request
  double client_busy = 0;           // closed loop: fraction of the window the client core worked
  double commands_per_read = 0;     // server: commands per read() (batching)
  std::uint64_t completed = 0;      // replies in the window
  double window_s = 0;
};

BenchResult run_closed_loop(const BenchMachine& machine, const ClosedLoopSpec& spec,
                            std::uint64_t seed);
BenchResult run_open_loop(const BenchMachine& machine, const OpenLoopSpec& spec,
                          std::uint64_t seed);

}  // namespace scalesim::hardware
