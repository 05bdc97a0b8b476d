// Typed, checked access to a YAML configuration. Every error is a ConfigError whose message
// starts with "FILE:LINE:COLUMN: " and names the key, so a user can go straight to the mistake.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scalesim/sim_time.h"

namespace scalesim {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigNode {
 public:
  // Parses a file; syntax errors become ConfigErrors with line and column.
  static ConfigNode load_file(const std::string& path);
  // Parses text; `origin` names it in messages (a file name or "<string>").
  static ConfigNode load_string(const std::string& text, const std::string& origin = "<string>");

  bool has(std::string_view key) const;
  ConfigNode at(std::string_view key) const;  // error if missing
  std::optional<ConfigNode> find(std::string_view key) const;

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  std::size_t size() const { return node_.size(); }
  ConfigNode operator[](std::size_t i) const;  // sequence element
  // Map entries in document order (the order LPs are numbered in).
  std::vector<std::pair<std::string, ConfigNode>> entries() const;

  // Scalar conversions of this node.
  std::string as_string() const;
  double as_double() const;
  std::int64_t as_int() const;
  bool as_bool() const;
  SimTime as_duration() const;
  double as_rate() const;       // per second
  double as_bytes() const;      // "16GiB", "100B"
  double as_bandwidth() const;  // bytes per second: "900GB/s", "10Gbps"

  // Keyed shorthands; the *_or forms return the default when the key is absent.
  std::string string(std::string_view key) const { return at(key).as_string(); }
  std::string string_or(std::string_view key, std::string def) const;
  double number(std::string_view key) const { return at(key).as_double(); }
  double number_or(std::string_view key, double def) const;
  std::int64_t integer(std::string_view key) const { return at(key).as_int(); }
  std::int64_t integer_or(std::string_view key, std::int64_t def) const;
  bool boolean_or(std::string_view key, bool def) const;
  SimTime duration(std::string_view key) const { return at(key).as_duration(); }
  SimTime duration_or(std::string_view key, SimTime def) const;
  double rate(std::string_view key) const { return at(key).as_rate(); }
  double bytes(std::string_view key) const { return at(key).as_bytes(); }
  double bandwidth(std::string_view key) const { return at(key).as_bandwidth(); }
  // A number that must be > 0 (error at the key otherwise).
  double positive_number(std::string_view key) const;

  // Rejects keys outside `allowed`, suggesting the closest allowed key.
  void expect_keys(std::initializer_list<std::string_view> allowed) const;
  void expect_map() const;
  void expect_sequence() const;

  // The YAML text of this node (with any set() applied).
  std::string emit() const;
  // Replaces a scalar value (command-line overrides such as --seed), keeping the document.
  void set(std::string_view key, const std::string& value);
  // Replaces the value at a dotted path ("components.gate.threshold") with `value` parsed as
  // YAML (so lists work: "[8, 16]"). Every key on the way must exist, the last may be new.
  void set_path(std::string_view dotted, const std::string& value);

  // An error located at this node.
  [[noreturn]] void fail(const std::string& message) const;
  std::string location() const;                      // "file:line:column"
  const std::string& path() const { return path_; }  // dotted key path, e.g. "components.queue"
  const std::string& origin() const { return *origin_; }

 private:
  ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> origin, std::string path);

  YAML::Node node_;
  std::shared_ptr<const std::string> origin_;
  std::string path_;
};

// The closest candidate by edit distance, if it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace scalesim
