// Shared helpers for the sweep tests: specs over configs/patterns/cascade.yaml, expected
// ConfigErrors, and scratch directories.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "sweep/sweep_spec.h"

namespace scalesim::test {

inline std::string patterns_dir() {
  return std::string(SCALESIM_SOURCE_DIR) + "/configs/patterns";
}

// Loads `text` as if it were the file spec.yaml in configs/patterns (so base: cascade.yaml).
inline SweepSpec load_spec(const std::string& text) {
  return load_sweep_spec_string(text, "spec.yaml", patterns_dir());
}

// Loading `text` fails with a ConfigError at spec.yaml:LINE: whose message contains `what`.
inline void expect_spec_error(const std::string& text, int line, const std::string& what) {
  try {
    load_spec(text);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("spec.yaml:" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "scalesim-sweep-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace scalesim::test
