#include "hardware/network/network_specs.h"

#include <cmath>

#include "scalesim/config/units.h"

namespace scalesim::hardware {
namespace {

// Counts above this are almost certainly a typo, and keep products such as hosts() in range.
constexpr std::int64_t kMaxCount = 1 << 16;

// The last component of a dotted key path: "nics.25GbE" -> "25GbE".
std::string leaf_name(const ConfigNode& node) {
  const std::string& path = node.path();
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

double positive_bandwidth(const ConfigNode& value) {
  double bw = 0.0;
  try {
    bw = parse_bandwidth(value.as_string());
  } catch (const UnitError& e) {
    value.fail(e.what());
  }
  if (!(bw > 0.0)) value.fail("a bandwidth must be positive, got \"" + value.as_string() + "\"");
  return bw;
}

double positive_bandwidth(const ConfigNode& spec, std::string_view key) {
  return positive_bandwidth(spec.at(key));
}

std::uint32_t count(const ConfigNode& spec, std::string_view key, std::int64_t def) {
  const auto node = spec.find(key);
  if (!node) return static_cast<std::uint32_t>(def);
  const std::int64_t n = node->as_int();
  if (n < 1 || n > kMaxCount) {
    node->fail("expected a whole number from 1 to " + std::to_string(kMaxCount) + ", got " +
               std::to_string(n));
  }
  return static_cast<std::uint32_t>(n);
}

std::uint32_t required_count(const ConfigNode& spec, std::string_view key) {
  (void)spec.at(key);  // a missing key is reported here, with the spec's location
  return count(spec, key, 1);
}

double price(const ConfigNode& spec, std::string_view key) {
  const ConfigNode node = spec.at(key);
  const double v = node.as_double();
  if (!std::isfinite(v) || v < 0.0) node.fail("a price must be zero or positive");
  return v;
}

template <class Spec>
const Spec& by_name(const std::vector<Spec>& specs, std::string_view name, const char* what) {
  std::vector<std::string> names;
  names.reserve(specs.size());
  for (const Spec& s : specs) {
    if (s.name == name) return s;
    names.push_back(s.name);
  }
  std::string msg =
      "no " + std::string(what) + " named '" + std::string(name) + "' in the network catalog";
  if (auto near = closest_match(name, names)) msg += "; did you mean '" + *near + "'?";
  throw ConfigError(msg);
}

}  // namespace

NicSpec NicSpec::from_config(const ConfigNode& node) {
  node.expect_keys({"line_rate", "latency", "price_usd", "source"});
  NicSpec s;
  s.name = leaf_name(node);
  s.line_rate = positive_bandwidth(node, "line_rate");
  s.latency = node.duration("latency");
  if (node.has("price_usd")) s.price_usd = price(node, "price_usd");
  s.source = node.string_or("source", "");
  return s;
}

FabricSpec FabricSpec::from_config(const ConfigNode& node) {
  node.expect_keys({"hosts_per_leaf", "leaves", "spines", "zones", "host_link", "spine_link",
                    "switch_latency", "link_latency", "host_latency", "cross_zone_latency",
                    "forwarding", "source"});
  FabricSpec s;
  s.name = leaf_name(node);
  s.hosts_per_leaf = required_count(node, "hosts_per_leaf");
  s.leaves = required_count(node, "leaves");
  s.spines = required_count(node, "spines");
  s.zones = count(node, "zones", 1);
  if (static_cast<std::int64_t>(s.hosts_per_leaf) * s.leaves > kMaxCount) {
    node.fail("hosts_per_leaf x leaves exceeds " + std::to_string(kMaxCount) + " hosts");
  }
  if (s.leaves % s.zones != 0) {
    node.at("zones").fail("zones must divide leaves evenly (" + std::to_string(s.leaves) +
                          " leaves)");
  }
  s.host_link_bandwidth = positive_bandwidth(node, "host_link");
  s.spine_link_bandwidth = positive_bandwidth(node, "spine_link");
  s.switch_latency = node.duration("switch_latency");
  s.link_latency = node.duration_or("link_latency", 0);
  s.host_latency = node.duration_or("host_latency", 0);
  s.cross_zone_latency = node.duration_or("cross_zone_latency", 0);
  if (auto fwd = node.find("forwarding")) {
    const std::string mode = fwd->as_string();
    if (mode == "store_and_forward") {
      s.forwarding = Forwarding::kStoreAndForward;
    } else if (mode == "cut_through") {
      s.forwarding = Forwarding::kCutThrough;
    } else {
      std::string msg = "unknown forwarding mode '" + mode + "'";
      if (auto near = closest_match(mode, {"store_and_forward", "cut_through"})) {
        msg += "; did you mean '" + *near + "'?";
      } else {
        msg += "; use store_and_forward or cut_through";
      }
      fwd->fail(msg);
    }
  }
  s.source = node.string_or("source", "");
  return s;
}

ObjectStoreSpec ObjectStoreSpec::from_config(const ConfigNode& node) {
  node.expect_keys({"first_byte_latency", "stream_bandwidth", "client_bandwidth",
                    "price_per_gb_month", "price_per_1000_gets", "price_per_1000_puts", "source"});
  ObjectStoreSpec s;
  s.name = leaf_name(node);
  s.first_byte_latency = node.duration("first_byte_latency");
  s.stream_bandwidth = positive_bandwidth(node, "stream_bandwidth");
  if (auto cap = node.find("client_bandwidth")) s.client_bandwidth = positive_bandwidth(*cap);
  s.price_per_gb_month = price(node, "price_per_gb_month");
  s.price_per_1000_gets = price(node, "price_per_1000_gets");
  s.price_per_1000_puts = price(node, "price_per_1000_puts");
  s.source = node.string_or("source", "");
  return s;
}

NetworkCatalog NetworkCatalog::from_config(const ConfigNode& root) {
  root.expect_keys({"nics", "fabrics", "object_stores"});
  NetworkCatalog c;
  if (auto nics = root.find("nics")) {
    for (const auto& [name, node] : nics->entries()) {
      c.nics.push_back(NicSpec::from_config(node));
      c.nics.back().name = name;
    }
  }
  if (auto fabrics = root.find("fabrics")) {
    for (const auto& [name, node] : fabrics->entries()) {
      c.fabrics.push_back(FabricSpec::from_config(node));
      c.fabrics.back().name = name;
    }
  }
  if (auto stores = root.find("object_stores")) {
    for (const auto& [name, node] : stores->entries()) {
      c.object_stores.push_back(ObjectStoreSpec::from_config(node));
      c.object_stores.back().name = name;
    }
  }
  return c;
}

NetworkCatalog NetworkCatalog::load_file(const std::string& path) {
  return from_config(ConfigNode::load_file(path));
}

const NicSpec& NetworkCatalog::nic(std::string_view name) const {
  return by_name(nics, name, "NIC");
}
const FabricSpec& NetworkCatalog::fabric(std::string_view name) const {
  return by_name(fabrics, name, "fabric");
}
const ObjectStoreSpec& NetworkCatalog::object_store(std::string_view name) const {
  return by_name(object_stores, name, "object store");
}

}  // namespace scalesim::hardware
