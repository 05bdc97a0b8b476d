// What a component reports of a run, declared once by the component (`report(ComponentReport&,
// const ReportContext&) const`): each statistic with its key, unit and where it is shown. The
// text summary, --json, HDF5 /components and /summary, the metrics that SLOs and sweeps name and
// the --replications intervals are all written from this, so a statistic has one name
// everywhere: the JSON key `k` of component NAME is the HDF5 attribute `k` of
// /components/NAME and the metric `NAME.k`.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scalesim/event.h"
#include "scalesim/sim_time.h"
#include "scalesim/stats/latency_histogram.h"

namespace scalesim {

enum class Unit : std::uint8_t { kCount, kNumber, kShare, kSeconds, kPerSecond, kBytes, kDollars };

// Where a statistic is shown besides --json, HDF5 and the analysis metrics, which hold them all.
enum Show : std::uint8_t {
  kDetail = 0,
  kHeadline = 1,  // a headline metric (SLOs, sweeps, the `metrics` object) and in the text
  kText = 2,      // in the text summary only
};

// The parts of a latency distribution (`latency(...)`), to say which are headline metrics.
enum LatencyPart : std::uint8_t {
  kNoPart = 0,
  kMean = 1,
  kP50 = 2,
  kP90 = 4,
  kP99 = 8,
  kP999 = 16,
};

// What a component may read while it reports.
struct ReportContext {
  SimTime end_time = 0;                // when statistics were taken
  double measured_s = 0;               // seconds they cover (after the warm-up)
  std::span<const std::string> names;  // component names by LP
  std::span<const LpId> classes;       // the request classes: sources and traces, by LP

  const std::string& name_of(LpId lp) const { return names[lp]; }
  // Events per measured second (0 when nothing was measured).
  double per_second(double n) const { return measured_s > 0 ? n / measured_s : 0.0; }
};

class ComponentReport {
 public:
  struct Scalar {
    std::string key;
    Unit unit;
    double value;
    std::uint8_t show;
  };
  struct Text {
    std::string key;
    std::string value;
    std::uint8_t show;
  };
  // A latency distribution in nanoseconds; its scalars (mean_W_s, p50_W_s, ...) are in scalars().
  struct Latency {
    std::string what;
    const LatencyHistogram* histogram;
    bool primary;   // the component's main latency: `latency_histogram`, /summary's columns
    double mean_s;  // NaN when not known
  };
  struct Column {
    std::string name;
    Unit unit;
    bool metric;  // each row's cell is the metric NAME.<prefix><row>.<name>
    std::uint8_t show;
  };
  // Rows named by a key (a request class, a priority level, a route): JSON an array of objects
  // {row_key: row, column: value, ...}; HDF5 a group with an array per column and the row names
  // as attribute `rows_key`.
  struct Table {
    std::string key, row_key, rows_key, metric_prefix;
    std::vector<Column> columns;
    std::vector<std::string> rows;
    std::vector<double> cells;  // row-major
  };

  // --- declaring (the component calls these, in the order it wants them shown) ---
  void count(std::string key, std::uint64_t n, std::uint8_t show = kDetail) {
    scalars_.push_back({std::move(key), Unit::kCount, static_cast<double>(n), show});
  }
  void value(std::string key, double v, Unit unit, std::uint8_t show = kDetail) {
    scalars_.push_back({std::move(key), unit, v, show});
  }
  void text(std::string key, std::string v, std::uint8_t show = kDetail) {
    texts_.push_back({std::move(key), std::move(v), show});
  }
  // mean_W_s (when `mean_s` is given), p50/p90/p99/p999_W_s (from `h`, nanoseconds); with
  // `p_positive`, also p_W_positive = P(W > 0). `headline` and `shown` are LatencyPart masks.
  void latency(const std::string& what, std::optional<double> mean_s, const LatencyHistogram& h,
               unsigned headline, unsigned shown = kMean | kP99, bool primary = false,
               bool p_positive = false);
  // A table; row() adds rows to the table declared last.
  void table(std::string key, std::string row_key, std::string rows_key,
             std::vector<Column> columns, std::string metric_prefix = {});
  void row(std::string name, std::initializer_list<double> cells);
  // The /summary row's count (requests served, rounds, runs...).
  void summary_count(std::uint64_t n) { summary_count_ = n; }
  // Toward the topology's cost per million requests: dollars per second of compute in use, and
  // requests per second delivered (sinks).
  void compute_cost_per_s(double d) { compute_cost_per_s_ += d; }
  void delivered_per_s(double r) { delivered_per_s_ += r; }

  // --- reading (the writers) ---
  const std::vector<Scalar>& scalars() const { return scalars_; }
  const std::vector<Text>& texts() const { return texts_; }
  const std::vector<Latency>& latencies() const { return latencies_; }
  const std::vector<Table>& tables() const { return tables_; }
  std::uint64_t summary_count() const { return summary_count_; }
  double compute_cost_per_s() const { return compute_cost_per_s_; }
  double delivered_per_s() const { return delivered_per_s_; }
  // The scalar of that key, or null.
  const Scalar* find(std::string_view key) const;

 private:
  std::vector<Scalar> scalars_;
  std::vector<Text> texts_;
  std::vector<Latency> latencies_;
  std::vector<Table> tables_;
  std::uint64_t summary_count_ = 0;
  double compute_cost_per_s_ = 0;
  double delivered_per_s_ = 0;
};

}  // namespace scalesim
