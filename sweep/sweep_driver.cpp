#include "sweep/sweep_driver.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <utility>

#include "scalesim/byte_buffer.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#include "scalesim/interrupt.h"
#include "scalesim/parallel/shared_counter.h"

namespace scalesim {

namespace {

using Clock = std::chrono::steady_clock;

void put_results(ByteWriter& w, const std::vector<SweepRunResult>& results) {
  w.put(static_cast<std::uint64_t>(results.size()));
  for (const auto& r : results) {
    w.put(r.point);
    w.put(r.replication);
    w.put_vector(r.values);
  }
}

std::vector<SweepRunResult> get_results(ByteReader& r) {
  const auto n = r.get<std::uint64_t>();
  std::vector<SweepRunResult> out(n);
  for (auto& x : out) {
    x.point = r.get<std::uint32_t>();
    x.replication = r.get<std::uint32_t>();
    x.values = r.get_vector<double>();
  }
  return out;
}

// Rank 0's progress report: a line rewritten in place on a terminal, periodic lines otherwise.
class Progress {
 public:
  Progress(std::uint64_t total, std::uint64_t resumed, const SweepDriverOptions& o)
      : total_(total), resumed_(resumed), tty_(isatty(STDERR_FILENO) != 0), options_(o) {}

  void update(std::uint64_t done, bool last) {
    if (options_.quiet) return;
    const auto now = Clock::now();
    const double since_print = std::chrono::duration<double>(now - printed_).count();
    if (!last && since_print < (tty_ ? 0.25 : options_.log_interval_s)) return;
    printed_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const std::uint64_t left = total_ > done ? total_ - done : 0;
    char eta[32] = "-";
    if (rate > 0) std::snprintf(eta, sizeof eta, "%.0f s", static_cast<double>(left) / rate);
    std::fprintf(
        stderr, "%ssweep: %llu/%llu runs (%.0f%%), %.3g runs/s, ETA %s%s%s", tty_ ? "\r" : "",
        static_cast<unsigned long long>(done) + static_cast<unsigned long long>(resumed_),
        static_cast<unsigned long long>(total_) + static_cast<unsigned long long>(resumed_),
        total_ + resumed_ > 0
            ? 100.0 * static_cast<double>(done + resumed_) / static_cast<double>(total_ + resumed_)
            : 100.0,
        rate, eta, tty_ ? "   " : "", tty_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  std::uint64_t total_, resumed_;
  bool tty_;
  SweepDriverOptions options_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point printed_ = Clock::now();
};

}  // namespace

SweepDriverOutcome drive_sweep(const SweepSpec& spec, const std::vector<std::string>& metric_names,
                               Transport& transport, const SweepDriverOptions& options,
                               const SweepCompute& compute) {
  const bool root = transport.rank() == 0;
  const auto reps = static_cast<std::uint32_t>(spec.replications);
  const auto points = static_cast<std::uint32_t>(spec.points.size());

  // Rank 0 reads what earlier attempts finished and tells everyone, so all ranks agree on the
  // pending list even without a shared file system; nobody appends before everyone has it.
  std::vector<SweepRunResult> resumed;
  {
    ByteWriter w;
    std::string error;
    if (root) {
      try {
        resumed = SweepJournal::read_all(options.output, spec.fingerprint, metric_names);
      } catch (const std::exception& e) {
        error = e.what();
      }
      w.put_vector(std::vector<char>(error.begin(), error.end()));
      put_results(w, resumed);
    }
    const auto all = transport.allgather(w.bytes());
    ByteReader r(all[0].data(), all[0].size());
    const auto text = r.get_vector<char>();
    error.assign(text.begin(), text.end());
    if (!error.empty()) throw std::runtime_error(error);
    if (!root) resumed = get_results(r);
  }
  std::vector<std::uint8_t> have(static_cast<std::size_t>(points) * reps, 0);
  for (const auto& x : resumed) {
    if (x.point < points && x.replication < reps)
      have[static_cast<std::size_t>(x.point) * reps + x.replication] = 1;
  }
  std::vector<SweepTask> pending;
  for (std::uint32_t p = options.shard_index; p < points; p += options.shard_count) {
    bool any_missing = false;
    for (std::uint32_t r = 0; r < reps; ++r) any_missing |= have[std::size_t{p} * reps + r] == 0;
    for (std::uint32_t r = 0; r < reps; ++r) {
      // Whole-point backends recompute every replication of a point with any missing (the
      // values are identical by construction; the journal keeps the first copy).
      if (options.whole_points ? any_missing : have[std::size_t{p} * reps + r] == 0)
        pending.push_back({p, r});
    }
  }
  transport.barrier();

  const std::uint64_t total = pending.size();
  const std::uint64_t chunk =
      std::max<std::uint64_t>(1, options.whole_points ? options.chunk * reps : options.chunk);
  SharedCounter counter(transport, 2);  // slot 0: next task, slot 1: tasks done
  SweepJournal journal(options.output, transport.rank(), spec.fingerprint, metric_names);
  Progress progress(total, resumed.size(), options);
  const bool threaded = options.workers > 1 && SharedCounter::thread_calls_allowed();
  const int workers = threaded ? options.workers : 1;

  std::mutex lock;  // the counter, the journal, the progress line and `mine`
  std::vector<SweepRunResult> mine;
  std::exception_ptr error;
  std::uint64_t done_here = 0;
  auto work = [&](int worker) {
    for (;;) {
      std::uint64_t first = 0;
      {
        const std::lock_guard<std::mutex> g(lock);
        if (error || stop_requested()) return;
        first = counter.fetch_add(0, chunk);
      }
      if (first >= total) return;
      const std::uint64_t last = std::min(total, first + chunk);
      std::vector<SweepRunResult> results;
      try {
        results = compute(std::span<const SweepTask>(pending.data() + first, last - first), worker);
      } catch (...) {
        const std::lock_guard<std::mutex> g(lock);
        if (!error) error = std::current_exception();
        return;
      }
      const std::lock_guard<std::mutex> g(lock);
      for (const auto& r : results) journal.append(r);
      const std::uint64_t before = counter.fetch_add(1, results.size());
      done_here += results.size();
      if (root) progress.update(before + results.size(), false);
      for (auto& r : results) mine.push_back(std::move(r));
    }
  };
  if (workers == 1) {
    work(0);
  } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
    work(omp_get_thread_num());
#else
    work(0);
#endif
  }
  if (error) {
    // Every rank must learn of it; a rank whose run failed brings the job down with the message.
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      if (transport.size() > 1) {
        transport.abort(4, std::string("a sweep run failed: ") + e.what());
      }
      throw;
    }
  }

  SweepDriverOutcome out;
  std::vector<std::uint64_t> sums = {done_here, stop_requested() ? 1u : 0u};
  transport.allreduce_sum(sums);
  out.runs_done_here = sums[0];
  out.interrupted = sums[1] > 0;
  out.runs_resumed = resumed.size();
  if (root && !out.interrupted) progress.update(sums[0], true);
  ByteWriter w;
  put_results(w, mine);
  const auto gathered = transport.gather(w.bytes(), 0);
  if (root) {
    out.results = std::move(resumed);
    for (const auto& bytes : gathered) {
      ByteReader r(bytes.data(), bytes.size());
      for (auto& x : get_results(r)) out.results.push_back(std::move(x));
    }
  }
  return out;
}

SweepTable make_table(const SweepSpec& spec, const std::vector<std::string>& metric_names,
                      const std::string& backend, const std::vector<SweepRunResult>& results) {
  SweepTable t;
  t.backend = backend;
  for (const auto& p : spec.parameters) t.parameter_paths.push_back(p.path);
  t.points = spec.points;
  t.metric_names = metric_names;
  t.replications = spec.replications;
  t.seed = spec.seed;
  t.spec_text = spec.text;
  t.fingerprint = spec.fingerprint;
  const std::size_t m = metric_names.size();
  const auto reps = static_cast<std::size_t>(spec.replications);
  t.values.assign(spec.points.size() * reps * m, std::nan(""));
  std::vector<std::uint8_t> seen(spec.points.size() * reps, 0);
  for (const auto& r : results) {
    const std::size_t k = std::size_t{r.point} * reps + r.replication;
    if (r.point >= spec.points.size() || r.replication >= reps || seen[k] || r.values.size() != m)
      continue;
    seen[k] = 1;
    std::copy(r.values.begin(), r.values.end(),
              t.values.begin() + static_cast<std::ptrdiff_t>(k * m));
  }
  return t;
}

}  // namespace scalesim
