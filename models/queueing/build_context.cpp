#include "models/queueing/build_context.h"

#include <charconv>
#include <filesystem>
#include <vector>

namespace scalesim {

BuildContext::BuildContext(const ConfigNode& root, const NameTable& names,
                           NetworkSettings& settings, const hardware::Catalog* given)
    : root_(root), names_(names), settings_(settings), given_(given) {}

LpId BuildContext::resolve(const ConfigNode& at, const std::string& name) const {
  const auto it = names_.find(name);
  if (it != names_.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& kv : names_) known.push_back(kv.first);
  std::string msg = "no component named '" + name + "'";
  if (auto near = closest_match(name, known)) msg += "; did you mean '" + *near + "'?";
  at.fail(msg);
}

Link BuildContext::link(const ConfigNode& node) const {
  Link link;
  if (node.is_scalar()) {
    link.to = resolve(node, node.as_string());
  } else {
    node.expect_keys({"component", "latency"});
    link.to = resolve(node.at("component"), node.string("component"));
    link.latency = node.duration_or("latency", 0);
  }
  if (link.to == self_) node.fail("a component may not send to itself");
  return link;
}

std::optional<Link> BuildContext::optional_link(const ConfigNode& node,
                                                std::string_view key) const {
  if (auto to = node.find(key)) return link(*to);
  return std::nullopt;
}

const hardware::Catalog& BuildContext::catalog() {
  if (given_ != nullptr) return *given_;
  if (!catalog_) {
    std::string dir = hardware::Catalog::default_dir();
    if (const auto c = root_.find("catalog")) {
      // Relative to the config file, so a config and its catalog travel together.
      const std::filesystem::path p(c->as_string());
      dir = p.is_absolute() ? p.string()
                            : (std::filesystem::path(root_.origin()).parent_path() / p).string();
    }
    try {
      catalog_.emplace(hardware::Catalog::load(dir));
    } catch (const hardware::CatalogError& e) {
      (root_.has("catalog") ? root_.at("catalog") : root_).fail(e.what());
    }
  }
  return *catalog_;
}

double share_at(const ConfigNode& node) {
  std::string text = node.as_string();
  double v = 0;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      node.fail("expected a share such as 5% or 0.05");
    v /= 100.0;
  } else {
    v = node.as_double();
  }
  if (!(v >= 0 && v <= 1)) node.fail("a share must lie between 0 and 100%");
  return v;
}

}  // namespace scalesim
