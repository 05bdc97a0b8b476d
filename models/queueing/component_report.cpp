#include "models/queueing/component_report.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace scalesim {

void ComponentReport::latency(const std::string& what, std::optional<double> mean_s,
                              const LatencyHistogram& h, unsigned headline, unsigned shown,
                              bool primary, bool p_positive) {
  auto show = [&](unsigned part) {
    return static_cast<std::uint8_t>(((headline & part) != 0 ? kHeadline : kDetail) |
                                     ((shown & part) != 0 ? kText : kDetail));
  };
  if (mean_s) value("mean_" + what + "_s", *mean_s, Unit::kSeconds, show(kMean));
  static constexpr std::pair<const char*, double> kQuantiles[] = {
      {"p50_", 0.5}, {"p90_", 0.9}, {"p99_", 0.99}, {"p999_", 0.999}};
  unsigned part = kP50;
  for (const auto& [tag, q] : kQuantiles) {
    value(tag + what + "_s", h.quantile(q) * 1e-9, Unit::kSeconds, show(part));
    part <<= 1;
  }
  if (p_positive) value("p_" + what + "_positive", h.share_above_zero(), Unit::kShare);
  latencies_.push_back({what, &h, primary, mean_s.value_or(std::nan(""))});
}

void ComponentReport::table(std::string key, std::string row_key, std::string rows_key,
                            std::vector<Column> columns, std::string metric_prefix) {
  tables_.push_back({std::move(key),
                     std::move(row_key),
                     std::move(rows_key),
                     std::move(metric_prefix),
                     std::move(columns),
                     {},
                     {}});
}

void ComponentReport::row(std::string name, std::initializer_list<double> cells) {
  assert(!tables_.empty() && cells.size() == tables_.back().columns.size());
  Table& t = tables_.back();
  t.rows.push_back(std::move(name));
  t.cells.insert(t.cells.end(), cells.begin(), cells.end());
}

const ComponentReport::Scalar* ComponentReport::find(std::string_view key) const {
  const auto it =
      std::find_if(scalars_.begin(), scalars_.end(), [&](const Scalar& s) { return s.key == key; });
  return it == scalars_.end() ? nullptr : &*it;
}

}  // namespace scalesim
