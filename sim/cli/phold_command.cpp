// scalesim phold: the PHOLD benchmark with ROSS's flag names, so runs compare one to one.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "event_queue/calendar_queue.h"
#include "exit_codes.h"
#include "phold/phold.h"
#include "scalesim/json_writer.h"
#include "scalesim/kernel.h"
#include "scalesim/result_hash.h"

namespace scalesim::cli {
namespace {

namespace po = boost::program_options;

struct PholdOutcome {
  KernelCounters counters;
  double wall_s = 0.0;
  std::uint64_t hash = 0;
};

template <class Queue>
PholdOutcome run_phold(const PholdParams& p, std::uint64_t seed) {
  Phold model(p);
  SequentialKernel<Phold, Queue> kernel(model, seed, EndCondition{from_seconds(p.end), UINT64_MAX});
  const auto start = std::chrono::steady_clock::now();
  kernel.init();
  PholdOutcome out;
  out.counters = kernel.run();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ResultHash h;
  h.add(out.counters.events_processed);
  h.add(out.counters.events_past_end);
  h.add(out.counters.last_event_time);
  h.add(std::span<const std::uint64_t>(kernel.processed_per_lp()));
  out.hash = h.value();
  return out;
}

}  // namespace

int phold_command(const std::vector<std::string>& args) {
  PholdParams p;
  std::uint64_t seed = 1;
  std::string queue = "calendar";
  po::options_description opts("scalesim phold options");
  opts.add_options()
      ("help,h", "this help")
      ("nlp", po::value(&p.nlp)->default_value(p.nlp), "total number of LPs")
      ("start-events", po::value(&p.start_events)->default_value(p.start_events), "initial events per LP")
      ("mean", po::value(&p.mean)->default_value(p.mean), "mean delay between events (time units = s)")
      ("lookahead", po::value(&p.lookahead)->default_value(p.lookahead), "minimum delay")
      ("remote", po::value(&p.remote)->default_value(p.remote), "probability of a random destination")
      ("end", po::value(&p.end)->default_value(p.end), "end time")
      ("seed", po::value(&seed)->default_value(seed), "random seed")
      ("queue", po::value(&queue)->default_value(queue), "pending-event set: heap or calendar")
      ("json", "print one JSON object instead of text");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim phold: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  PholdOutcome r;
  try {
    if (queue == "heap") {
      r = run_phold<DaryHeap<4>>(p, seed);
    } else if (queue == "calendar") {
      r = run_phold<CalendarQueue>(p, seed);
    } else {
      std::fprintf(stderr, "scalesim phold: --queue must be heap or calendar, not '%s'\n", queue.c_str());
      return kExitUsage;
    }
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "scalesim %s\n", e.what());
    return kExitUsage;
  }
  const double rate = static_cast<double>(r.counters.events_processed) / std::max(r.wall_s, 1e-9);
  char hash[24];
  std::snprintf(hash, sizeof hash, "0x%016llx", static_cast<unsigned long long>(r.hash));
  if (vm.count("json")) {
    JsonWriter j;
    j.begin_object()
        .value("benchmark", "phold")
        .value("nlp", p.nlp)
        .value("start_events", p.start_events)
        .value("mean", p.mean)
        .value("lookahead", p.lookahead)
        .value("remote", p.remote)
        .value("end", p.end)
        .value("seed", seed)
        .value("queue", queue)
        .value("ranks", 1)
        .value("threads", 1)
        .value("events", r.counters.events_processed)
        .value("events_past_end", r.counters.events_past_end)
        .value("wall_s", r.wall_s)
        .value("events_per_s", rate)
        .value("result_hash", hash)
        .end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf("PHOLD: %u LPs, %u start events each, mean %g, lookahead %g, remote %g, end %g (%s)\n",
                p.nlp, p.start_events, p.mean, p.lookahead, p.remote, p.end, queue.c_str());
    std::printf("  events processed   %llu\n", static_cast<unsigned long long>(r.counters.events_processed));
    std::printf("  scheduled past end %llu\n", static_cast<unsigned long long>(r.counters.events_past_end));
    std::printf("  wall time          %.4f s\n", r.wall_s);
    std::printf("  event rate         %.0f events/s\n", rate);
    std::printf("  result hash        %s\n", hash);
  }
  return kExitOk;
}

}  // namespace scalesim::cli
