#include "cli/export/export_context.h"

#include <cctype>
#include <algorithm>
#include <cstdio>
#include <optional>

namespace scalesim::cli {

namespace {

// file:line:column of the value at a dotted path (an alias of a knob: the knob's line).
std::optional<std::string> location_of(const ConfigNode& n, std::string_view path) {
  const std::size_t dot = path.find('.');
  const auto child = n.is_map() ? n.find(path.substr(0, dot)) : std::nullopt;
  if (!child) return std::nullopt;
  if (dot == std::string_view::npos) return child->location();
  return location_of(*child, path.substr(dot + 1));
}

}  // namespace

std::string ExportContext::source_of(const std::string& path) const {
  if (const auto it = overridden.find(path); it != overridden.end()) return it->second;
  if (const auto where = location_of(root, path)) return *where + ": " + path;
  return config_path + ": " + path + " not set (its default)";
}

std::string ExportContext::project() const {
  return dns_label(net->settings().name);
}

std::string dns_label(const std::string& s) {
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
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "x-" + out;
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
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

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
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
