// The Monte Carlo kernel: one replication of one McModel, as host/device code. The same source
// is compiled by g++ (mc_cpu.cpp, OpenMP over replications) and by nvcc (mc_cuda.cu, one
// replication per GPU thread), and gives the same bits on both: the arithmetic is + - * / and
// sqrt only (no libm or CUDA math library; own mc_log/mc_exp), compiled without FMA contraction
// (-ffp-contract=off, --fmad=false).
//
// Algorithm: nodes in topological order. A node gathers the customers that reach it with their
// arrival times (kept per customer id in an arrival buffer, the max over the edges taken), a
// station sorts them by (arrival, id) and runs a Kiefer-Wolfowitz recursion over its servers
// (earliest free server first; batches with Triton's timeout semantics), and writes each
// customer's departure plus the edge delay into its successor's arrival buffer.
//
// Workspace: arrays of `capacity` elements; on the GPU they are interleaved across threads
// (element i of lane l at i * lanes + l) so that lanes working in step access memory together.
#pragma once

#include "sweep/mc/mc_math.h"
#include "sweep/mc/mc_plan.h"
#include "sweep/mc/mc_random.h"
#include "sweep/mc/mc_selection.h"

namespace scalesim::mc::kernel {
inline namespace SCALESIM_MC_ISA {

template <bool kS>
SCALESIM_HD inline void heap_replace_top(View<double, kS> h, std::int64_t n, double x) {
  std::int64_t i = 0;
  for (;;) {
    std::int64_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1] < h[c]) ++c;
    if (!(h[c] < x)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

// Gives the earliest free server of servers[0, ns) the free time `done` and returns the new
// earliest free time. Servers are alike, so only the multiset of free times matters: up to 8 are
// kept sorted, the earliest dropped and `done` merged in branch-free (element j of the result is
// min(servers[j + 1], max(servers[j], done)), so the new earliest is one min away from `done`
// on the recursion's critical path); more are a heap, whose sift-down mispredicts on small
// pools. Either way the same times come out. Every server is free at 0 at the start (sorted).
inline constexpr std::int64_t kSortedServers = 8;
template <bool kS>
SCALESIM_HD SCALESIM_MC_INLINE double replace_earliest(View<double, kS> servers, std::int64_t ns,
                                                       double done) {
  if (ns > kSortedServers) {
    heap_replace_top<kS>(servers, ns, done);
    return servers[0];
  }
  double below = servers[1];  // the old servers[j], read before servers[j - 1] is written
  const double first = below < done ? below : done;
  servers[0] = first;
  for (std::int64_t j = 1; j + 1 < ns; ++j) {
    const double next = servers[j + 1];
    const double floor = below > done ? below : done;
    servers[j] = next < floor ? next : floor;
    below = next;
  }
  servers[ns - 1] = below > done ? below : done;
  return first;
}

SCALESIM_HD inline bool in_window(double t, double w0, double w1) {
  return t >= w0 && t < w1;
}

// Whether node v, the first to write `to`'s arrival buffer and sending it every customer, stores
// arrival times there outright (the buffer is not initialised).
SCALESIM_HD inline bool stores_first(const Plan& plan, int v, int to) {
  return plan.node[to].first_pred == v && plan.node[to].first_writes_all != 0;
}

// What a station's pass accumulated, as its metric slots o[0, kNodeMetrics). vals: the measured
// customers' sojourns; scratch: cnt elements for the percentile.
struct StationTotals {
  double busy = 0;           // server time inside the window
  double busy_replicas = 0;  // replica time with a server busy inside the window
  double wait_sum = 0;
  double sojourn_sum = 0;
  std::int64_t measured = 0;
  std::int64_t departures = 0;
  std::int64_t services = 0;
  std::int64_t batched = 0;
};

template <bool kS>
SCALESIM_HD inline void station_metrics(double* o, const Node& node, const StationTotals& t,
                                        double window, View<double, kS> vals,
                                        View<double, kS> scratch) {
  o[kStationBusyReplicas] = t.busy_replicas / window;
  if (t.measured > 0) {
    const double dm = static_cast<double>(t.measured);
    o[kStationMeanWait] = t.wait_sum / dm;
    o[kStationMeanSojourn] = t.sojourn_sum / dm;
    o[kStationP99Sojourn] =
        select_rank_sampled<kS>(vals, t.measured, quantile_index(t.measured, 99, 100), scratch);
  }
  o[kStationUtilisation] = t.busy / (static_cast<double>(node.servers) * window);
  if (t.services > 0) {
    o[kStationMeanBatch] = static_cast<double>(t.batched) / static_cast<double>(t.services);
  }
  o[kStationThroughput] = static_cast<double>(t.departures) / window;
  o[kStationVisits] = static_cast<double>(t.measured);
}

// A station without batching or replicas: the Kiefer-Wolfowitz recursion alone, each customer
// to the earliest free of its servers (the same arithmetic, in the same order, as the general
// loop in simulate()). kIdentity: tq is the arrival buffer itself, every customer in id order
// (customer j is id j), so nothing was gathered or sorted.
template <bool kS, bool kIdentity>
SCALESIM_HD inline void serve_plain(const Node& node, const NodePlan& np, double factor, Stream& st,
                                    View<double, kS> tq, View<std::int32_t, kS> iq,
                                    std::int64_t cnt, View<double, kS> outbuf, bool store,
                                    double delay, double w0, double w1, View<double, kS> servers,
                                    View<double, kS> vals, View<double, kS> scratch, double* o) {
  const std::int64_t ns = node.servers < cnt ? node.servers : cnt;
  for (std::int64_t s = 0; s < ns; ++s) servers[s] = 0.0;
  double front = 0.0;  // the earliest free server
  StationTotals t;
  for (std::int64_t i = 0; i < cnt; ++i) {
    const double a = tq[i];
    const double d = front > a ? front : a;
    const double done = d + draw(node.dist, np, st) * factor;
    front = ns == 1 ? done : replace_earliest<kS>(servers, ns, done);
    const double lo = d > w0 ? d : w0;
    const double hi = done < w1 ? done : w1;
    t.busy += hi > lo ? hi - lo : 0.0;
    t.services += in_window(d, w0, w1) ? 1 : 0;
    t.departures += in_window(done, w0, w1) ? 1 : 0;
    const std::int64_t c = kIdentity ? i : iq[i];
    const double leave = done + delay;
    if (store || leave > outbuf[c]) outbuf[c] = leave;
    if (in_window(a, w0, w1)) {
      t.wait_sum += d - a;
      const double so = done - a;
      t.sojourn_sum += so;
      vals[t.measured] = so;
      ++t.measured;
    }
  }
  t.batched = t.services;
  t.busy_replicas = t.busy;
  station_metrics<kS>(o, node, t, w1 - w0, vals, scratch);
}

// ---------------------------------------------------------------------------------------------
// One replication. out: the row of node_count * kNodeMetrics metrics (written in full for the
// model's nodes). visits: station visits. Returns a Status.

template <bool kS>
SCALESIM_HD inline std::int32_t simulate(const McModel& m, const Plan& plan, std::uint64_t seed,
                                         std::uint64_t rep, const Workspace<kS>& w, double* out,
                                         std::uint64_t* visits) {
  const double w0 = m.warmup_s;
  const double w1 = m.end_s;
  const double window = w1 - w0;
  const std::int64_t cap = w.capacity;
  std::uint64_t station_visits = 0;
  for (int k = 0; k < m.node_count * kNodeMetrics; ++k) out[k] = 0.0;

  // Customers of every source, ids in blocks by source index.
  std::int32_t src_begin[kMaxNodes];
  std::int32_t src_end[kMaxNodes];
  std::int64_t n = 0;
  for (int v = 0; v < m.node_count; ++v) {
    src_begin[v] = 0;
    src_end[v] = 0;
    const Node& node = m.nodes[v];
    if (node.kind != NodeKind::kSource) continue;
    Stream st(seed, rep, v, kPurposeSource);
    src_begin[v] = static_cast<std::int32_t>(n);
    double t = 0;
    std::int64_t counted = 0;
    for (;;) {
      t += draw(node.dist, plan.node[v], st);
      if (!(t < w1)) break;
      if (n >= cap) {
        *visits = 0;
        return kCapacityExceeded;
      }
      w.create[n] = t;
      ++n;
      if (t >= w0) ++counted;
    }
    src_end[v] = static_cast<std::int32_t>(n);
    out[v * kNodeMetrics + 0] = static_cast<double>(counted);
  }

  for (int v = 0; v < m.node_count; ++v) {
    const Node& node = m.nodes[v];
    // Initialise the arrival buffers this node is the first to write.
    for (int e = node.first_edge; e < node.first_edge + node.edge_count; ++e) {
      const int to = m.edges[e].to;
      if (plan.node[to].first_pred != v || plan.node[to].first_writes_all != 0) continue;
      const View<double, kS> a = w.slot(plan.node[to].slot);
      for (std::int64_t c = 0; c < n; ++c) a[c] = -1.0;
    }
    double* o = out + v * kNodeMetrics;
    switch (node.kind) {
      case NodeKind::kSource: {
        const Edge& e = m.edges[node.first_edge];
        const View<double, kS> a = w.slot(plan.node[e.to].slot);
        if (stores_first(plan, v, e.to)) {
          for (std::int64_t c = src_begin[v]; c < src_end[v]; ++c) a[c] = w.create[c] + e.delay;
        } else {
          for (std::int64_t c = src_begin[v]; c < src_end[v]; ++c) {
            const double t = w.create[c] + e.delay;
            if (t > a[c]) a[c] = t;
          }
        }
        break;
      }
      case NodeKind::kStation: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        const Edge& e = m.edges[node.first_edge];
        const View<double, kS> outbuf = w.slot(plan.node[e.to].slot);
        const bool store = stores_first(plan, v, e.to);
        const bool plain = node.max_batch == 1 && node.instances <= 1;
        const double factor = node.batch_table >= 0 ? m.batch_factor[node.batch_table] : 1.0;
        const NodePlan& np = plan.node[v];
        Stream st(seed, rep, v, kPurposeService);
        if (plain && np.reaches_all != 0) {
          // Every customer is here; if in id order already, serve straight from the buffer.
          int unsorted = 0;
          for (std::int64_t c = 1; c < n; ++c) unsorted |= in[c] < in[c - 1] ? 1 : 0;
          if (unsorted == 0) {
            station_visits += static_cast<std::uint64_t>(n);
            if (n > 0) {
              serve_plain<kS, true>(node, np, factor, st, in, w.i0, n, outbuf, store, e.delay, w0,
                                    w1, w.servers, w.t0, w.t1, o);
            }
            break;
          }
        }
        // Gather in id order; ids increase, so the pairs are sorted iff the times never drop.
        std::int64_t cnt = 0;
        double previous = 0.0;
        bool unsorted = false;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t >= 0.0) {
            w.t0[cnt] = t;
            w.i0[cnt] = static_cast<std::int32_t>(c);
            ++cnt;
            unsorted = unsorted || t < previous;
            previous = t;
          }
        }
        station_visits += static_cast<std::uint64_t>(cnt);
        if (cnt == 0) break;
        const bool second = unsorted && sort_pairs<kS>(w.t0, w.i0, w.t1, w.i1, cnt);
        const View<double, kS> tq = second ? w.t1 : w.t0;
        const View<std::int32_t, kS> iq = second ? w.i1 : w.i0;
        const View<double, kS> vals = second ? w.t0 : w.t1;
        if (plain) {
          serve_plain<kS, false>(node, np, factor, st, tq, iq, cnt, outbuf, store, e.delay, w0, w1,
                                 w.servers, vals, tq, o);
          break;
        }
        const double delay = e.delay;
        std::int64_t ns = node.servers;
        if (ns > cnt) ns = cnt;
        for (std::int64_t s = 0; s < ns; ++s) w.servers[s] = 0.0;
        // Replicas of `instances` servers each; with one instance per replica the heap does.
        const std::int64_t per = node.instances > 1 ? node.instances : 1;
        const std::int64_t replicas = (ns + per - 1) / per;
        for (std::int64_t r = 0; r < replicas; ++r) w.covered[r] = 0.0;
        double front = 0.0;  // the earliest free server (with replicas: unused)
        const std::int64_t batch = node.max_batch;
        const double tau = node.batch_timeout;
        double busy = 0;
        double busy_replicas = 0;
        double wait_sum = 0;
        double sojourn_sum = 0;
        std::int64_t measured = 0;
        std::int64_t departures = 0;
        std::int64_t services = 0;
        std::int64_t batched = 0;
        std::int64_t i = 0;
        while (i < cnt) {
          // The earliest free server.
          double f = front;
          if (per > 1) {
            f = w.servers[0];
            for (std::int64_t s = 1; s < ns; ++s) f = w.servers[s] < f ? w.servers[s] : f;
          }
          const double ai = tq[i];
          double d = f > ai ? f : ai;
          std::int64_t k = i;
          if (batch > 1) {
            // Triton's rule at time d: a full batch, or the largest preferred size the waiting
            // requests make, goes at once; otherwise they are held until the next size is
            // reached or the oldest has waited tau, whichever comes first.
            std::int64_t last = i + batch - 1;
            if (last > cnt - 1) last = cnt - 1;
            while (k < last && tq[k + 1] <= d) ++k;
            std::int64_t waiting = k - i + 1;
            std::int64_t go = waiting == batch ? batch : 0;
            for (int q = node.preferred_count - 1; go == 0 && q >= 0; --q) {
              const std::int64_t p = m.preferred[node.preferred_first + q];
              if (p <= waiting) go = p;
            }
            if (go == 0 && ai + tau > d) {
              // The next size that would trigger: the smallest preferred above `waiting`, or
              // a full batch.
              std::int64_t next = batch;
              for (int q = 0; q < node.preferred_count; ++q) {
                const std::int64_t p = m.preferred[node.preferred_first + q];
                if (p > waiting) {
                  next = p;
                  break;
                }
              }
              const double deadline = ai + tau;
              if (i + next - 1 < cnt && tq[i + next - 1] < deadline) {
                d = tq[i + next - 1];
                go = next;
              } else {
                d = deadline;
                while (k < last && tq[k + 1] <= d) ++k;
                go = k - i + 1;
              }
            } else if (go == 0) {
              go = waiting;
            }
            k = i + go - 1;
          }
          const std::int64_t size = k - i + 1;
          // Which server: with replicas, the least-busy replica's first free server (ties: the
          // lowest replica), and how many of its servers run with this batch.
          std::int64_t server = 0;
          std::int64_t busy_here = 1;
          if (per > 1) {
            std::int64_t best_busy = per + 1;
            for (std::int64_t r = 0; r < replicas; ++r) {
              std::int64_t running = 0;
              std::int64_t free_one = -1;
              const std::int64_t end = (r + 1) * per < ns ? (r + 1) * per : ns;
              for (std::int64_t s = r * per; s < end; ++s) {
                if (w.servers[s] > d) {
                  ++running;
                } else if (free_one < 0) {
                  free_one = s;
                }
              }
              if (free_one >= 0 && running < best_busy) {
                best_busy = running;
                server = free_one;
              }
            }
            busy_here = best_busy + 1;
          }
          double service = draw(node.dist, np, st);
          if (node.batch_table >= 0)
            service =
                service * m.batch_factor[node.batch_table + (busy_here - 1) * batch + size - 1];
          const double done = d + service;
          if (per > 1) {
            w.servers[server] = done;
            // Busy replicas: the union of the replica's busy intervals (starts come in order).
            const std::int64_t r = server / per;
            double lo = d > w0 ? d : w0;
            if (w.covered[r] > lo) lo = w.covered[r];
            const double hi = done < w1 ? done : w1;
            if (hi > lo) busy_replicas += hi - lo;
            if (done > w.covered[r]) w.covered[r] = done;
          } else {
            front = ns == 1 ? done : replace_earliest<kS>(w.servers, ns, done);
          }
          {
            const double lo = d > w0 ? d : w0;
            const double hi = done < w1 ? done : w1;
            if (hi > lo) busy += hi - lo;
          }
          if (in_window(d, w0, w1)) {
            ++services;
            batched += size;
          }
          const bool done_in = in_window(done, w0, w1);
          const double leave = done + delay;
          for (std::int64_t j = i; j <= k; ++j) {
            const double a = tq[j];
            const std::int32_t c = iq[j];
            if (store || leave > outbuf[c]) outbuf[c] = leave;
            if (done_in) ++departures;
            if (in_window(a, w0, w1)) {
              wait_sum += d - a;
              const double so = done - a;
              sojourn_sum += so;
              vals[measured] = so;
              ++measured;
            }
          }
          i = k + 1;
        }
        StationTotals totals;
        totals.busy = busy;
        totals.busy_replicas = per > 1 ? busy_replicas : busy;
        totals.wait_sum = wait_sum;
        totals.sojourn_sum = sojourn_sum;
        totals.measured = measured;
        totals.departures = departures;
        totals.services = services;
        totals.batched = batched;
        station_metrics<kS>(o, node, totals, window, vals, tq);
        break;
      }
      case NodeKind::kRouter: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        Stream st(seed, rep, v, kPurposeRoute);
        std::int64_t taken[kNodeMetrics] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::int64_t measured = 0;
        const int last = node.edge_count - 1;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t < 0.0) continue;
          const double u = st.uniform_at(static_cast<std::uint64_t>(c));
          int k = 0;
          double acc = m.edges[node.first_edge].probability;
          while (k < last && !(u < acc)) {
            ++k;
            acc += m.edges[node.first_edge + k].probability;
          }
          const Edge& e = m.edges[node.first_edge + k];
          const double t2 = t + e.delay;
          const View<double, kS> a = w.slot(plan.node[e.to].slot);
          if (t2 > a[c]) a[c] = t2;
          if (in_window(t, w0, w1)) {
            ++measured;
            if (k < kNodeMetrics) ++taken[k];
          }
        }
        if (measured > 0) {
          for (int k = 0; k < kNodeMetrics; ++k) {
            o[k] = static_cast<double>(taken[k]) / static_cast<double>(measured);
          }
        }
        break;
      }
      case NodeKind::kFork: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        for (int ei = node.first_edge; ei < node.first_edge + node.edge_count; ++ei) {
          const Edge& e = m.edges[ei];
          const View<double, kS> a = w.slot(plan.node[e.to].slot);
          if (stores_first(plan, v, e.to)) {
            for (std::int64_t c = 0; c < n; ++c) a[c] = in[c] + e.delay;
            continue;
          }
          for (std::int64_t c = 0; c < n; ++c) {
            const double t = in[c];
            if (t < 0.0) continue;
            const double t2 = t + e.delay;
            if (t2 > a[c]) a[c] = t2;
          }
        }
        break;
      }
      case NodeKind::kSink: {
        const View<double, kS> in = w.slot(plan.node[v].slot);
        const View<double, kS> vals = w.t0;
        std::int64_t measured = 0;
        std::int64_t arrivals = 0;
        double sum = 0;
        for (std::int64_t c = 0; c < n; ++c) {
          const double t = in[c];
          if (t < 0.0) continue;
          if (in_window(t, w0, w1)) ++arrivals;
          const double cr = w.create[c];
          if (in_window(cr, w0, w1)) {
            const double lat = t - cr;
            sum += lat;
            vals[measured] = lat;
            ++measured;
          }
        }
        o[kSinkThroughput] = static_cast<double>(arrivals) / window;
        o[kSinkCount] = static_cast<double>(measured);
        if (measured > 0) {
          o[kSinkMeanLatency] = sum / static_cast<double>(measured);
          const std::int64_t k50 = quantile_index(measured, 50, 100);
          const std::int64_t k95 = quantile_index(measured, 95, 100);
          const std::int64_t k99 = quantile_index(measured, 99, 100);
          o[kSinkP50Latency] = select_rank_sampled<kS>(vals, measured, k50, w.t1);
          o[kSinkP95Latency] = select_rank_sampled<kS>(vals, measured, k95, w.t1);
          o[kSinkP99Latency] = select_rank_sampled<kS>(vals, measured, k99, w.t1);
        }
        break;
      }
    }
  }
  *visits = station_visits;
  return kOk;
}

}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
