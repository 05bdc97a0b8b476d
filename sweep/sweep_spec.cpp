// Loading and checking a sweep spec (docs/sweeps.md), and generating its points.
#include "sweep/sweep_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "scalesim/random.h"
#include "scalesim/result_hash.h"

namespace scalesim {
namespace {

constexpr std::uint64_t kMaxPoints = 1'000'000;
// Second half of the Philox key of the point generator ("SWEEPPTS"): the spec's seed is the
// first, so the points depend on the seed alone and never collide with a model's LP streams.
constexpr std::uint64_t kPointStream = 0x5357454550505453ULL;

// The shortest decimal text that reads back as exactly `v` (integers as integers).
std::string format_number(double v, bool integer) {
  if (integer) return std::to_string(std::llround(v));
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw std::logic_error("cannot format a sweep value");
  return std::string(buf, end);
}

// `s` as YAML text that parses back to the scalar `s` (quoted only where it must be).
std::string yaml_scalar_text(const std::string& s) {
  if (!s.empty()) {
    try {
      const YAML::Node n = YAML::Load(s);
      if (n.IsScalar() && n.Scalar() == s) return s;
    } catch (const YAML::Exception&) {
    }
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A config value as YAML text for set_path: scalars as scalars, lists and maps as YAML.
std::string node_value_text(const ConfigNode& n) {
  if (n.is_scalar()) return yaml_scalar_text(n.as_string());
  return n.emit();
}

std::vector<std::string> split_path(const std::string& dotted) {
  std::vector<std::string> keys;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = dotted.find('.', start);
    keys.push_back(
        dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return keys;
    start = dot + 1;
  }
}

std::vector<std::string> keys_of(const ConfigNode& map) {
  std::vector<std::string> keys;
  for (const auto& e : map.entries()) keys.push_back(e.first);
  return keys;
}

// A parameter may set any key whose parent mapping exists in the base config: every key on the
// way must exist and be a mapping; the last may be absent (an optional key left at its default
// in the base), in which case the model's own key check reports a misspelling when the point's
// config is built.
void check_parameter_path(const ConfigNode& base, const std::string& base_path,
                          const ConfigNode& where) {
  const std::string dotted = where.as_string();
  const std::vector<std::string> keys = split_path(dotted);
  // Never assign one ConfigNode to another: YAML::Node's assignment rebinds the node it
  // referred to (it would graft the child into the base document); emplace a fresh handle.
  std::optional<ConfigNode> node(base);
  std::string walked;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].empty()) where.fail("empty key in the path '" + dotted + "'");
    if (!node->is_map()) {
      std::string msg = "'" + walked;
      msg += "' is not a mapping in the base config ";
      msg += base_path;
      msg += ", so it has no key '";
      msg += keys[i];
      where.fail(msg + "'");
    }
    const bool last = i + 1 == keys.size();
    auto child = node->find(keys[i]);
    if (!child) {
      if (last) return;
      std::string msg = "the base config " + base_path + " has no key '" + keys[i] + "'" +
                        (walked.empty() ? std::string() : " under '" + walked + "'");
      if (auto near = closest_match(keys[i], keys_of(*node)))
        msg += "; did you mean '" + *near + "'?";
      where.fail(msg);
    }
    walked += (walked.empty() ? "" : ".") + keys[i];
    node.emplace(*child);
  }
}

// A failed set_path ("--set PATH: message") as an error at `where`.
[[noreturn]] void rethrow_at(const ConfigError& e, const std::string& dotted,
                             const ConfigNode& where) {
  std::string msg = e.what();
  const std::string prefix = "--set " + dotted + ": ";
  if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
  where.fail("cannot set '" + dotted + "': " + msg);
}

std::string read_text(const std::string& path, bool& ok) {
  ok = false;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  ok = true;
  return text.str();
}

double range_value(const SweepParameter& p, double u) {
  double v = p.log_scale ? std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)))
                         : p.low + u * (p.high - p.low);
  return std::clamp(v, p.low, p.high);
}

// A parameter's value at position u in [0, 1): a range mapped linearly or logarithmically (and
// rounded for integers), a list of values picked by equal shares of [0, 1).
std::string value_at(const SweepParameter& p, double u) {
  if (!p.is_range) {
    auto k = static_cast<std::size_t>(u * static_cast<double>(p.values.size()));
    return p.values[std::min(k, p.values.size() - 1)];
  }
  return yaml_scalar_text(format_number(range_value(p, u), p.integer) + p.unit);
}

// A grid parameter's values: its list, or `steps` evenly (or log-) spaced values from low to
// high inclusive; integer ranges are rounded and repeats removed.
std::vector<std::string> grid_values(const SweepParameter& p) {
  if (!p.is_range) return p.values;
  std::vector<std::string> out;
  for (int i = 0; i < p.steps; ++i) {
    double v = 0;
    if (i == 0) {
      v = p.low;
    } else if (i == p.steps - 1) {
      v = p.high;
    } else {
      v = range_value(p, static_cast<double>(i) / static_cast<double>(p.steps - 1));
      // Grid points are nominal values: 12 significant digits drop the rounding residue of the
      // spacing (0.7999999999999999 is written 0.8).
      char nominal[32];
      std::snprintf(nominal, sizeof nominal, "%.12g", v);
      v = std::strtod(nominal, nullptr);
    }
    std::string text = yaml_scalar_text(format_number(v, p.integer) + p.unit);
    if (out.empty() || out.back() != text) out.push_back(std::move(text));
  }
  return out;
}

std::string stem_of(const std::string& origin) {
  const std::string stem = std::filesystem::path(origin).stem().string();
  return stem.empty() ? origin : stem;
}

}  // namespace

std::string SweepSpec::point_label(std::size_t point) const {
  std::string out;
  const auto& values = points.at(point);
  for (std::size_t p = 0; p < parameters.size() && p < values.size(); ++p) {
    if (p > 0) out += ", ";
    out += parameters[p].path + "=" + values[p];
  }
  return out;
}

ConfigNode SweepSpec::config_for(std::size_t point) const {
  const auto& values = points.at(point);
  // A fresh parse of the base file: ConfigNode copies share one YAML document, so setting a
  // value on a copy of `base` would change `base` and every other point's config too. Parsing
  // the original text keeps each key's file:line:column for the model's error messages.
  ConfigNode c = base_text.empty() ? ConfigNode::load_string(base.emit(), base_path)
                                   : ConfigNode::load_string(base_text, base_path);
  if (!base_text.empty()) {
    for (const auto& [dotted, value] : overrides) c.set_path(dotted, value);
  }
  for (std::size_t p = 0; p < parameters.size(); ++p) c.set_path(parameters[p].path, values[p]);
  return c;
}

SweepSpec load_sweep_spec(const std::string& path) {
  bool ok = false;
  const std::string text = read_text(path, ok);
  if (!ok) throw ConfigError(path + ": cannot open the sweep spec");
  std::string directory = std::filesystem::path(path).parent_path().string();
  return load_sweep_spec_string(text, path, directory);
}

SweepSpec load_sweep_spec_string(const std::string& text, const std::string& origin,
                                 const std::string& directory) {
  const ConfigNode root = ConfigNode::load_string(text, origin);
  root.expect_keys({"name", "description", "base", "set", "design", "points", "seed",
                    "replications", "parameters", "metrics", "constraints", "objective"});
  SweepSpec spec;
  spec.path = origin;
  spec.name = root.has("name") ? root.string("name") : stem_of(origin);
  spec.description = root.string_or("description", "");
  spec.text = text;

  // The base config, with the `set:` overrides.
  const ConfigNode base_node = root.at("base");
  const std::string base_name = base_node.as_string();
  if (base_name.empty()) base_node.fail("the base config's file name is empty");
  const std::filesystem::path bp(base_name);
  spec.base_path = bp.is_absolute() || directory.empty()
                       ? base_name
                       : (std::filesystem::path(directory) / bp).string();
  bool ok = false;
  spec.base_text = read_text(spec.base_path, ok);
  if (!ok) base_node.fail("cannot open the base config " + spec.base_path);
  spec.base = ConfigNode::load_string(spec.base_text, spec.base_path);
  if (auto set = root.find("set")) {
    set->expect_map();
    for (const auto& [dotted, value] : set->entries()) {
      const std::string v = node_value_text(value);
      try {
        spec.base.set_path(dotted, v);
      } catch (const ConfigError& e) {
        rethrow_at(e, dotted, value);
      }
      spec.overrides.emplace_back(dotted, v);
    }
  }

  // Design, seed, replications.
  spec.design = "grid";
  std::optional<ConfigNode> design_node = root.find("design");
  if (design_node) {
    spec.design = design_node->as_string();
    const std::vector<std::string> designs = {"grid", "list", "lhs", "random"};
    if (std::find(designs.begin(), designs.end(), spec.design) == designs.end()) {
      std::string msg = "unknown design '" + spec.design + "'";
      if (auto near = closest_match(spec.design, designs)) msg += "; did you mean '" + *near + "'?";
      design_node->fail(msg + " (grid, list, lhs or random)");
    }
  }
  if (auto r = root.find("replications")) {
    const std::int64_t n = r->as_int();
    if (n < 1 || n > 1'000'000) r->fail("replications must be between 1 and 1000000");
    spec.replications = static_cast<int>(n);
  }
  if (auto s = root.find("seed")) {
    const std::int64_t n = s->as_int();
    if (n < 0) s->fail("the seed must not be negative");
    spec.seed = static_cast<std::uint64_t>(n);
  } else if (auto bs = spec.base.find("seed")) {
    spec.seed = static_cast<std::uint64_t>(bs->as_int());
  }

  // Parameters.
  const ConfigNode params = root.at("parameters");
  params.expect_sequence();
  if (params.size() == 0) params.fail("a sweep needs at least one parameter");
  std::vector<ConfigNode> param_nodes;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const ConfigNode pn = params[i];
    pn.expect_keys({"path", "values", "range", "steps", "scale", "integer", "unit"});
    const ConfigNode path_node = pn.at("path");
    SweepParameter p;
    p.path = path_node.as_string();
    for (std::size_t j = 0; j < spec.parameters.size(); ++j) {
      if (spec.parameters[j].path == p.path) {
        path_node.fail("parameter '" + p.path + "' is listed twice (first at " +
                       param_nodes[j].at("path").location() + ")");
      }
    }
    check_parameter_path(spec.base, spec.base_path, path_node);
    const auto values = pn.find("values");
    const auto range = pn.find("range");
    if (values && range) pn.fail("give a parameter either values or a range, not both");
    if (!values && !range) pn.fail("parameter '" + p.path + "' needs values or a range");
    if (values) {
      values->expect_sequence();
      if (values->size() == 0) values->fail("empty list of values");
      for (std::size_t k = 0; k < values->size(); ++k) {
        const ConfigNode v = (*values)[k];
        if (!v.is_scalar()) v.fail("each value must be a single value, not a list or mapping");
        p.values.push_back(yaml_scalar_text(v.as_string()));
      }
      for (const char* key : {"steps", "scale", "integer", "unit"}) {
        if (auto k = pn.find(key))
          k->fail(std::string(key) + " applies to a range, not to a list of values");
      }
    } else {
      range->expect_sequence();
      if (range->size() != 2) range->fail("a range is [low, high]");
      p.is_range = true;
      p.low = (*range)[0].as_double();
      p.high = (*range)[1].as_double();
      if (!std::isfinite(p.low) || !std::isfinite(p.high)) range->fail("a range must be finite");
      if (p.low > p.high) range->fail("the range's low end is above its high end");
      if (auto sc = pn.find("scale")) {
        const std::string s = sc->as_string();
        if (s == "log") {
          p.log_scale = true;
        } else if (s != "linear") {
          sc->fail("unknown scale '" + s + "' (linear or log)");
        }
        if (p.log_scale && p.low <= 0) range->fail("a log scale needs a range above 0");
      }
      if (auto in = pn.find("integer")) p.integer = in->as_bool();
      if (auto un = pn.find("unit")) p.unit = un->as_string();
      if (auto st = pn.find("steps")) {
        if (spec.design != "grid") st->fail("steps applies to the grid design only");
        const std::int64_t n = st->as_int();
        if (n < 2) st->fail("steps must be at least 2 (the range's two ends)");
        if (n > static_cast<std::int64_t>(kMaxPoints)) st->fail("steps must be at most 1000000");
        p.steps = static_cast<int>(n);
      }
    }
    spec.parameters.push_back(std::move(p));
    param_nodes.push_back(pn);
  }

  // Design-specific checks and the points.
  const auto points_node = root.find("points");
  if (spec.design == "grid" || spec.design == "list") {
    if (points_node)
      points_node->fail("points applies to the lhs and random designs; a " + spec.design +
                        " has as many points as its values make");
  }
  if (spec.design == "grid") {
    std::vector<std::vector<std::string>> axis;
    std::uint64_t total = 1;
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
      const SweepParameter& p = spec.parameters[i];
      if (p.is_range && p.steps == 0)
        param_nodes[i].fail("a range in a grid needs steps (how many values from low to high)");
      axis.push_back(grid_values(p));
      total *= axis.back().size();
      if (total > kMaxPoints) {
        params.fail(
            "the grid has more than 1000000 points; use fewer steps or values, or the "
            "lhs or random design");
      }
    }
    spec.points.resize(total);
    for (std::uint64_t k = 0; k < total; ++k) {
      std::vector<std::string>& row = spec.points[k];
      row.resize(axis.size());
      std::uint64_t rest = k;
      for (std::size_t p = axis.size(); p-- > 0;) {  // the last parameter varies fastest
        row[p] = axis[p][rest % axis[p].size()];
        rest /= axis[p].size();
      }
    }
  } else if (spec.design == "list") {
    const std::size_t n = spec.parameters[0].values.size();
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
      const SweepParameter& p = spec.parameters[i];
      if (p.is_range) param_nodes[i].at("range").fail("the list design takes values, not ranges");
      if (p.values.size() != n) {
        param_nodes[i].at("values").fail(
            "has " + std::to_string(p.values.size()) + " values, but the first parameter has " +
            std::to_string(n) + ": in a list design point i takes the i-th value of each");
      }
    }
    spec.points.assign(n, std::vector<std::string>(spec.parameters.size()));
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t p = 0; p < spec.parameters.size(); ++p)
        spec.points[k][p] = spec.parameters[p].values[k];
  } else {  // lhs, random
    if (!points_node) root.fail("the " + spec.design + " design needs points (how many)");
    const std::int64_t n = points_node->as_int();
    if (n < 1) points_node->fail("points must be at least 1");
    if (n > static_cast<std::int64_t>(kMaxPoints))
      points_node->fail("points must be at most 1000000");
    const auto count = static_cast<std::size_t>(n);
    spec.points.assign(count, std::vector<std::string>(spec.parameters.size()));
    LpRandom rng(spec.seed, kPointStream);
    for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
      const SweepParameter& par = spec.parameters[p];
      if (spec.design == "lhs") {
        // One point per stratum [k/n, (k+1)/n) of every parameter, strata shuffled per
        // parameter (Fisher-Yates).
        std::vector<std::size_t> perm(count);
        for (std::size_t k = 0; k < count; ++k) perm[k] = k;
        for (std::size_t k = count; k-- > 1;) std::swap(perm[k], perm[rng.uniform_int(k + 1)]);
        for (std::size_t k = 0; k < count; ++k) {
          const double u = (static_cast<double>(perm[k]) + rng.uniform()) / static_cast<double>(n);
          spec.points[k][p] = value_at(par, std::min(u, std::nextafter(1.0, 0.0)));
        }
      } else {
        for (std::size_t k = 0; k < count; ++k) spec.points[k][p] = value_at(par, rng.uniform());
      }
    }
  }

  // Metrics, constraints, objective.
  std::optional<ConfigNode> metrics_node = root.find("metrics");
  if (metrics_node) {
    metrics_node->expect_sequence();
    if (metrics_node->size() == 0)
      metrics_node->fail("empty list of metrics (leave the key out to collect every metric)");
    for (std::size_t i = 0; i < metrics_node->size(); ++i) {
      const std::string m = (*metrics_node)[i].as_string();
      if (std::find(spec.metrics.begin(), spec.metrics.end(), m) != spec.metrics.end())
        (*metrics_node)[i].fail("metric '" + m + "' is listed twice");
      spec.metrics.push_back(m);
    }
  }
  auto check_metric = [&](const std::string& metric, const ConfigNode& where) {
    if (spec.metrics.empty()) return;  // checked against the backend's metrics by summarise()
    if (std::find(spec.metrics.begin(), spec.metrics.end(), metric) != spec.metrics.end()) return;
    std::string msg = "metric '" + metric + "' is not in the sweep's metrics list";
    if (auto near = closest_match(metric, spec.metrics)) msg += "; did you mean '" + *near + "'?";
    where.fail(msg);
  };
  if (auto cs = root.find("constraints")) {
    cs->expect_sequence();
    for (std::size_t i = 0; i < cs->size(); ++i) {
      const ConfigNode c = (*cs)[i];
      c.expect_map();
      spec.constraints.push_back(SloSpec::from_config(c));
      spec.constraint_nodes.push_back(c.at("metric"));
      check_metric(spec.constraints.back().metric, spec.constraint_nodes.back());
    }
  }
  if (auto obj = root.find("objective")) {
    obj->expect_keys({"minimize", "maximize"});
    const auto mn = obj->find("minimize");
    const auto mx = obj->find("maximize");
    if (mn && mx) obj->fail("an objective either minimizes or maximizes one metric, not both");
    if (!mn && !mx) obj->fail("the objective needs minimize: METRIC or maximize: METRIC");
    const ConfigNode m = mn ? *mn : *mx;
    spec.objective = SweepObjective{m.as_string(), mn.has_value()};
    spec.objective_node = m;
    check_metric(spec.objective->metric, m);
  }

  // The fingerprint: what decides the runs' results and the journal's layout.
  ResultHash h;
  h.add(std::string_view("scalesim-sweep-1"));
  h.add(std::string_view(spec.base.emit()));
  h.add(static_cast<std::uint64_t>(spec.parameters.size()));
  for (const auto& p : spec.parameters) h.add(std::string_view(p.path));
  h.add(static_cast<std::uint64_t>(spec.points.size()));
  for (const auto& row : spec.points)
    for (const auto& v : row) h.add(std::string_view(v));
  h.add(spec.seed);
  h.add(static_cast<std::uint64_t>(spec.replications));
  h.add(static_cast<std::uint64_t>(spec.metrics.size()));
  for (const auto& m : spec.metrics) h.add(std::string_view(m));
  spec.fingerprint = h.value();
  return spec;
}

}  // namespace scalesim
