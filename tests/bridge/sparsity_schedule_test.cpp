#include "cardinal/bridge/sparsity_schedule.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// Expects `action` to throw InvalidInput whose message contains `needle`.
template <class Action>
void expect_invalid(Action action, const std::string& needle) {
  try {
    action();
    ADD_FAILURE() << "no InvalidInput; expected one mentioning \"" << needle << "\"";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not mention \"" << needle << "\"";
  }
}

TEST(SparsitySchedule, ConstantKeepsTheTargetAtEveryStep) {
  const SparsitySchedule s;
  EXPECT_TRUE(s.is_constant());
  EXPECT_EQ(s.kind, SparsityScheduleKind::kConstant);
  for (Index t : {0, 1, 7, 1000000}) EXPECT_EQ(s.kept(t, 37, 1000), 37);
  EXPECT_EQ(SparsitySchedule::constant().kept(3, 1000, 1000), 1000);
  EXPECT_EQ(s.target_reached_at(), 0);
}

// d = 1000, k = 100, t₀ = 0, t₁ = 10: kept(t) = 100 + llround(900 · (1 − t/10)³).
TEST(SparsitySchedule, GradualFollowsTheCubicInCounts) {
  const auto s = SparsitySchedule::gradual(0, 10);
  EXPECT_FALSE(s.is_constant());
  const std::vector<Index> expected = {
      1000,  // t = 0: dense
      756,   // 900 · 0.729 = 656.1 → 656
      561,   // 900 · 0.512 = 460.8 → 461
      409,   // 900 · 0.343 = 308.7 → 309
      294,   // 900 · 0.216 = 194.4 → 194
      213,   // 900 · 0.125 = 112.5 exactly: halves round away from zero → 113
      158,   // 900 · 0.064 = 57.6 → 58
      124,   // 900 · 0.027 = 24.3 → 24
      107,   // 900 · 0.008 = 7.2 → 7
      101,   // 900 · 0.001 = 0.9 → 1
      100,   // t = t₁
      100};
  for (Index t = 0; t < static_cast<Index>(expected.size()); ++t)
    EXPECT_EQ(s.kept(t, 100, 1000), expected[static_cast<std::size_t>(t)]) << "t = " << t;
  EXPECT_EQ(s.kept(1000000, 100, 1000), 100);
  EXPECT_EQ(s.target_reached_at(), 10);
}

TEST(SparsitySchedule, GradualIsMonotoneWithExactEndpoints) {
  for (const auto& s : {SparsitySchedule::gradual(0, 97), SparsitySchedule::gradual(13, 250, 0.3),
                        SparsitySchedule::gradual(5, 105, 0.0, 7)}) {
    const Index d = 12345, k = 17;
    EXPECT_EQ(s.kept(s.begin, k, d),
              d - static_cast<Index>(std::llround(s.initial_sparsity * static_cast<double>(d))));
    EXPECT_EQ(s.kept(s.end, k, d), k);
    for (Index t = 1; t <= s.end + 5; ++t) {
      EXPECT_LE(s.kept(t, k, d), s.kept(t - 1, k, d)) << "t = " << t;
      EXPECT_GE(s.kept(t, k, d), k);
    }
    EXPECT_LT(s.kept(s.begin + s.interval, k, d), s.kept(s.begin, k, d));
  }
}

TEST(SparsitySchedule, GradualBeginInitialSparsityAndInterval) {
  // Shifted start: dense up to t₀ = 20 inclusive, the same cubic after.
  const auto shifted = SparsitySchedule::gradual(20, 30);
  EXPECT_EQ(shifted.kept(0, 100, 1000), 1000);
  EXPECT_EQ(shifted.kept(20, 100, 1000), 1000);
  EXPECT_EQ(shifted.kept(21, 100, 1000), 756);
  EXPECT_EQ(shifted.kept(25, 100, 1000), 213);
  EXPECT_EQ(shifted.kept(30, 100, 1000), 100);

  // s₀ = 0.5: n₀ = 1000 − 500 = 500; kept(5) = 100 + llround(400 · 0.125) = 150.
  const auto half = SparsitySchedule::gradual(0, 10, 0.5);
  EXPECT_EQ(half.kept(0, 100, 1000), 500);
  EXPECT_EQ(half.kept(5, 100, 1000), 150);
  EXPECT_EQ(half.kept(10, 100, 1000), 100);
  // s₀ = 0.95 would start below the target: n₀ is raised to k.
  const auto high = SparsitySchedule::gradual(0, 10, 0.95);
  for (Index t = 0; t <= 12; ++t) EXPECT_EQ(high.kept(t, 100, 1000), 100);

  // Δ = 3: the count changes at t₀ + 3j only (t = 3, 6, 9), then k at t₁.
  const auto every3 = SparsitySchedule::gradual(0, 10, 0.0, 3);
  const std::vector<Index> expected = {1000, 1000, 1000, 409, 409, 409, 158, 158, 158, 101, 100};
  for (Index t = 0; t <= 10; ++t)
    EXPECT_EQ(every3.kept(t, 100, 1000), expected[static_cast<std::size_t>(t)]) << "t = " << t;

  // t₀ = t₁: one-shot, from n₀ before t₀ to k at t₀.
  const auto one_shot = SparsitySchedule::gradual(5, 5);
  EXPECT_EQ(one_shot.kept(4, 100, 1000), 1000);
  EXPECT_EQ(one_shot.kept(5, 100, 1000), 100);
}

// W = 3, P = 2, F = 4, T = 15: dense 0–2, compressed 3–4, dense 5–6, compressed 7–8,
// dense 9–10, compressed from T − F = 11 on.
TEST(SparsitySchedule, AlternatingSwitchesExactlyAtPhaseBoundaries) {
  const auto s = SparsitySchedule::alternating(3, 2, 4, 15);
  const Index d = 1000, k = 100;
  const std::vector<Index> expected = {d, d, d, k, k, d, d, k, k, d, d, k, k, k, k, k, k};
  for (Index t = 0; t < static_cast<Index>(expected.size()); ++t)
    EXPECT_EQ(s.kept(t, k, d), expected[static_cast<std::size_t>(t)]) << "t = " << t;
  EXPECT_EQ(s.kept(1000, k, d), k);
  EXPECT_EQ(s.target_reached_at(), 11);

  // The tail cuts a decompressed phase short: W = 0, P = 4, F = 2, T = 15 → compressed 0–3,
  // dense 4–7, compressed 8–11, dense 12 only (its phase would run to 15), compressed from 13 on.
  const auto cut = SparsitySchedule::alternating(0, 4, 2, 15);
  const std::vector<Index> cut_expected = {k, k, k, k, d, d, d, d, k, k, k, k, d, k, k, k};
  for (Index t = 0; t < static_cast<Index>(cut_expected.size()); ++t)
    EXPECT_EQ(cut.kept(t, k, d), cut_expected[static_cast<std::size_t>(t)]) << "t = " << t;
}

TEST(SparsitySchedule, KindNamesRoundTrip) {
  for (auto kind : {SparsityScheduleKind::kConstant, SparsityScheduleKind::kGradual,
                    SparsityScheduleKind::kAlternating})
    EXPECT_EQ(parse_sparsity_schedule_kind(to_string(kind)), kind);
  EXPECT_EQ(to_string(SparsityScheduleKind::kGradual), "gradual");
  expect_invalid([] { parse_sparsity_schedule_kind("cubic"); }, "\"constant\", \"gradual\"");
  expect_invalid([] { parse_sparsity_schedule_kind("cubic"); }, "alternating");
}

TEST(SparsitySchedule, ValidateNamesTheOffendingField) {
  expect_invalid([] { SparsitySchedule::gradual(-1, 10); }, "begin");
  expect_invalid([] { SparsitySchedule::gradual(10, 9); }, "end");
  expect_invalid([] { SparsitySchedule::gradual(0, 10, 1.0); }, "initial_sparsity");
  expect_invalid([] { SparsitySchedule::gradual(0, 10, -0.1); }, "initial_sparsity");
  expect_invalid([] { SparsitySchedule::gradual(0, 10, std::nan("")); }, "initial_sparsity");
  expect_invalid([] { SparsitySchedule::gradual(0, 10, 0.0, 0); }, "interval");
  expect_invalid([] { SparsitySchedule::alternating(-1, 2, 0, 10); }, "warmup");
  expect_invalid([] { SparsitySchedule::alternating(0, 0, 0, 10); }, "phase");
  expect_invalid([] { SparsitySchedule::alternating(0, 2, -1, 10); }, "final_compressed");
  expect_invalid([] { SparsitySchedule::alternating(6, 2, 5, 10); }, "exceeds total");
  EXPECT_NO_THROW(SparsitySchedule::alternating(5, 2, 5, 10));

  // A field edited after construction is caught by validate() and by kept().
  SparsitySchedule s = SparsitySchedule::gradual(0, 10);
  s.end = -3;
  expect_invalid([&] { s.validate(); }, "end");
  expect_invalid([&] { s.kept(0, 1, 10); }, "end");
  // Fields of other kinds are not read.
  SparsitySchedule constant;
  constant.phase = 0;
  EXPECT_NO_THROW(constant.validate());

  const SparsitySchedule ok;
  expect_invalid([&] { ok.kept(-1, 1, 10); }, "step");
  expect_invalid([&] { ok.kept(0, 0, 10); }, "target");
  expect_invalid([&] { ok.kept(0, 11, 10); }, "target");
}

}  // namespace
}  // namespace cardinal
