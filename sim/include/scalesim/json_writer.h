// A small streaming JSON writer for the command line's --json output: one object, keys in the
// order written, doubles printed with enough digits to round-trip.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalesim {

class JsonWriter {
 public:
  JsonWriter& begin_object(std::string_view key = {});
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {});
  JsonWriter& end_array();

  JsonWriter& value(std::string_view key, std::string_view v);
  JsonWriter& value(std::string_view key, const char* v) { return value(key, std::string_view(v)); }
  JsonWriter& value(std::string_view key, double v);
  JsonWriter& value(std::string_view key, std::uint64_t v);
  JsonWriter& value(std::string_view key, std::int64_t v);
  JsonWriter& value(std::string_view key, std::uint32_t v) { return value(key, std::uint64_t{v}); }
  JsonWriter& value(std::string_view key, int v) { return value(key, std::int64_t{v}); }
  JsonWriter& value(std::string_view key, bool v);

  const std::string& str() const { return out_; }

 private:
  void prefix(std::string_view key);
  void quoted(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
};

}  // namespace scalesim
