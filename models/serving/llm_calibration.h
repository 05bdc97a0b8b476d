// llm_engine's GPU step time against public LLM serving measurements
// (calibration/llm_serving_public.csv: Splitwise's prefill and decode steps, Sarathi-Serve's
// decode batches and chunked prefills, TensorRT-LLM's batch-1 TTFT and static throughput).
//
// Each comparable row is turned into the iterations the engine would run for it (a prefill of
// the batch's prompts, decode steps at the stated context, a prompt in chunks, a static batch's
// prefill and decodes) and priced by LlmStepTime on the roofline, which was fitted to other data
// (docs/calibration.md) and not to these rows. The rows also show what the roofline lacks: a
// serving stack's host work per iteration and per sequence in it (scheduling, sampling,
// detokenising in Python). That overhead is fitted per stack (the rows' `system`) as
// a · iterations + b · sequence-iterations (a, b >= 0, least squares on relative error), and
// judged out of sample: each row is predicted with the overhead fitted to the other rows of its
// stack (leave one out).
#pragma once

#include <string>
#include <vector>

#include "hardware/catalog/catalog.h"

namespace scalesim {

struct LlmServingPoint {
  std::string label;   // "Splitwise, Llama-2-70B TP8 on A100-SXM4-80GB: decode step, batch 64"
  std::string stack;   // Splitwise, Sarathi-Serve, TensorRT-LLM
  std::string metric;  // as in the file
  std::string unit;    // "s" for times, "tokens/s" for throughputs
  double measured = 0;
  std::string skipped;  // non-empty: why the row is not compared
  // The work, priced: time on the roofline alone, iterations, and the sum over iterations of
  // the sequences in each (what a host overhead scales with); tokens produced (throughputs).
  double roofline_s = 0, iterations = 0, sequence_iterations = 0, tokens = 0;
  double roofline = 0;   // the row's metric from the roofline alone
  double predicted = 0;  // the row's metric with its stack's overhead fitted to the other rows
  double roofline_error = 0, error = 0;  // relative to measured
};

struct StackOverhead {
  std::string stack;
  double per_iteration_s = 0, per_sequence_s = 0;  // fitted to all of its rows
  std::size_t points = 0;
};

struct LlmServingCalibration {
  std::vector<LlmServingPoint> points;  // every row of the file, in order
  std::vector<StackOverhead> overheads;
  double roofline_median = 0, roofline_worst = 0;  // |error| over the compared rows
  double loo_median = 0, loo_worst = 0;
  std::size_t compared = 0;
};

// Reads the file (errors name file, line and column) and compares it with the catalog's GPUs.
LlmServingCalibration calibrate_llm_serving(const std::string& csv_path,
                                            const hardware::Catalog& catalog);

}  // namespace scalesim
