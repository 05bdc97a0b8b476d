#include "scalesim/config/config_node.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "scalesim/config/units.h"

namespace scalesim {
namespace {

std::string mark_text(const std::string& origin, const YAML::Mark& m) {
  if (m.is_null()) return origin;
  return origin + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

// A mapping's key as text. YAML allows lists and mappings as keys ("? [a, b]: 1"); a
// configuration never uses them, so they are refused where they stand.
std::string key_text(const YAML::Node& key, const std::string& origin, const std::string& path) {
  if (key.IsSequence() || key.IsMap()) {
    throw ConfigError(mark_text(origin, key.Mark()) + ": " +
                      (path.empty() ? std::string() : "'" + path + "': ") +
                      "a key must be a single value, not a list or mapping");
  }
  return key.as<std::string>();
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Plausible typo: at most a third of the word changed (and at least one edit allowed).
  if (best && best_d <= std::max<std::size_t>(1, word.size() / 3)) return best;
  return std::nullopt;
}

ConfigNode::ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> origin,
                       std::string path)
    : node_(node), origin_(std::move(origin)), path_(std::move(path)) {}

ConfigNode ConfigNode::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_string(text.str(), path);
}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& origin) {
  auto name = std::make_shared<const std::string>(origin);
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) {
      throw ConfigError(origin + ": the configuration must be a YAML mapping of keys to values");
    }
    return ConfigNode(root, name, "");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(mark_text(origin, e.mark) + ": YAML syntax error: " + e.msg);
  }
}

std::string ConfigNode::emit() const {
  YAML::Emitter out;
  out << node_;
  return out.c_str();
}

void ConfigNode::set(std::string_view key, const std::string& value) {
  YAML::Node n = node_;  // a handle to the same document
  n[std::string(key)] = value;
}

void ConfigNode::set_path(std::string_view dotted, const std::string& value) {
  YAML::Node n = node_;
  std::string walked;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = dotted.find('.', start);
    const std::string key(
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
    if (key.empty()) throw ConfigError("--set " + std::string(dotted) + ": empty key in the path");
    if (!n.IsMap()) {
      throw ConfigError("--set " + std::string(dotted) + ": '" + walked + "' is not a mapping");
    }
    if (dot == std::string_view::npos) {
      // A value that is one of the knobs (`rate: *rate`) is shared with the knob and every other
      // use of it: setting it through a component's path changes that component alone, while
      // `--set knobs.rate=...` changes every use.
      const YAML::Node old = n[key];
      const YAML::Node knobs = node_["knobs"];
      bool shared = false;
      if (walked.rfind("knobs", 0) != 0 && old.IsDefined() && knobs.IsMap()) {
        for (const auto& kv : knobs) shared = shared || kv.second.is(old);
      }
      if (shared) n.remove(key);
      // A knob that does not exist would be set and used nowhere: a silent no-op.
      if (walked == "knobs" && !old.IsDefined()) {
        std::vector<std::string> keys;
        for (const auto& kv : n) keys.push_back(kv.first.as<std::string>());
        std::string msg = "--set " + std::string(dotted) + ": no knob '" + key + "'";
        if (auto near = closest_match(key, keys)) msg += "; did you mean '" + *near + "'?";
        throw ConfigError(msg);
      }
      n[key] = YAML::Load(value);
      return;
    }
    YAML::Node child = n[key];
    if (!child.IsDefined()) {
      std::vector<std::string> keys;
      for (const auto& kv : n) keys.push_back(kv.first.as<std::string>());
      std::string msg = "--set " + std::string(dotted) + ": no key '" + key + "'" +
                        (walked.empty() ? std::string() : " under '" + walked + "'");
      if (auto near = closest_match(key, keys)) msg += "; did you mean '" + *near + "'?";
      throw ConfigError(msg);
    }
    walked += (walked.empty() ? "" : ".") + key;
    n.reset(child);
    start = dot + 1;
  }
}

std::string ConfigNode::location() const {
  return mark_text(*origin_, node_.Mark());
}

void ConfigNode::fail(const std::string& message) const {
  const std::string where = path_.empty() ? "" : "'" + path_ + "': ";
  throw ConfigError(location() + ": " + where + message);
}

bool ConfigNode::has(std::string_view key) const {
  return node_.IsMap() && node_[std::string(key)].IsDefined();
}

std::optional<ConfigNode> ConfigNode::find(std::string_view key) const {
  if (!node_.IsMap()) return std::nullopt;
  const std::string k(key);
  YAML::Node child = node_[k];
  if (!child.IsDefined()) return std::nullopt;
  return ConfigNode(child, origin_, path_.empty() ? k : path_ + "." + k);
}

ConfigNode ConfigNode::at(std::string_view key) const {
  expect_map();
  if (auto child = find(key)) return *child;
  fail("missing required key '" + std::string(key) + "'");
}

ConfigNode ConfigNode::operator[](std::size_t i) const {
  return ConfigNode(node_[i], origin_, path_ + "[" + std::to_string(i) + "]");
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::entries() const {
  expect_map();
  std::vector<std::pair<std::string, ConfigNode>> out;
  for (const auto& kv : node_) {
    const auto key = key_text(kv.first, *origin_, path_);
    out.emplace_back(key, ConfigNode(kv.second, origin_, path_.empty() ? key : path_ + "." + key));
  }
  return out;
}

void ConfigNode::expect_map() const {
  if (!node_.IsMap()) fail("expected a mapping of keys to values");
}
void ConfigNode::expect_sequence() const {
  if (!node_.IsSequence()) fail("expected a list");
}

std::string ConfigNode::as_string() const {
  if (!node_.IsScalar()) fail("expected a single value, not a list or mapping");
  return node_.Scalar();
}

double ConfigNode::as_double() const {
  const std::string s = as_string();
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) fail("expected a number, got \"" + s + "\"");
  return v;
}

std::int64_t ConfigNode::as_int() const {
  const std::string s = as_string();
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && end == s.data() + s.size()) return v;
  // Allow 1e6-style integers, which configs use for counts (those in [-2^63, 2^63) convert).
  const double d = as_double();
  if (!(d >= -0x1p63 && d < 0x1p63) || d != std::trunc(d)) {
    fail("expected a whole number, got \"" + s + "\"");
  }
  return static_cast<std::int64_t>(d);
}

bool ConfigNode::as_bool() const {
  const std::string s = as_string();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail("expected true or false, got \"" + s + "\"");
}

SimTime ConfigNode::as_duration() const {
  try {
    return parse_duration(as_string());
  } catch (const UnitError& e) {
    fail(e.what());
  }
}

double ConfigNode::as_rate() const {
  try {
    return parse_rate(as_string());
  } catch (const UnitError& e) {
    fail(e.what());
  }
}

double ConfigNode::as_bytes() const {
  try {
    return parse_bytes(as_string());
  } catch (const UnitError& e) {
    fail(e.what());
  }
}

double ConfigNode::as_bandwidth() const {
  try {
    return parse_bandwidth(as_string());
  } catch (const UnitError& e) {
    fail(e.what());
  }
}

double ConfigNode::positive_number(std::string_view key) const {
  const ConfigNode n = at(key);
  const double v = n.as_double();
  if (!(v > 0)) n.fail("'" + std::string(key) + "' must be greater than zero");
  return v;
}

std::string ConfigNode::string_or(std::string_view key, std::string def) const {
  auto c = find(key);
  return c ? c->as_string() : std::move(def);
}
double ConfigNode::number_or(std::string_view key, double def) const {
  auto c = find(key);
  return c ? c->as_double() : def;
}
std::int64_t ConfigNode::integer_or(std::string_view key, std::int64_t def) const {
  auto c = find(key);
  return c ? c->as_int() : def;
}
bool ConfigNode::boolean_or(std::string_view key, bool def) const {
  auto c = find(key);
  return c ? c->as_bool() : def;
}
SimTime ConfigNode::duration_or(std::string_view key, SimTime def) const {
  auto c = find(key);
  return c ? c->as_duration() : def;
}

void ConfigNode::expect_keys(std::initializer_list<std::string_view> allowed) const {
  expect_map();
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& kv : node_) {
    const auto key = key_text(kv.first, *origin_, path_);
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string msg = "unknown key '" + key + "'";
    if (auto near = closest_match(key, names))
      msg += "; did you mean '" + *near + "'?";
    else {
      msg += "; allowed keys are:";
      for (const auto& n : names) msg += " " + n;
    }
    const std::string where = path_.empty() ? key : path_ + "." + key;
    std::string text = mark_text(*origin_, kv.first.Mark());
    text += ": '" + where + "': ";
    text += msg;
    throw ConfigError(text);
  }
}

}  // namespace scalesim
