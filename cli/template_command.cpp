// scalesim templates / scalesim new: the template gallery. The templates are the pattern
// configs (configs/patterns) and the composite systems (configs/composites) that carry a
// `template:` entry; `new` writes a copy whose knobs (traffic, hardware, replicas, thresholds)
// open the file, grouped, with a header saying how to run, draw and export it.
#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "hardware/catalog/catalog.h"
#include "scalesim/atomic_file.h"
#include "scalesim/config/config_node.h"
#include "scalesim/json_writer.h"

namespace scalesim::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 2> kGalleryFolders = {"patterns", "composites"};
constexpr std::array<const char*, 4> kKnobGroups = {"traffic", "hardware", "replicas",
                                                    "thresholds"};

struct Slo {
  std::string name, metric, target;
};

struct TemplateEntry {
  std::string name;  // file stem: what `scalesim new` takes
  std::string path;
  std::string kind;  // "pattern" or "composite"
  std::string title, purpose;
  std::vector<std::string> use_cases, patterns;
  std::vector<Slo> slos;
};

std::vector<std::string> strings_at(const ConfigNode& node, std::string_view key) {
  std::vector<std::string> out;
  const ConfigNode list = node.at(key);
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(list[i].as_string());
  return out;
}

// Every config in the gallery folders with a `template:` entry, patterns first, by name.
std::vector<TemplateEntry> gallery(const std::string& config_dir) {
  std::vector<TemplateEntry> out;
  for (const char* folder : kGalleryFolders) {
    const fs::path dir = fs::path(config_dir) / folder;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dir)) {
      if (f.path().extension() == ".yaml") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const ConfigNode root = ConfigNode::load_file(f.string());
      const auto t = root.find("template");
      if (!t) continue;  // a baseline or an example, not a template
      TemplateEntry e;
      e.name = f.stem().string();
      e.path = f.string();
      e.kind = std::string(folder) == "patterns" ? "pattern" : "composite";
      e.title = t->string("title");
      e.purpose = root.string_or("description", "");
      e.use_cases = strings_at(*t, "use_cases");
      e.patterns = strings_at(*t, "patterns");
      if (const auto slos = root.find("slos")) {
        for (std::size_t i = 0; i < slos->size(); ++i) {
          const ConfigNode s = (*slos)[i];
          e.slos.push_back({s.string("name"), s.string("metric"), s.string("target")});
        }
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

// The template's text with its `knobs:` block regrouped: each knob line's trailing comment
// names its group (`# traffic`, `# hardware: ...`), and the copy lists the groups in a fixed
// order under a heading each. Anchors stay defined before every use (the block stays first),
// so the copy runs exactly as the template does. Throws std::runtime_error when the block is
// missing or a knob line names no group.
std::string template_copy(const std::string& name, const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto begin = std::find(lines.begin(), lines.end(), "knobs:");
  if (begin == lines.end()) {
    throw std::runtime_error("template '" + name + "' has no top-level `knobs:` block");
  }
  auto end = begin + 1;
  while (end != lines.end() && (end->empty() || end->front() == ' ' || end->front() == '#')) ++end;
  std::array<std::vector<std::string>, kKnobGroups.size()> groups;
  for (auto it = begin + 1; it != end; ++it) {
    const std::string line = trim(*it);
    if (line.empty() || line.front() == '#') continue;
    const auto hash = it->find(" # ");
    std::string group = hash == std::string::npos ? std::string() : trim(it->substr(hash + 3));
    group = group.substr(0, group.find(':'));
    const auto g = std::find_if(kKnobGroups.begin(), kKnobGroups.end(),
                                [&](const char* k) { return group == k; });
    if (g == kKnobGroups.end()) {
      std::string msg = "template '";
      msg += name;
      msg += "': knob line '";
      msg += line;
      msg += "' names no group (end it with # traffic, # hardware, # replicas or # thresholds)";
      throw std::runtime_error(msg);
    }
    groups[static_cast<std::size_t>(g - kKnobGroups.begin())].push_back(*it);
  }
  std::string out;
  for (auto it = lines.begin(); it != begin; ++it) out += *it + "\n";
  out += "knobs:\n";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].empty()) continue;
    out += std::string("  # --- ") + kKnobGroups[g] + " ---\n";
    for (const std::string& l : groups[g]) out += l + "\n";
  }
  for (auto it = end; it != lines.end(); ++it) out += *it + "\n";
  return out;
}

int templates_command(const std::vector<std::string>& args) {
  std::string dir = hardware::Catalog::default_dir();
  po::options_description opts("scalesim templates options");
  opts.add_options()("help,h", "this help")("json", "print JSON")(
      "catalog", po::value(&dir)->default_value(dir),
      "config folder holding patterns/ and composites/");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim templates: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim templates [--json]\n  every template: its purpose, the use "
                 "cases it stands for and its headline SLOs\n"
              << opts << "\n";
    return kExitOk;
  }
  std::vector<TemplateEntry> all;
  try {
    all = gallery(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim templates: %s\n", e.what());
    return kExitConfig;
  }
  if (vm.count("json")) {
    JsonWriter j;
    j.begin_array();
    for (const TemplateEntry& e : all) {
      j.begin_object();
      j.value("name", e.name).value("kind", e.kind).value("title", e.title);
      j.value("purpose", e.purpose).value("path", e.path);
      j.begin_array("use_cases");
      for (const auto& u : e.use_cases) j.value({}, u);
      j.end_array();
      j.begin_array("patterns");
      for (const auto& p : e.patterns) j.value({}, p);
      j.end_array();
      j.begin_array("slos");
      for (const Slo& s : e.slos) {
        j.begin_object().value("name", s.name).value("metric", s.metric);
        j.value("target", s.target).end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    std::printf("%s\n", j.str().c_str());
    return kExitOk;
  }
  std::string last_kind;
  for (const TemplateEntry& e : all) {
    if (e.kind != last_kind) {
      std::printf("%s\n", e.kind == "pattern" ? "Patterns (one design pattern each):"
                                              : "\nComposite systems (patterns sharing "
                                                "infrastructure):");
      last_kind = e.kind;
    }
    std::printf("  %-22s %s\n", e.name.c_str(), e.title.c_str());
    std::printf("  %-22s %s\n", "", e.purpose.c_str());
    std::string uses;
    for (const auto& u : e.use_cases) uses += (uses.empty() ? "" : "; ") + u;
    std::printf("  %-22s use cases: %s\n", "", uses.c_str());
    if (e.kind == "composite") {
      std::string pats;
      for (const auto& p : e.patterns) pats += (pats.empty() ? "" : " + ") + p;
      std::printf("  %-22s combines: %s\n", "", pats.c_str());
    }
    for (const Slo& s : e.slos) {
      std::printf("  %-22s SLO %s: %s %s\n", "", s.name.c_str(), s.metric.c_str(),
                  s.target.c_str());
    }
  }
  std::printf(
      "\nscalesim new NAME -o FILE.yaml writes a copy to edit; scalesim show FILE.yaml "
      "draws it.\n");
  return kExitOk;
}

int new_command(const std::vector<std::string>& args) {
  std::string dir = hardware::Catalog::default_dir();
  std::string name;
  std::string output;
  po::options_description opts("scalesim new options");
  opts.add_options()("help,h", "this help")("template", po::value(&name), "template name")(
      "output,o", po::value(&output), "where to write the copy (default: standard output)")(
      "force", "replace an existing file")("catalog", po::value(&dir)->default_value(dir),
                                           "config folder holding patterns/ and composites/");
  po::positional_options_description pos;
  pos.add("template", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim new: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim new TEMPLATE [-o FILE.yaml]\n" << opts << "\n";
    return kExitOk;
  }
  try {
    const std::vector<TemplateEntry> all = gallery(dir);
    const auto it = std::find_if(all.begin(), all.end(),
                                 [&](const TemplateEntry& e) { return e.name == name; });
    if (it == all.end()) {
      std::string names;
      std::vector<std::string> candidates;
      for (const auto& e : all) {
        names += (names.empty() ? "" : ", ") + e.name;
        candidates.push_back(e.name);
      }
      std::string msg = name.empty() ? "say which template: " + names
                                     : "no template '" + name + "' (" + names + ")";
      if (auto near = closest_match(name, candidates); near && !name.empty()) {
        msg += "; did you mean '" + *near + "'?";
      }
      std::fprintf(stderr, "scalesim new: %s\n", msg.c_str());
      return kExitUsage;
    }
    if (!output.empty() && fs::exists(output) && !vm.count("force")) {
      std::fprintf(stderr, "scalesim new: %s exists (--force replaces it)\n", output.c_str());
      return kExitUsage;
    }
    const std::string file = output.empty() ? "FILE.yaml" : output;
    std::string header = "# Made with `scalesim new " + it->name + "`: " + it->title + ".\n";
    header += "# Edit the knobs first (every use below refers to them by alias), then:\n";
    header += "#   scalesim run " + file + " -o results.h5   (summary, HDF5, SLOs met or missed)\n";
    header += "#   scalesim show " + file + " -o topology.svg   (the topology, drawn)\n";
    header += "#   scalesim-report results.h5 -o report/   (report.md, report.html, plots)\n";
    header += "#   scalesim export " + file + " --to kubernetes -o deploy/\n";
    header +=
        "# A knob can be overridden (--set knobs.NAME=VALUE) or swept (set: {knobs.NAME: "
        "[...]}).\n#\n";
    const std::string text = header + template_copy(it->name, read_text(it->path));
    if (output.empty()) {
      std::fputs(text.c_str(), stdout);
    } else {
      write_file_atomically(output, text);
      std::fprintf(stderr, "scalesim new: wrote %s (template %s)\n", output.c_str(),
                   it->name.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim new: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
