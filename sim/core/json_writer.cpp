#include "scalesim/json_writer.h"

#include <cmath>
#include <cstdio>

namespace scalesim {

void JsonWriter::prefix(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  if (!key.empty()) {
    quoted(key);
    out_ += ':';
  }
}

void JsonWriter::quoted(std::string_view s) {
  out_ += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\r':
        out_ += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out_ += buf;
        } else {
          out_ += c;
        }
    }
  }
  out_ += '"';
}

JsonWriter& JsonWriter::begin_object(std::string_view key) {
  prefix(key);
  out_ += '{';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::begin_array(std::string_view key) {
  prefix(key);
  out_ += '[';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view key, std::string_view v) {
  prefix(key);
  quoted(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view key, double v) {
  prefix(key);
  if (!std::isfinite(v)) {
    out_ += "null";  // JSON has no inf/nan
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out_ += buf;
  }
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view key, std::uint64_t v) {
  prefix(key);
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view key, std::int64_t v) {
  prefix(key);
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view key, bool v) {
  prefix(key);
  out_ += v ? "true" : "false";
  return *this;
}

}  // namespace scalesim
