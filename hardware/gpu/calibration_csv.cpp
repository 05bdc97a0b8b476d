#include "hardware/gpu/calibration_csv.h"

#include <cmath>
#include <exception>

#include "hardware/catalog/catalog.h"

namespace scalesim::hardware {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

double csv_number(const std::string& s, const std::string& where, const std::string& column) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v)) {
    throw CatalogError(where + ": column '" + column + "': expected a number, got \"" + s + "\"");
  }
  return v;
}

}  // namespace scalesim::hardware
