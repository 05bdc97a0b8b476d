#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "sweep/sweep_results.h"
#include "sweep_test_util.h"

namespace scalesim {
namespace {

using test::TempDir;

const std::vector<std::string> kMetrics = {"done.p99_latency_s", "cost.per_hour"};

SweepRunResult run(std::uint32_t point, std::uint32_t rep, double a, double b) {
  return SweepRunResult{point, rep, {a, b}};
}

TEST(SweepJournal, RoundTrip) {
  TempDir dir;
  const std::string out = dir.file("out.h5");
  {
    SweepJournal j(out, 0, 42, kMetrics);
    j.append(run(0, 0, 0.5, 1.5));
    j.append(run(3, 2, std::numeric_limits<double>::quiet_NaN(), -2.25));
    j.append(run(1, 1, 1e-300, 1e300));
  }
  const auto got = SweepJournal::read_all(out, 42, kMetrics);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].point, 3u);
  EXPECT_EQ(got[1].replication, 2u);
  EXPECT_TRUE(std::isnan(got[1].values[0]));
  EXPECT_EQ(got[1].values[1], -2.25);
  EXPECT_EQ(got[2].values[0], 1e-300);
  EXPECT_EQ(got[2].values[1], 1e300);
  // Nothing there: nothing read.
  EXPECT_TRUE(SweepJournal::read_all(dir.file("other.h5"), 42, kMetrics).empty());
  // Reopening appends after what is there.
  {
    SweepJournal j(out, 0, 42, kMetrics);
    j.append(run(5, 0, 1, 2));
  }
  EXPECT_EQ(SweepJournal::read_all(out, 42, kMetrics).size(), 4u);
}

TEST(SweepJournal, TornTailIsIgnoredAndCutBeforeAppending) {
  TempDir dir;
  const std::string out = dir.file("out.json");
  {
    SweepJournal j(out, 0, 7, kMetrics);
    for (std::uint32_t p = 0; p < 3; ++p) j.append(run(p, 0, p, p));
  }
  const std::string file = out + ".journal.0";
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size - 5);  // killed in the middle of the last write
  auto got = SweepJournal::read_all(out, 7, kMetrics);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].point, 1u);
  {
    SweepJournal j(out, 0, 7, kMetrics);
    j.append(run(9, 0, 9, 9));
  }
  got = SweepJournal::read_all(out, 7, kMetrics);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].point, 9u);
  // A flipped byte inside the last record fails its checksum: ignored as well.
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-12, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_EQ(SweepJournal::read_all(out, 7, kMetrics).size(), 2u);
  // A header cut short (killed while creating the file) counts as an empty journal.
  std::filesystem::resize_file(file, 6);
  EXPECT_TRUE(SweepJournal::read_all(out, 7, kMetrics).empty());
  {
    SweepJournal j(out, 0, 7, kMetrics);
    j.append(run(4, 1, 4, 4));
  }
  EXPECT_EQ(SweepJournal::read_all(out, 7, kMetrics).size(), 1u);
}

TEST(SweepJournal, DifferentSweepIsAnError) {
  TempDir dir;
  const std::string out = dir.file("out.h5");
  { SweepJournal j(out, 0, 1, kMetrics); }
  for (int which = 0; which < 3; ++which) {
    try {
      if (which == 0) SweepJournal::read_all(out, 2, kMetrics);
      if (which == 1) SweepJournal::read_all(out, 1, {"done.p99_latency_s"});
      if (which == 2) SweepJournal j(out, 0, 2, kMetrics);
      ADD_FAILURE() << "no error " << which;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("out.h5.journal.0"), std::string::npos) << msg;
      EXPECT_NE(msg.find("different sweep"), std::string::npos) << msg;
      EXPECT_NE(msg.find("delete"), std::string::npos) << msg;
    }
  }
}

TEST(SweepJournal, RanksMergedFirstKeptAndRemoved) {
  TempDir dir;
  const std::string out = dir.file("out.h5");
  {
    SweepJournal r0(out, 0, 5, kMetrics);
    SweepJournal r1(out, 1, 5, kMetrics);
    SweepJournal r12(out, 12, 5, kMetrics);  // an earlier run with more ranks
    r0.append(run(0, 0, 1, 1));
    r1.append(run(0, 1, 2, 2));
    r0.append(run(0, 1, 3, 3));  // the same run again (rank 0's copy comes first)
    r12.append(run(2, 0, 4, 4));
    r1.append(run(1, 0, 5, 5));
  }
  std::ofstream(out + ".journal.notes") << "not a journal";
  std::ofstream(dir.file("out.h5x.journal.0")) << "another output's";
  const auto got = SweepJournal::read_all(out, 5, kMetrics);
  ASSERT_EQ(got.size(), 4u);
  int found = 0;
  for (const auto& r : got) {
    if (r.point == 0 && r.replication == 1) {
      EXPECT_EQ(r.values[0], 3.0);
      ++found;
    }
  }
  EXPECT_EQ(found, 1);
  SweepJournal::remove_all(out);
  EXPECT_FALSE(std::filesystem::exists(out + ".journal.0"));
  EXPECT_FALSE(std::filesystem::exists(out + ".journal.1"));
  EXPECT_FALSE(std::filesystem::exists(out + ".journal.12"));
  EXPECT_TRUE(std::filesystem::exists(out + ".journal.notes"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out.h5x.journal.0")));
  EXPECT_TRUE(SweepJournal::read_all(out, 5, kMetrics).empty());
}

}  // namespace
}  // namespace scalesim
