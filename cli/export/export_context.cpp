#include "cli/export/export_context.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

namespace scalesim::cli {

namespace {

// file:line:column and text of the value at a dotted path (a scalar; a mapping's text is its
// YAML), or nullopt.
std::optional<std::pair<std::string, std::string>> location_of(const ConfigNode& n,
                                                               std::string_view path) {
  const std::size_t dot = path.find('.');
  const auto child = n.is_map() ? n.find(path.substr(0, dot)) : std::nullopt;
  if (!child) return std::nullopt;
  if (dot == std::string_view::npos) {
    return std::make_pair(child->location(),
                          child->is_scalar() ? child->as_string() : child->emit());
  }
  return location_of(*child, path.substr(dot + 1));
}

}  // namespace

std::string ExportContext::source_of(const std::string& path) const {
  const auto now = location_of(root, path);
  const auto was = location_of(file, path);
  if (now && (!was || now->second != was->second))
    return changed_by + ": " + path + "=" + now->second;
  if (was) return was->first + ": " + path;  // an alias of a knob: the knob's line
  return config_path + ": " + path + " not set (its default)";
}

std::string ExportContext::project() const {
  return dns_label(net->settings().name);
}

std::string dns_label(const std::string& s, std::size_t max) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out.insert(0, "x-");
  if (out.size() > max) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the whole name
    for (const char c : out) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    char tail[16];
    std::snprintf(tail, sizeof tail, "-%08llx", static_cast<unsigned long long>(h & 0xffffffffu));
    out.resize(max - 9);
    while (!out.empty() && out.back() == '-') out.pop_back();
    out += tail;
  }
  return out;
}

std::string gpu_product_label(const std::string& gpu) {
  const std::string base = gpu.substr(0, gpu.find('/'));
  if (base.rfind("V100", 0) == 0 || base == "T4") return "Tesla-" + base;
  if (base == "H100-SXM5-80GB") return "NVIDIA-H100-80GB-HBM3";
  if (base == "H200-SXM-141GB") return "NVIDIA-H200";
  return "NVIDIA-" + base;
}

std::string gpu_resource(const std::string& gpu) {
  const auto slash = gpu.find('/');
  if (slash == std::string::npos) return "nvidia.com/gpu";
  const std::string slice = gpu.substr(slash + 1);  // "3g"
  const int g = std::atoi(slice.c_str());
  // NVIDIA's MIG profiles (A100/H100 user guide): memory in GB by compute slices.
  const bool h200 = gpu.find("141GB") != std::string::npos;
  const bool big = gpu.find("80GB") != std::string::npos || gpu.find("94GB") != std::string::npos;
  int memory = 0;
  switch (g) {
    case 1:
      memory = h200 ? 18 : big ? 10 : 5;
      break;
    case 2:
      memory = h200 ? 35 : big ? 20 : 10;
      break;
    case 3:
    case 4:
      memory = h200 ? 71 : big ? 40 : 20;
      break;
    default:
      memory = h200 ? 141 : big ? 80 : 40;
      break;
  }
  return "nvidia.com/mig-" + slice + "." + std::to_string(memory) + "gb";
}

std::string identifier(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "x_" + out;
  return out;
}

std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string number_text(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string mebibytes(double bytes) {
  const double mib = std::ceil(std::max(bytes, 0.0) / (1024.0 * 1024.0));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fMi", std::max(mib, 1.0));
  return buf;
}

YamlText& YamlText::line(int indent, const std::string& text, const std::string& comment) {
  out_ += std::string(static_cast<std::size_t>(2 * indent), ' ') + text;
  if (!comment.empty()) out_ += "  # " + comment;
  out_ += '\n';
  return *this;
}

YamlText& YamlText::comment(int indent, const std::string& text) {
  out_ += std::string(static_cast<std::size_t>(2 * indent), ' ') + "# " + text + '\n';
  return *this;
}

YamlText& YamlText::document() {
  out_ += "---\n";
  return *this;
}

}  // namespace scalesim::cli
