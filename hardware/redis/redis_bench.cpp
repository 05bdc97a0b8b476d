#include "hardware/redis/redis_bench.h"

#include <vector>

#include "scalesim/kernel.h"
#include "scalesim/ring_buffer.h"

namespace scalesim::hardware {
namespace {

constexpr LpId kClientLp = 0;
constexpr LpId kServerLp = 1;

enum : EventKind {
  kToServer = 1,  // request bytes land in the server's socket
  kServerStep,
  kServerWake,
  kToClient,  // reply bytes land in the client's socket
  kClientStep,
  kClientWake,
  kSendDue,      // open loop: a scheduled send time has come
  kWindowStart,  // open loop: measurement window marks
  kWindowEnd,
};

// What the server loop needs to know about the client core.
template <class Client>
struct ServerHost {
  const Client* client;
  bool peer_blocked(std::uint32_t) const { return client->blocked(); }
  template <class Ctx>
  void deliver(Ctx& ctx, std::uint32_t conn, std::uint32_t replies, SimTime delay) {
    ctx.schedule(kClientLp, delay, kToClient, RedisWire{conn, replies, 0});
  }
};

// redis-benchmark: one ae event loop over `clients` connections, each with `pipeline` requests
// in flight at a time.
class ClosedClient {
 public:
  ClosedClient(const BenchMachine& m, const ClosedLoopSpec& spec)
      : k_(m.kernel),
        c_(m.client),
        tail_(m.wake_tail),
        spec_(spec),
        request_bytes_(spec.shape.request_bytes() * spec.pipeline),
        reply_bytes_(spec.shape.reply_bytes() * spec.pipeline),
        conns_(spec.clients) {
    snapshot_.reserve(spec.clients);
  }

  bool blocked() const { return blocked_; }

  template <class Ctx>
  void start(Ctx& ctx, const RedisServerLoop& server) {
    for (std::uint32_t i = 0; i < conns_.size(); ++i) make_ready(i);
    run(ctx, server, 0.0);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<RedisWire>& ev, const RedisServerLoop& server) {
    switch (ev.kind) {
      case kToClient: {
        Conn& c = conns_[ev.payload.conn];
        c.arrived += ev.payload.commands;
        make_ready(ev.payload.conn);
        if (blocked_) {
          blocked_ = false;
          ctx.schedule(ctx.self(), draw_wake_delay(k_, tail_, ctx.rng()), kClientWake);
        }
        break;
      }
      case kClientWake:
        busy_ns_ += k_.wake_cpu_ns;
        take_snapshot();
        run(ctx, server, k_.wake_cpu_ns);
        break;
      default:  // kClientStep
        run(ctx, server, 0.0);
        break;
    }
  }

  BenchResult result(double server_busy_ns) const {
    BenchResult r;
    r.window_s = to_seconds(window_end_ - window_start_);
    r.completed = spec_.measured_requests;
    r.throughput_per_s = static_cast<double>(r.completed) / r.window_s;
    r.latency = latency_;
    r.server_busy = server_busy_ns / (r.window_s * 1e9);
    r.server_cpu_per_op_ns = server_busy_ns / static_cast<double>(r.completed);
    r.client_busy = (client_busy_end_ - client_busy_start_) / (r.window_s * 1e9);
    return r;
  }
  double server_busy_start = 0;
  double server_busy_end = 0;

 private:
  struct Conn {
    SimTime start = 0;
    std::uint32_t arrived = 0;
    bool writable = true;
    bool in_ready = false;
  };

  void make_ready(std::uint32_t id) {
    Conn& c = conns_[id];
    if (c.in_ready) return;
    c.in_ready = true;
    ready_.push_back(id);
  }

  void take_snapshot() {
    snapshot_.clear();
    while (!ready_.empty()) {
      const std::uint32_t id = ready_.pop_front();
      conns_[id].in_ready = false;
      snapshot_.push_back(id);
    }
    next_ = 0;
  }

  template <class Ctx>
  void finish_step(Ctx& ctx, double cost_ns) {
    busy_ns_ += cost_ns;
    ctx.schedule(ctx.self(), from_nanoseconds(cost_ns), kClientStep);
  }

  template <class Ctx>
  void run(Ctx& ctx, const RedisServerLoop& server, double carried_ns) {
    while (next_ < snapshot_.size()) {
      const std::uint32_t id = snapshot_[next_++];
      Conn& c = conns_[id];
      if (c.writable) {
        if (done_) continue;  // redis-benchmark has sent its -n requests
        c.writable = false;
        c.start = ctx.now() + from_nanoseconds(carried_ns);
        double write = k_.write_cost_ns(request_bytes_);
        if (server.blocked()) write += k_.ipi_ns;
        ctx.schedule(kServerLp, from_nanoseconds(carried_ns + write), kToServer,
                     RedisWire{id, spec_.pipeline, 0});
        return finish_step(ctx, carried_ns + write + 2 * c_.epoll_ctl_ns);
      }
      if (c.arrived == 0) continue;
      // Latency is taken at the start of the read handler, before reading and parsing.
      const SimTime latency = ctx.now() + from_nanoseconds(carried_ns) - c.start;
      double cost =
          k_.read_cost_ns(reply_bytes_ / spec_.pipeline * c.arrived) + c_.per_reply_ns * c.arrived;
      const bool all = c.arrived >= spec_.pipeline;
      c.arrived = 0;
      if (all) {
        cost += 3 * c_.epoll_ctl_ns;
        c.writable = true;
        make_ready(id);  // writable again: reported by the next epoll_wait
        count_completions(ctx.now(), latency, server);
      }
      return finish_step(ctx, carried_ns + cost);
    }
    if (!ready_.empty()) {
      take_snapshot();
      const double cost = entering_block_ ? 0.0 : k_.poll_ns;
      entering_block_ = false;
      return finish_step(ctx, carried_ns + cost);
    }
    if (!entering_block_) {
      entering_block_ = true;
      return finish_step(ctx, carried_ns + k_.poll_ns);
    }
    entering_block_ = false;
    blocked_ = true;
  }

  void count_completions(SimTime now, SimTime latency, const RedisServerLoop& server) {
    const std::uint64_t before = completed_;
    completed_ += spec_.pipeline;
    const std::uint64_t start = spec_.warmup_requests;
    const std::uint64_t end = spec_.warmup_requests + spec_.measured_requests;
    if (before < start && completed_ >= start) {
      window_start_ = now;
      server_busy_start = server.busy_ns();
      client_busy_start_ = busy_ns_;
    }
    if (completed_ > start && before < end) {
      latency_.add(static_cast<std::uint64_t>(latency), spec_.pipeline);
      if (completed_ >= end) {
        window_end_ = now;
        server_busy_end = server.busy_ns();
        client_busy_end_ = busy_ns_;
        done_ = true;
      }
    }
  }

  EventLoopCosts k_;
  BenchClientCosts c_;
  WakeTail tail_;
  ClosedLoopSpec spec_;
  std::uint64_t request_bytes_;
  std::uint64_t reply_bytes_;
  std::vector<Conn> conns_;
  RingBuffer<std::uint32_t> ready_;
  std::vector<std::uint32_t> snapshot_;
  std::size_t next_ = 0;
  bool blocked_ = false;
  bool entering_block_ = false;
  bool done_ = false;
  double busy_ns_ = 0;
  double client_busy_start_ = 0;
  double client_busy_end_ = 0;
  std::uint64_t completed_ = 0;
  SimTime window_start_ = 0;
  SimTime window_end_ = 0;
  LatencyHistogram latency_;
};

// The open-loop generator: busy-polls (epoll_wait with no timeout), so it never blocks and
// needs no wake-up; each iteration sends what is due, polls, then reads every ready socket.
class OpenClient {
 public:
  OpenClient(const BenchMachine& m, const OpenLoopSpec& spec)
      : k_(m.kernel),
        c_(m.client),
        spec_(spec),
        request_bytes_(spec.shape.request_bytes()),
        reply_bytes_(spec.shape.reply_bytes()),
        conns_(spec.connections),
        mean_gap_ns_(1e9 / spec.rate_per_s),
        window_start_(spec.warmup),
        window_end_(spec.warmup + spec.duration) {
    snapshot_.reserve(spec.connections);
  }

  bool blocked() const { return false; }

  template <class Ctx>
  void start(Ctx& ctx, const RedisServerLoop&) {
    ctx.schedule(ctx.self(), window_start_, kWindowStart);
    ctx.schedule(ctx.self(), window_end_, kWindowEnd);
    next_send_ns_ = ctx.rng().exponential(mean_gap_ns_);
    schedule_send_due(ctx);
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<RedisWire>& ev, const RedisServerLoop& server) {
    switch (ev.kind) {
      case kToClient: {
        Conn& c = conns_[ev.payload.conn];
        c.arrived += ev.payload.commands;
        if (!c.in_ready) {
          c.in_ready = true;
          ready_.push_back(ev.payload.conn);
        }
        wake_from_spin(ctx);
        break;
      }
      case kSendDue:
        wake_from_spin(ctx);
        break;
      case kWindowStart:
        server_busy_start = server.busy_ns();
        break;
      case kWindowEnd:
        server_busy_end = server.busy_ns();
        break;
      default:  // kClientStep
        run(ctx, server);
        break;
    }
  }

  BenchResult result(double server_busy_ns) const {
    BenchResult r;
    r.window_s = to_seconds(window_end_ - window_start_);
    r.completed = completed_in_window_;
    r.throughput_per_s = static_cast<double>(r.completed) / r.window_s;
    r.latency = latency_;
    r.service = service_;
    r.lag = lag_;
    r.server_busy = server_busy_ns / (r.window_s * 1e9);
    r.server_cpu_per_op_ns =
        r.completed > 0 ? server_busy_ns / static_cast<double>(r.completed) : 0.0;
    r.client_busy = 1.0;  // busy-polls
    return r;
  }
  double server_busy_start = 0;
  double server_busy_end = 0;

 private:
  struct Sent {
    SimTime scheduled;
    SimTime sent;  // end of the write
  };
  struct Conn {
    RingBuffer<Sent> in_flight;
    std::uint32_t arrived = 0;
    bool in_ready = false;
  };

  template <class Ctx>
  void schedule_send_due(Ctx& ctx) {
    const SimTime due = from_nanoseconds(next_send_ns_);
    if (due >= window_end_) {
      sending_ = false;
      return;
    }
    ctx.schedule(ctx.self(), due > ctx.now() ? due - ctx.now() : 0, kSendDue);
  }

  // A spinning loop notices new work at the end of the epoll_wait under way: a uniform delay.
  template <class Ctx>
  void wake_from_spin(Ctx& ctx) {
    if (!spinning_) return;
    spinning_ = false;
    ctx.schedule(ctx.self(), from_nanoseconds(ctx.rng().uniform() * k_.poll_ns), kClientStep);
  }

  template <class Ctx>
  void finish_step(Ctx& ctx, double cost_ns) {
    worked_ = true;
    ctx.schedule(ctx.self(), from_nanoseconds(cost_ns), kClientStep);
  }

  template <class Ctx>
  void run(Ctx& ctx, const RedisServerLoop& server) {
    if (!polled_) {
      if (sending_ && from_nanoseconds(next_send_ns_) <= ctx.now()) return send(ctx, server);
      polled_ = true;
      snapshot_.clear();
      while (!ready_.empty()) {
        const std::uint32_t id = ready_.pop_front();
        conns_[id].in_ready = false;
        snapshot_.push_back(id);
      }
      next_ = 0;
      ctx.schedule(ctx.self(), from_nanoseconds(k_.poll_ns), kClientStep);
      return;
    }
    while (next_ < snapshot_.size()) {
      Conn& c = conns_[snapshot_[next_++]];
      if (c.arrived == 0) continue;
      const double cost = k_.read_cost_ns(reply_bytes_ * c.arrived) + c_.per_reply_ns * c.arrived;
      const SimTime done = ctx.now() + from_nanoseconds(cost);
      for (std::uint32_t i = 0; i < c.arrived; ++i) record(c.in_flight.pop_front(), done);
      c.arrived = 0;
      return finish_step(ctx, cost);
    }
    // End of an iteration: another one at once if this one did anything, else spin.
    polled_ = false;
    if (worked_ || (sending_ && from_nanoseconds(next_send_ns_) <= ctx.now())) {
      worked_ = false;
      return run(ctx, server);
    }
    spinning_ = true;
  }

  template <class Ctx>
  void send(Ctx& ctx, const RedisServerLoop& server) {
    const std::uint32_t id = next_conn_;
    next_conn_ = (next_conn_ + 1) % static_cast<std::uint32_t>(conns_.size());
    double cost = k_.write_cost_ns(request_bytes_);
    if (server.blocked()) cost += k_.ipi_ns;
    ctx.schedule(kServerLp, from_nanoseconds(cost), kToServer, RedisWire{id, 1, 0});
    conns_[id].in_flight.push_back(
        Sent{from_nanoseconds(next_send_ns_), ctx.now() + from_nanoseconds(cost)});
    next_send_ns_ += ctx.rng().exponential(mean_gap_ns_);
    schedule_send_due(ctx);
    finish_step(ctx, cost);
  }

  void record(const Sent& s, SimTime done) {
    if (done >= window_start_ && done < window_end_) ++completed_in_window_;
    if (s.scheduled < window_start_ || s.scheduled >= window_end_) return;
    latency_.add(static_cast<std::uint64_t>(done - s.scheduled));
    service_.add(static_cast<std::uint64_t>(done - s.sent));
    lag_.add(static_cast<std::uint64_t>(s.sent - s.scheduled));
  }

  EventLoopCosts k_;
  BenchClientCosts c_;
  OpenLoopSpec spec_;
  std::uint64_t request_bytes_;
  std::uint64_t reply_bytes_;
  std::vector<Conn> conns_;
  RingBuffer<std::uint32_t> ready_;
  std::vector<std::uint32_t> snapshot_;
  std::size_t next_ = 0;
  double mean_gap_ns_;
  double next_send_ns_ = 0;
  std::uint32_t next_conn_ = 0;
  SimTime window_start_;
  SimTime window_end_;
  bool sending_ = true;
  bool spinning_ = true;  // nothing to do until the first send is due
  bool polled_ = false;
  bool worked_ = false;
  std::uint64_t completed_in_window_ = 0;
  LatencyHistogram latency_;
  LatencyHistogram service_;
  LatencyHistogram lag_;
};

template <class Client>
class BenchModel {
 public:
  using Payload = RedisWire;

  BenchModel(const BenchMachine& m, const CommandShape& shape, std::uint32_t connections,
             Client client)
      : client_(std::move(client)),
        server_(m.kernel, m.commands, std::vector<CommandShape>{shape}, connections, kServerStep,
                kServerWake, m.wake_tail) {}

  std::uint32_t lp_count() const { return 2; }

  template <class Ctx>
  void init(Ctx& ctx) {
    if (ctx.self() == kClientLp) {
      client_.start(ctx, server_);
    } else {
      ServerHost<Client> host{&client_};
      server_.start(ctx, host);
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<RedisWire>& ev) {
    ServerHost<Client> host{&client_};
    switch (ev.kind) {
      case kToServer:
        server_.on_request(ctx, ev.payload);
        break;
      case kServerStep:
        server_.on_step(ctx, host);
        break;
      case kServerWake:
        server_.on_wake(ctx, host);
        break;
      default:
        client_.handle(ctx, ev, server_);
        break;
    }
  }

  const Client& client() const { return client_; }
  const RedisServerLoop& server() const { return server_; }

 private:
  Client client_;
  RedisServerLoop server_;
};

template <class Client>
BenchResult finish(const BenchModel<Client>& model) {
  const Client& c = model.client();
  BenchResult r = c.result(c.server_busy_end - c.server_busy_start);
  const RedisServerLoop& s = model.server();
  r.commands_per_read =
      s.reads() > 0 ? static_cast<double>(s.commands_executed()) / static_cast<double>(s.reads())
                    : 0.0;
  return r;
}

}  // namespace

BenchResult run_closed_loop(const BenchMachine& machine, const ClosedLoopSpec& spec,
                            std::uint64_t seed) {
  BenchModel<ClosedClient> model(machine, spec.shape, spec.clients, ClosedClient(machine, spec));
  SequentialKernel<BenchModel<ClosedClient>> kernel(model, seed);
  kernel.init();
  kernel.run();
  return finish(model);
}

BenchResult run_open_loop(const BenchMachine& machine, const OpenLoopSpec& spec,
                          std::uint64_t seed) {
  BenchModel<OpenClient> model(machine, spec.shape, spec.connections, OpenClient(machine, spec));
  SequentialKernel<BenchModel<OpenClient>> kernel(model, seed);
  kernel.init();
  kernel.run();
  return finish(model);
}

}  // namespace scalesim::hardware
