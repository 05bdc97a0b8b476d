// A sweep specification (YAML, configs/sweeps/): a base config, the parameters to vary (any
// config key by dotted path), how to pick points (grid, list, Latin hypercube, random),
// replications, metrics to collect, and optionally constraints and an objective for the
// optimiser ("minimum cost.per_hour subject to done.p99_latency_s < 50ms"). docs/sweeps.md
// documents every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/patterns/slo.h"
#include "scalesim/config/config_node.h"

namespace scalesim {

struct SweepParameter {
  std::string path;                 // e.g. "components.complex.replicas"
  std::vector<std::string> values;  // list/grid: the values as YAML scalars, in order
  // range (grid with `steps`, lhs, random): [low, high] on a linear or log scale; integer
  // parameters are rounded to the nearest integer.
  bool is_range = false;
  double low = 0, high = 0;
  int steps = 0;  // grid over a range: steps values including both ends
  bool log_scale = false;
  bool integer = false;
  // Appended to every number a range generates ("/s" gives "5000/s", "ms" gives "2.5ms"), for
  // keys that need units.
  std::string unit;
};

struct SweepObjective {
  std::string metric;
  bool minimize = true;
};

struct SweepSpec {
  std::string path;  // the spec file
  std::string name;  // `name` (default: the spec file's stem)
  std::string description;
  std::string base_path;  // the base config, resolved relative to the spec file
  // The base config with the spec's `set:` overrides applied (an empty mapping in a
  // default-constructed spec).
  ConfigNode base = ConfigNode::load_string("{}", "<no base config>");
  std::string design;  // "grid" | "list" | "lhs" | "random"
  std::vector<SweepParameter> parameters;
  int replications = 1;
  std::uint64_t seed = 1;            // replication r of every point runs with seed + r
  std::vector<std::string> metrics;  // empty: every metric the base reports
  std::vector<SloSpec> constraints;  // a point is feasible when every constraint's CI upper
                                     // (or lower) bound meets the target
  std::optional<SweepObjective> objective;
  // The points: values[point][parameter], each a YAML scalar as text (ranges already
  // evaluated and written as the shortest decimal that reads back to the same double, or as
  // integers).
  std::vector<std::vector<std::string>> points;
  std::string text;               // the spec as written
  std::uint64_t fingerprint = 0;  // of the resolved spec (base config text, points, seed,
                                  // replications, metrics): a resumed sweep must match it

  // Where things were written, for errors found later (summarise): constraint_nodes[i] is
  // constraint i's `metric` value, objective_node the objective's minimize/maximize value.
  std::vector<ConfigNode> constraint_nodes;
  std::optional<ConfigNode> objective_node;
  // config_for() rebuilds each point's config from these (a deep copy: ConfigNode copies share
  // their YAML document): the base file's text and the spec's `set:` overrides, in order.
  std::string base_text;
  std::vector<std::pair<std::string, std::string>> overrides;  // dotted path, YAML value

  std::size_t point_count() const { return points.size(); }
  // "path=value, path=value" for point `i` (summaries, errors).
  std::string point_label(std::size_t point) const;

  // The base config with point `i`'s values set at their paths: a fresh parse of base_text
  // with the overrides and the point applied, sharing nothing with `base` or other points.
  // (Do not assign one ConfigNode to another: YAML::Node assignment rebinds the node it
  // referred to inside its document; copy-construct or emplace instead.)
  ConfigNode config_for(std::size_t point) const;
};

// Loads and checks a spec; every mistake is a ConfigError naming file:line:column and key
// (unknown keys with "did you mean", a parameter path the base config lacks, an empty value
// list, low > high, log scale over a non-positive range, unknown design).
SweepSpec load_sweep_spec(const std::string& path);
SweepSpec load_sweep_spec_string(const std::string& text, const std::string& origin,
                                 const std::string& directory);

}  // namespace scalesim
