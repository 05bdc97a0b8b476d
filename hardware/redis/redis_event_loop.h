// RedisServerLoop: redis-server's single-threaded event loop (ae + networking.c, Redis 7.0) as a
// discrete-event component, step by step:
//
//   beforeSleep:  write every client's queued replies, newest client first (Redis keeps
//                 clients_pending_write as a list it adds to at the head);
//   epoll_wait:   returns at once with every connection that has unread input, in the order they
//                 became readable; with none, the thread blocks and a later arrival wakes it
//                 (wake-up latency, part of it CPU on this core);
//   per ready connection: one read() takes every byte that has arrived by then (so commands
//                 pipelined by the client, or queued behind a busy server, are read together),
//                 then every complete command is parsed and executed; replies are queued.
//
// Because the syscall and wake-up costs are paid per pass and per connection rather than per
// command, CPU per command falls as load rises; a fixed service time cannot show that.
//
// The loop does not know its peers. A host object passed to each call provides
//   bool peer_blocked(std::uint32_t conn) const;      // the reader of conn is asleep (IPI cost)
//   template <class Ctx> void deliver(Ctx&, std::uint32_t conn, std::uint32_t replies,
//                                     SimTime delay);  // replies land at the peer after delay
// and the loop sends itself events of the two kinds given at construction (step, wake).
//
// Thread safety: none; the loop belongs to the LP that owns it. No allocation after the first
// passes (vectors reach their peak size and stay there).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "hardware/redis/redis_cost_model.h"
#include "scalesim/event.h"
#include "scalesim/random.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/sim_time.h"

namespace scalesim::hardware {

// What travels between a Redis loop and its clients: `commands` requests (or replies) of one
// shape on connection `conn`. Trivially copyable, 12 bytes.
struct RedisWire {
  std::uint32_t conn = 0;
  std::uint32_t commands = 0;
  std::uint16_t shape = 0;
};

// Rare long wake-ups of a blocked core (a hypervisor that has descheduled an idle vCPU): with
// probability `probability` a wake-up takes an extra exponential delay of mean `mean_ns`.
struct WakeTail {
  double probability = 0;
  double mean_ns = 0;
};

inline SimTime draw_wake_delay(const EventLoopCosts& loop, const WakeTail& tail, LpRandom& rng) {
  double d = loop.wake_latency_ns;
  if (tail.probability > 0 && rng.uniform() < tail.probability) d += rng.exponential(tail.mean_ns);
  return from_nanoseconds(d);
}

class RedisServerLoop {
 public:
  // `shapes`: the commands clients may send, indexed by RedisWire::shape.
  RedisServerLoop(const EventLoopCosts& loop, const CommandCosts& commands,
                  const std::vector<CommandShape>& shapes, std::uint32_t connections,
                  EventKind step_kind, EventKind wake_kind, WakeTail tail = {})
      : loop_(loop),
        tail_(tail),
        conns_(connections),
        step_kind_(step_kind),
        wake_kind_(wake_kind) {
    shapes_.reserve(shapes.size());
    for (const CommandShape& s : shapes) {
      shapes_.push_back({s.request_bytes(), s.reply_bytes(), loop.parse_ns + commands.exec_ns(s)});
    }
    snapshot_.reserve(connections);
    write_list_.reserve(connections);
  }

  // Request bytes of `w.commands` commands land in the connection's socket buffer.
  template <class Ctx>
  void on_request(Ctx& ctx, const RedisWire& w) {
    Conn& c = conns_[w.conn];
    const ShapeCost& s = shapes_[w.shape];
    if (c.unread == 0 && !c.in_snapshot) ready_.push_back(w.conn);
    c.unread += w.commands;
    c.unread_bytes += std::uint64_t{w.commands} * s.request_bytes;
    c.unread_reply_bytes += std::uint64_t{w.commands} * s.reply_bytes;
    c.unread_cpu_ns += w.commands * s.cpu_ns;
    if (blocked_) {
      blocked_ = false;
      ctx.schedule(ctx.self(), draw_wake_delay(loop_, tail_, ctx.rng()), wake_kind_);
    }
  }

  // The wake-up scheduled by on_request has completed.
  template <class Ctx, class Host>
  void on_wake(Ctx& ctx, Host& host) {
    busy_ns_ += loop_.wake_cpu_ns;
    ++wakeups_;
    take_snapshot();
    run(ctx, host, loop_.wake_cpu_ns);
  }

  // The current step has finished; do the next one.
  template <class Ctx, class Host>
  void on_step(Ctx& ctx, Host& host) {
    run(ctx, host, 0.0);
  }

  // Starts the loop at time 0 (it blocks at once if nothing is ready).
  template <class Ctx, class Host>
  void start(Ctx& ctx, Host& host) {
    run(ctx, host, 0.0);
  }

  // Asleep in epoll_wait: a sender must wake this core.
  bool blocked() const { return blocked_; }
  // CPU time this core has spent so far (steps are counted when they start).
  double busy_ns() const { return busy_ns_; }
  std::uint64_t passes() const { return passes_; }
  std::uint64_t wakeups() const { return wakeups_; }
  std::uint64_t reads() const { return reads_; }
  std::uint64_t commands_executed() const { return commands_; }

 private:
  struct ShapeCost {
    std::uint64_t request_bytes;
    std::uint64_t reply_bytes;
    double cpu_ns;  // parse + execute
  };
  struct Conn {
    std::uint32_t unread = 0;  // commands that have arrived and not been read
    std::uint64_t unread_bytes = 0;
    std::uint64_t unread_reply_bytes = 0;
    double unread_cpu_ns = 0;
    std::uint32_t replies = 0;  // replies queued for the next write
    std::uint64_t reply_bytes = 0;
    bool in_snapshot = false;    // returned by the current epoll_wait, not yet read
    bool in_write_list = false;  // in clients_pending_write
  };

  void take_snapshot() {
    snapshot_.clear();
    while (!ready_.empty()) {
      const std::uint32_t id = ready_.pop_front();
      conns_[id].in_snapshot = true;
      snapshot_.push_back(id);
    }
    next_read_ = 0;
    ++passes_;
  }

  template <class Ctx>
  void finish_step(Ctx& ctx, double cost_ns) {
    busy_ns_ += cost_ns;
    ctx.schedule(ctx.self(), from_nanoseconds(cost_ns), step_kind_);
  }

  // `carried_ns`: time already spent at this instant (the wake-up) before the next step starts.
  template <class Ctx, class Host>
  void run(Ctx& ctx, Host& host, double carried_ns) {
    if (next_read_ < snapshot_.size()) {
      if (loop_.io_threads > 1) return finish_step(ctx, carried_ns + read_phase_threaded());
      return finish_step(ctx, carried_ns + read_one(snapshot_[next_read_++]));
    }
    if (!write_list_.empty()) {
      if (loop_.io_threads > 1)
        return finish_step(ctx, carried_ns + write_phase_threaded(ctx, host));
      // Newest first: Redis adds clients to the head of clients_pending_write.
      const std::uint32_t id = write_list_.back();
      write_list_.pop_back();
      return finish_step(ctx, carried_ns + write_one(ctx, host, id, 0.0));
    }
    if (!ready_.empty()) {
      take_snapshot();
      // An epoll_wait entered to block returns without blocking: its cost is already paid.
      const double cost = entering_block_ ? 0.0 : loop_.pass_ns + loop_.poll_ns;
      entering_block_ = false;
      return finish_step(ctx, carried_ns + cost);
    }
    if (!entering_block_) {
      entering_block_ = true;  // the epoll_wait that will block; arrivals meanwhile end it
      return finish_step(ctx, carried_ns + loop_.pass_ns + loop_.poll_ns);
    }
    entering_block_ = false;
    blocked_ = true;
  }

  double read_one(std::uint32_t id) {
    Conn& c = conns_[id];
    c.in_snapshot = false;
    if (c.unread == 0) return 0.0;
    const double cost = loop_.read_cost_ns(c.unread_bytes) + c.unread_cpu_ns;
    queue_replies(id, c);
    return cost;
  }

  void queue_replies(std::uint32_t id, Conn& c) {
    ++reads_;
    commands_ += c.unread;
    c.replies += c.unread;
    c.reply_bytes += c.unread_reply_bytes;
    c.unread = 0;
    c.unread_bytes = 0;
    c.unread_reply_bytes = 0;
    c.unread_cpu_ns = 0;
    if (!c.in_write_list) {
      c.in_write_list = true;
      write_list_.push_back(id);
    }
  }

  template <class Ctx, class Host>
  double write_one(Ctx& ctx, Host& host, std::uint32_t id, double offset_ns) {
    Conn& c = conns_[id];
    double cost = loop_.write_cost_ns(c.reply_bytes);
    if (host.peer_blocked(id)) cost += loop_.ipi_ns;
    host.deliver(ctx, id, c.replies, from_nanoseconds(offset_ns + cost));
    c.replies = 0;
    c.reply_bytes = 0;
    c.in_write_list = false;
    return cost;
  }

  // io-threads: the main thread deals the ready connections round-robin over itself and the
  // I/O threads, busy-waits for the slowest, then executes every command itself.
  double read_phase_threaded() {
    const std::uint32_t threads = std::min(loop_.io_threads, kMaxIoThreads);
    std::array<double, kMaxIoThreads> done{};
    double execute = 0;
    for (std::size_t k = next_read_; k < snapshot_.size(); ++k) {
      Conn& c = conns_[snapshot_[k]];
      c.in_snapshot = false;
      if (c.unread == 0) continue;
      done[(k - next_read_) % threads] += loop_.read_cost_ns(c.unread_bytes);
      execute += c.unread_cpu_ns;
      queue_replies(snapshot_[k], c);
    }
    next_read_ = snapshot_.size();
    return *std::max_element(done.begin(), done.begin() + threads) + execute;
  }

  template <class Ctx, class Host>
  double write_phase_threaded(Ctx& ctx, Host& host) {
    const std::uint32_t threads = std::min(loop_.io_threads, kMaxIoThreads);
    std::array<double, kMaxIoThreads> done{};
    const std::size_t n = write_list_.size();
    for (std::size_t k = 0; k < n; ++k) {
      double& mine = done[k % threads];
      mine += write_one(ctx, host, write_list_[n - 1 - k], mine);
    }
    write_list_.clear();
    return *std::max_element(done.begin(), done.begin() + threads);
  }

  static constexpr std::uint32_t kMaxIoThreads = 128;  // Redis's IO_THREADS_MAX_NUM

  EventLoopCosts loop_;
  WakeTail tail_;
  std::vector<ShapeCost> shapes_;
  std::vector<Conn> conns_;
  RingBuffer<std::uint32_t> ready_;      // connections readable since they were last read, FIFO
  std::vector<std::uint32_t> snapshot_;  // what the last epoll_wait returned
  std::size_t next_read_ = 0;
  std::vector<std::uint32_t> write_list_;
  EventKind step_kind_;
  EventKind wake_kind_;
  bool blocked_ = false;
  bool entering_block_ = false;
  double busy_ns_ = 0;
  std::uint64_t passes_ = 0;
  std::uint64_t wakeups_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t commands_ = 0;
};

}  // namespace scalesim::hardware
