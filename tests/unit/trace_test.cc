// Trace replay: the CSV reader (times, sizes, scaling, tiling, errors) and the trace source in a
// network.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <thread>

#include "models/queueing/queueing_network.h"
#include "models/workload/trace_reader.h"

namespace scalesim {
namespace {

// In a folder of the test's own: ctest runs the tests of this file side by side.
std::string write_trace(const std::string& name, const std::string& text) {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  std::string dir =
      testing::TempDir() + "/trace_test." + test->test_suite_name() + "." + test->name();
  ::mkdir(dir.c_str(), 0755);
  const std::string path = dir.append("/").append(name);
  std::ofstream(path) << text;
  return path;
}

TraceLayout azure() {
  TraceLayout l;
  l.size_column = "ContextTokens";
  l.aux_column = "GeneratedTokens";
  return l;
}

TEST(TraceReader, DatetimesParseToNanoseconds) {
  EXPECT_EQ(parse_datetime_ns("1970-01-01 00:00:01.5"), 1'500'000'000);
  EXPECT_EQ(parse_datetime_ns("1970-01-02 00:00:00"), 86'400'000'000'000);
  EXPECT_EQ(parse_datetime_ns("2000-03-01T00:00:00"), 951'868'800'000'000'000);  // leap year
  EXPECT_EQ(*parse_datetime_ns("2023-11-16 18:15:50.9951690") -
                *parse_datetime_ns("2023-11-16 18:15:46.6805900"),
            4'314'579'000);
  EXPECT_FALSE(parse_datetime_ns("2023-13-16 18:15:46"));
  EXPECT_FALSE(parse_datetime_ns("yesterday"));
  EXPECT_FALSE(parse_datetime_ns("2023-11-16 18:15:46.x"));
}

TEST(TraceReader, RowsSizesScalingAndTiling) {
  const std::string path = write_trace("t.csv",
                                       "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                       "2023-11-16 18:15:46.0,374,44\n2023-11-16 "
                                       "18:15:47.0,396,109\n2023-11-16 18:15:49.0,879,55\n");
  TraceReader r(path, azure(), 2.0, 2);  // twice as fast, twice over
  std::vector<TraceRow> rows;
  while (auto row = r.next()) rows.push_back(*row);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].time, 0);
  EXPECT_EQ(rows[1].time, 500'000'000);
  EXPECT_EQ(rows[2].time, 1'500'000'000);
  EXPECT_EQ(rows[1].size, 396u);
  EXPECT_EQ(rows[1].aux, 109u);
  // The second copy starts one mean gap (1.5 s / 2 rows = 0.75 s) after the first one ends.
  EXPECT_EQ(rows[3].time, 2'250'000'000);
  EXPECT_EQ(rows[5].time, 2'250'000'000 + 1'500'000'000);
  EXPECT_EQ(rows[5].size, 879u);
  // A copy of a reader starts from the beginning.
  TraceReader again(r);
  EXPECT_EQ(again.next()->size, 374u);
  const auto preview = TraceReader(path, azure()).preview(100);
  EXPECT_EQ(preview.rows, 3u);
  EXPECT_DOUBLE_EQ(preview.rate_per_s, 2.0 / 3.0);
}

std::string error_of(const std::string& text, TraceLayout layout = azure()) {
  try {
    TraceReader r(write_trace("bad.csv", text), layout);
    while (r.next()) {
    }
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

TEST(TraceReader, BadTracesNameFileAndLine) {
  const std::string h = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,374,44\n2023-11-16 18:15:45.0,1,1\n")
                .find("bad.csv:3: time goes backwards"),
            std::string::npos);
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,374\n").find("bad.csv:2: expected 3 columns"),
            std::string::npos);
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,-5,44\n")
                .find("bad.csv:2: column 'ContextTokens': expected a whole number"),
            std::string::npos);
  EXPECT_NE(error_of(h + "noon,5,44\n").find("bad.csv:2: column 'TIMESTAMP': bad time"),
            std::string::npos);
  EXPECT_NE(error_of(h).find("header but no rows"), std::string::npos);
  EXPECT_NE(error_of("").find("bad.csv:1: empty trace"), std::string::npos);
  TraceLayout wrong = azure();
  wrong.size_column = "PromptTokens";
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,1,1\n", wrong)
                .find("no size column 'PromptTokens' (the header has: TIMESTAMP, ContextTokens, "
                      "GeneratedTokens)"),
            std::string::npos);
  EXPECT_THROW(TraceReader("/nonexistent.csv", azure()), TraceError);
}

TEST(TraceReader, SortsAnUnsortedTraceInMemoryWhenAsked) {
  const std::string h = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  const std::string path = write_trace("unsorted.csv", h + "2023-11-16 18:15:46.0,1,10\n"
                                                           "2023-11-16 18:15:44.0,2,20\n"
                                                           "2023-11-16 18:15:46.0,3,30\n"
                                                           "2023-11-16 18:15:45.5,4,40\n");
  EXPECT_THROW(
      {
        TraceReader r(path, azure());
        while (r.next()) {
        }
      },
      TraceError);
  TraceReader r(path, azure(), 1.0, 2, /*sort=*/true);
  std::vector<std::pair<SimTime, std::uint32_t>> got;
  while (const auto row = r.next()) got.emplace_back(row->time, row->size);
  // Sorted by time, equal times in file order (stable), the second tile after the first.
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[0], std::make_pair(SimTime{0}, 2u));
  EXPECT_EQ(got[1], std::make_pair(SimTime{1'500'000'000}, 4u));
  EXPECT_EQ(got[2], std::make_pair(SimTime{2'000'000'000}, 1u));
  EXPECT_EQ(got[3], std::make_pair(SimTime{2'000'000'000}, 3u));
  EXPECT_GT(got[4].first, got[3].first);
  EXPECT_EQ(got[4].second, 2u);
  // A copy replays the same sorted rows from the start.
  TraceReader copy(r);
  EXPECT_EQ(copy.next()->size, 2u);
  // A malformed row is still an error with its line when sorting.
  EXPECT_THROW(TraceReader(write_trace("bad_sorted.csv", h + "2023-11-16 18:15:46.0,x,1\n"),
                           azure(), 1.0, 1, true),
               TraceError);
}

TEST(TraceReader, RejectsTextThatIsNotUtf8) {
  const std::string h = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  // Latin-1 e-acute in a row.
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,1,1\n2023-11-16 18:15:47.0,1,1 caf\xE9\n")
                .find("bad.csv:3:"),
            std::string::npos);
  EXPECT_NE(error_of(h + "2023-11-16 18:15:47.0,1,1 caf\xE9\n").find("is not valid UTF-8"),
            std::string::npos);
  // UTF-16 little endian with its byte-order mark.
  EXPECT_NE(error_of(std::string("\xFF\xFET\0I\0", 6) + "\n").find("bad.csv:1: the file is UTF-16"),
            std::string::npos);
  // A NUL byte inside a row.
  EXPECT_NE(
      error_of(h + std::string("2023-11-16 18:15:46.0,1\0,1\n", 27)).find("bad.csv:2:24: a NUL"),
      std::string::npos);
  // Valid multi-byte UTF-8 passes the check (and then fails on the number, not the encoding).
  EXPECT_NE(error_of(h + "2023-11-16 18:15:46.0,\xC3\xA9,1\n").find("expected a whole number"),
            std::string::npos);
}

TEST(TraceReader, ALineWithoutEndIsAnErrorNotAHang) {
  // /dev/zero, or a stream that never sends a newline: memory is bounded by the 1 MiB line cap.
  const std::string h = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  const std::string err = error_of(h + std::string((1 << 20) + 10, 'x'));
  EXPECT_NE(err.find("bad.csv:2: no end of line in the first 1 MiB"), std::string::npos) << err;
  const std::string first = error_of(std::string((1 << 20) + 10, '\0'));
  EXPECT_NE(first.find("bad.csv:1: no end of line"), std::string::npos) << first;
}

std::string numbered_rows(int n) {
  std::string text = "t,n\n";
  for (int i = 0; i < n; ++i) text += std::to_string(i) + "," + std::to_string(i) + "\n";
  return text;
}

TEST(TraceReader, PreviewRowsAreHandedOnSoEachRowIsReadOnce) {
  TraceLayout l;
  l.time_column = "t";
  l.size_column = "n";
  l.time_format = TraceLayout::TimeFormat::kSeconds;
  TraceReader r(write_trace("numbered.csv", numbered_rows(25)), l);
  EXPECT_EQ(r.preview(10).rows, 10u);
  EXPECT_EQ(r.preview(10).rows, 10u);  // a second look sees the same rows
  std::vector<std::uint32_t> got;
  while (const auto row = r.next()) {
    got.push_back(row->size);
    if (got.size() == 5) {
      TraceReader copy(r);  // a file: the copy opens it again, from the start
      EXPECT_EQ(copy.next()->size, 0u);
    }
  }
  ASSERT_EQ(got.size(), 25u);
  for (std::uint32_t i = 0; i < 25; ++i) EXPECT_EQ(got[i], i);
  EXPECT_TRUE(r.rereadable());
  EXPECT_STREQ(r.form(), "CSV");
}

TEST(TraceReader, AFifoIsReadOnceAndKeptInMemoryToReplay) {
  const std::string fifo = testing::TempDir() + "/trace.fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << numbered_rows(30); });
  TraceLayout l;
  l.time_column = "t";
  l.size_column = "n";
  l.time_format = TraceLayout::TimeFormat::kSeconds;
  TraceReader r(fifo, l, 1.0, /*repeat=*/2);  // tiled: the pipe is read whole, once
  writer.join();
  EXPECT_FALSE(r.rereadable());
  EXPECT_EQ(r.preview(100).rows, 60u);
  TraceReader copy(r);
  std::uint64_t rows = 0;
  std::uint64_t sum = 0;
  while (const auto row = copy.next()) {
    ++rows;
    sum += row->size;
  }
  EXPECT_EQ(rows, 60u);
  EXPECT_EQ(sum, 2u * (29u * 30u / 2u));
  std::remove(fifo.c_str());
}

TEST(TraceSource, ReplaysTheBundledAzureTraceIntoANetwork) {
  const std::string yaml =
      "name: t\ncomponents:\n  requests:\n    type: trace\n    file: " +
      std::string(SCALESIM_SOURCE_DIR) +
      "/data/traces/azure_llm_conv_2023.csv\n    format: azure_llm\n    time_scale: 10\n"
      "    to: done\n  done: {type: sink}\n";
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(yaml));
  const NetworkRun run = simulate(net, 1);
  EXPECT_EQ(net.get<TraceSource>("requests").emitted(), 19366u);
  EXPECT_EQ(net.get<Sink>("done").arrived(), 19366u);
  // The recorded hour (18:15:46.68 to 19:14:08.40), ten times faster.
  EXPECT_NEAR(to_seconds(run.end_time), (58 * 60 + 21.722) / 10, 1e-3);
}

TEST(TraceSource, ConfigErrorsPointAtTheFileKey) {
  const std::string yaml =
      "name: t\ncomponents:\n  requests:\n    type: trace\n    file: missing.csv\n"
      "    to: done\n  done: {type: sink}\n";
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(yaml));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("<string>:5:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot open the trace file"), std::string::npos);
  }
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

QueueingNetwork arrivals_only(const std::string& arrivals, const std::string& end,
                              const std::string& interval) {
  return QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\nseed: 3\nend: {time: " + end + "}\noutput: {interval: " + interval +
      "}\ncomponents:\n  src: {type: source, arrivals: " + arrivals +
      ", to: done}\n  done: {type: sink}\n"));
}

TEST(ArrivalProcesses, MmppHasItsLongRunRateAndIsBursty) {
  // Calm 100/s, bursts 1000/s; bursts start at 0.1/s and last 2 s on average: a burst share of
  // 0.1 / (0.1 + 0.5) = 1/6, so the long-run rate is 5/6 x 100 + 1/6 x 1000 = 250/s.
  QueueingNetwork net = arrivals_only(
      "{process: mmpp, rate: 100/s, burst_rate: 1000/s, calm_to_burst: 0.1/s, burst_to_calm: "
      "0.5/s}",
      "4000s", "1s");
  const NetworkRun run = simulate(net, 3);
  const auto& sink = net.get<Sink>("done");
  EXPECT_NEAR(sink.throughput(), 250.0, 0.05 * 250.0);
  EXPECT_NEAR(net.get<Source>("src").interarrival().mean_rate(), 250.0, 1e-9);
  // Counts per second: a Poisson stream has variance = mean; this one far more.
  Welford per_second;
  for (const auto& row : sink.series().rows()) per_second.add(row.throughput_per_s);
  EXPECT_GT(per_second.variance(), 20 * per_second.mean());
  (void)run;
}

TEST(ArrivalProcesses, DiurnalRateFollowsTheDay) {
  // Mean 50/s, amplitude 0.6, peak at 14:00: 80/s at 14:00, 20/s at 02:00.
  QueueingNetwork net =
      arrivals_only("{process: diurnal, rate: 50/s, amplitude: 0.6, peak: 14h}", "96h", "1h");
  (void)simulate(net, 3);
  const auto& rows = net.get<Sink>("done").series().rows();
  ASSERT_GE(rows.size(), 96u);
  Welford peak, trough, all;
  for (std::size_t h = 0; h < 96; ++h) {
    const double mid_hour = static_cast<double>(h % 24) + 0.5;
    all.add(rows[h].throughput_per_s);
    if (mid_hour == 14.5) peak.add(rows[h].throughput_per_s);
    if (mid_hour == 2.5) trough.add(rows[h].throughput_per_s);
  }
  // Hour 14-15 averages the sinusoid near its top (0.6 x cos(15 deg)... within 3%).
  EXPECT_NEAR(peak.mean(), 50 * (1 + 0.6 * std::cos(std::numbers::pi / 24)), 0.03 * 80);
  EXPECT_NEAR(trough.mean(), 50 * (1 - 0.6 * std::cos(std::numbers::pi / 24)), 0.05 * 20);
  EXPECT_NEAR(all.mean(), 50.0, 0.02 * 50);
}

}  // namespace
}  // namespace scalesim

namespace scalesim {
namespace {

TEST(TraceSource, CascadeGateCanReadEachRequestsConfidenceFromTheTrace) {
  // Confidence in per mille in the trace's third column, mapped to `aux`.
  const std::string path = write_trace(
      "conf.csv", "t,tokens,confidence\n0.0,10,950\n0.1,10,400\n0.2,10,801\n0.3,10,799\n");
  QueueingNetwork net = QueueingNetwork::from_config(ConfigNode::load_string(
      "name: t\ncomponents:\n  r: {type: trace, file: " + path +
      ", time_format: s, columns: {time: t, size: tokens, aux: confidence}, to: g}\n"
      "  g: {type: cascade_gate, confidence: {field: aux, scale: 0.001}, threshold: 0.8, "
      "accept: a, escalate: b}\n  a: {type: sink}\n  b: {type: sink}\n"));
  (void)simulate(net, 1);
  EXPECT_EQ(net.get<CascadeGate>("g").accepted(), 2u);  // 0.950 and 0.801
  EXPECT_EQ(net.get<CascadeGate>("g").escalated(), 2u);
  EXPECT_EQ(net.get<Sink>("a").arrived(), 2u);
}

}  // namespace
}  // namespace scalesim
