// scalesim info hardware|models: print the catalog (configs/hardware, configs/models).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "hardware/catalog/catalog.h"
#include "scalesim/json_writer.h"

namespace scalesim::cli {

namespace po = boost::program_options;
using hardware::Catalog;

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void print_hardware(const Catalog& c) {
  std::printf("GPUs (peak dense TFLOP/s; memory; HBM; GPU link per direction; TDP; $/h)\n");
  std::printf("  %-16s %-7s %6s %6s %6s %6s %6s %8s %9s %-8s %5s %6s\n", "name", "arch", "fp32",
              "tf32", "fp16", "bf16", "int8", "memory", "HBM", "link", "TDP", "$/h");
  for (const auto& [name, g] : c.gpus()) {
    std::printf("  %-16s %-7s", name.c_str(), g.architecture.c_str());
    for (const double p : g.peak_flops) {
      std::printf(" %6s", p > 0 ? fmt("%.1f", p / 1e12).c_str() : "-");
    }
    std::printf(" %5.0fGiB %6.0fGB/s %-8s %4.0fW %6.2f%s\n", g.memory_bytes / (1 << 30),
                g.hbm_bandwidth / 1e9,
                (g.gpu_link + " " + fmt("%.0f", g.gpu_link_bandwidth / 1e9)).c_str(), g.tdp_watts,
                g.price_per_hour, g.mig_slices ? "  MIG" : "");
  }
  std::printf("\nGPU efficiency (fitted; %s)\n", c.efficiency_file().c_str());
  for (const auto& a : c.architectures()) {
    const auto e = c.efficiency(a);
    std::printf(
        "  %-7s kernel launch %.2f us, fill %.0f cycles, HBM efficiency %.2f, peak "
        "efficiency",
        a.c_str(), e.kernel_launch * 1e6, e.fill_cycles, e.memory_efficiency);
    for (std::size_t i = 0; i < hardware::kPrecisionCount; ++i) {
      std::printf(" %s %.2f", std::string(hardware::kPrecisionNames[i]).c_str(),
                  e.max_efficiency[i]);
    }
    std::printf("\n");
  }
  std::printf("\nSoftware stacks\n");
  for (const auto& [name, s] : c.stacks()) {
    std::printf("  %-14s %s, %g activation passes, %.1f us per op, %.1f us per batch\n",
                name.c_str(), s.fused ? "fused" : "eager", s.activation_passes,
                s.per_op_overhead * 1e6, s.per_batch_overhead * 1e6);
  }
  std::printf("\nCPU instances (vCPUs/cores; peak GFLOP/s per core; memory; network; $/h)\n");
  for (const auto& [name, cpu] : c.cpus()) {
    std::printf("  %-14s %3d/%-3d %6.1f %6.0fGiB %6.1fGbps %7.4f  %s\n", name.c_str(), cpu.vcpus,
                cpu.cores, cpu.core_flops / 1e9, cpu.memory_bytes / (1 << 30),
                cpu.network_bandwidth * 8 / 1e9, cpu.price_per_hour, cpu.processor.c_str());
  }
  for (const char* kind : {"redis_nodes", "nics", "fabrics", "object_stores"}) {
    const auto& section = c.section(kind);
    if (section.empty()) continue;
    std::printf("\n%s\n", kind);
    for (const auto& [name, node] : section) {
      std::string line;
      for (const auto& [key, value] : node.entries()) {
        if (key == "source" || !value.is_scalar()) continue;
        line += (line.empty() ? "" : ", ") + key + " " + value.as_string();
      }
      std::printf("  %-14s %s\n", name.c_str(), line.c_str());
    }
  }
}

void print_models(const Catalog& c) {
  std::printf(
      "Models (GFLOP per sample at the default input; parameters; weights at the default "
      "precision)\n");
  for (const auto& [name, m] : c.models()) {
    std::printf("  %-14s %9.3f GFLOP per sample of %g %-6s %9.1f M params %8.2f GB %-5s %s%s\n",
                name.c_str(), m.flops_per_sample(m.default_input) / 1e9, m.default_input,
                m.input_unit.c_str(), (m.parameters + m.embedding_parameters) / 1e6,
                m.weight_bytes(m.default_precision) / 1e9,
                std::string(hardware::to_string(m.default_precision)).c_str(), m.task.c_str(),
                m.decoder ? fmt(", KV %.0f KiB/token",
                                m.decoder->kv_bytes_per_token(m.default_precision) / 1024)
                                .c_str()
                          : "");
  }
}

void json_catalog(const Catalog& c, bool hardware_kind) {
  JsonWriter j;
  j.begin_object();
  if (hardware_kind) {
    j.begin_object("gpus");
    for (const auto& [name, g] : c.gpus()) {
      j.begin_object(name).value("architecture", g.architecture);
      j.begin_object("peak_flops");
      for (std::size_t i = 0; i < hardware::kPrecisionCount; ++i) {
        if (g.peak_flops[i] > 0) j.value(hardware::kPrecisionNames[i], g.peak_flops[i]);
      }
      j.end_object()
          .value("memory_bytes", g.memory_bytes)
          .value("hbm_bandwidth", g.hbm_bandwidth)
          .value("gpu_link_bandwidth", g.gpu_link_bandwidth)
          .value("nvlink_bridge_bandwidth", g.nvlink_bridge_bandwidth)
          .value("tdp_watts", g.tdp_watts)
          .value("price_per_hour", g.price_per_hour)
          .value("source", g.source)
          .end_object();
    }
    j.end_object().begin_object("cpus");
    for (const auto& [name, cpu] : c.cpus()) {
      j.begin_object(name)
          .value("vcpus", cpu.vcpus)
          .value("cores", cpu.cores)
          .value("core_flops", cpu.core_flops)
          .value("memory_bytes", cpu.memory_bytes)
          .value("price_per_hour", cpu.price_per_hour)
          .value("source", cpu.source)
          .end_object();
    }
    j.end_object();
    for (const char* kind : {"redis_nodes", "nics", "fabrics", "object_stores"}) {
      j.begin_array(kind);
      for (const auto& [name, node] : c.section(kind)) j.value({}, name);
      j.end_array();
    }
  } else {
    j.begin_object("models");
    for (const auto& [name, m] : c.models()) {
      j.begin_object(name)
          .value("task", m.task)
          .value("input_unit", m.input_unit)
          .value("default_input", m.default_input)
          .value("flops_per_sample", m.flops_per_sample(m.default_input))
          .value("parameters", m.parameters + m.embedding_parameters)
          .value("weight_bytes", m.weight_bytes(m.default_precision))
          .value("source", m.source)
          .end_object();
    }
    j.end_object();
  }
  j.end_object();
  std::printf("%s\n", j.str().c_str());
}

}  // namespace

int info_command(const std::vector<std::string>& args) {
  std::string what;
  std::string dir = Catalog::default_dir();
  po::options_description opts("scalesim info hardware|models options");
  opts.add_options()("help,h", "this help")("what", po::value(&what), "hardware or models")(
      "catalog", po::value(&dir)->default_value(dir),
      "config folder holding hardware/ and models/ (default: $SCALESIM_CONFIG_DIR, else the "
      "source tree's configs/)")("json", "print JSON");
  po::positional_options_description pos;
  pos.add("what", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim info: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim info hardware|models [options]\n" << opts << "\n";
    return kExitOk;
  }
  if (what != "hardware" && what != "models") {
    std::fprintf(stderr, "scalesim info: say what to list: hardware or models\n");
    return kExitUsage;
  }
  try {
    const Catalog catalog = Catalog::load(dir);
    if (vm.count("json")) {
      json_catalog(catalog, what == "hardware");
    } else if (what == "hardware") {
      print_hardware(catalog);
    } else {
      print_models(catalog);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalesim info: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

}  // namespace scalesim::cli
