#include "models/patterns/slo.h"

#include <charconv>
#include <cmath>

#include "scalesim/config/units.h"

namespace scalesim {
namespace {

// "50ms" -> 0.05, "1000/s" -> 1000, "80%" -> 0.8, "2.5" -> 2.5, "$3" -> 3.
double parse_target(std::string text, const ConfigNode& at) {
  if (!text.empty() && text.front() == '$') text.erase(0, 1);
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      at.fail("bad percentage '" + text + "%'");
    return v / 100.0;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size()) return v;
  try {
    if (text.find('/') != std::string::npos) return parse_rate(text);
    return to_seconds(parse_duration(text));
  } catch (const UnitError& e) {
    at.fail(std::string("target: ") + e.what());
  }
}

}  // namespace

bool SloSpec::met_by(double value) const {
  if (std::isnan(value)) return false;
  switch (op) {
    case Op::kLess:
      return value < target;
    case Op::kLessEqual:
      return value <= target;
    case Op::kGreater:
      return value > target;
    case Op::kGreaterEqual:
      return value >= target;
  }
  return false;
}

SloSpec SloSpec::from_config(const ConfigNode& node) {
  node.expect_keys({"name", "metric", "target"});
  SloSpec s;
  s.metric = node.string("metric");
  s.name = node.string_or("name", s.metric);
  const ConfigNode t = node.at("target");
  std::string text = t.as_string();
  s.target_text = text;
  std::size_t skip = 0;
  if (text.rfind("<=", 0) == 0) {
    s.op = Op::kLessEqual;
    skip = 2;
  } else if (text.rfind(">=", 0) == 0) {
    s.op = Op::kGreaterEqual;
    skip = 2;
  } else if (text.rfind('<', 0) == 0) {
    s.op = Op::kLess;
    skip = 1;
  } else if (text.rfind('>', 0) == 0) {
    s.op = Op::kGreater;
    skip = 1;
  } else {
    t.fail("a target starts with <, <=, > or >=, as in \"< 50ms\"");
  }
  text.erase(0, skip);
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  s.target = parse_target(text, t);
  return s;
}

void check_slo_metrics(const std::vector<std::pair<SloSpec, ConfigNode>>& slos,
                       const Metrics& reported) {
  std::vector<std::string> names;
  names.reserve(reported.size());
  for (const auto& m : reported) names.push_back(m.first);
  for (const auto& [spec, node] : slos) {
    bool found = false;
    for (const auto& n : names) found = found || n == spec.metric;
    if (found) continue;
    std::string msg = "no reported metric '" + spec.metric + "'";
    if (auto near = closest_match(spec.metric, names)) msg += "; did you mean '" + *near + "'?";
    node.at("metric").fail(msg);
  }
}

std::vector<SloResult> evaluate_slos(const std::vector<SloSpec>& slos, const Metrics& metrics) {
  std::vector<SloResult> out;
  for (const auto& s : slos) {
    SloResult r{s, std::nan(""), false};
    for (const auto& [name, v] : metrics) {
      if (name == s.metric) r.value = v;
    }
    r.met = s.met_by(r.value);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace scalesim
