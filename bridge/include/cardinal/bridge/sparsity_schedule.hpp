#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// The shape of a sparsity schedule (see SparsitySchedule).
enum class SparsityScheduleKind { kConstant, kGradual, kAlternating };

inline std::string_view to_string(SparsityScheduleKind kind) {
  switch (kind) {
    case SparsityScheduleKind::kConstant:
      return "constant";
    case SparsityScheduleKind::kGradual:
      return "gradual";
    case SparsityScheduleKind::kAlternating:
      return "alternating";
  }
  return "unknown";
}

/// Parses "constant", "gradual" or "alternating"; throws InvalidInput listing the names otherwise.
inline SparsityScheduleKind parse_sparsity_schedule_kind(std::string_view text) {
  if (text == "constant") return SparsityScheduleKind::kConstant;
  if (text == "gradual") return SparsityScheduleKind::kGradual;
  if (text == "alternating") return SparsityScheduleKind::kAlternating;
  throw InvalidInput(
      "sparsity schedule must be \"constant\", \"gradual\" or \"alternating\", got \"" +
      std::string(text) + "\"");
}

/// How many constrained coordinates a solver keeps at step t = 0, 1, 2, … when its final budget
/// is `target` = k (1 ≤ k ≤ dimension d). A pure function of t, like a learning-rate schedule.
///
/// - **constant** (the default): kept(t) = k.
/// - **gradual** (Zhu & Gupta 2017, "To prune, or not to prune"; the schedule of Gale, Elsen &
///   Hooker 2019): from n₀ coordinates at `begin` = t₀ down to k at `end` = t₁ along a cubic,
///
///       n₀ = max(k, d − llround(s₀ · d)),   s₀ = initial_sparsity (0: dense);
///       kept(t) = n₀                                               for t < t₁ and t ≤ t₀,
///       kept(t) = k + llround((n₀ − k) · r³),  r = 1 − (τ − t₀)/(t₁ − t₀)   for t₀ < t < t₁,
///       kept(t) = k                                                for t ≥ t₁,
///
///   where τ = t₀ + Δ·⌊(t − t₀)/Δ⌋ with Δ = `interval` (the count changes only every Δ steps,
///   Zhu & Gupta's Δt; Δ = 1: every step), r and r³ = r·r·r are computed in double precision
///   and llround rounds halves away from zero. With t₀ = t₁ the budget drops from n₀ to k at t₀.
///   Zhu & Gupta state the rule for the sparsity, s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(nΔt))³;
///   this is the same cubic for the kept count d(1 − s_t), rounded once. kept(t) never increases.
/// - **alternating** (AC/DC, Peste, Iofinova, Vladu & Alistarh 2021): a dense warm-up of W =
///   `warmup` steps, then compressed and decompressed phases of P = `phase` steps each, starting
///   with a compressed one, and a compressed tail of F = `final_compressed` steps up to T =
///   `total`:
///
///       kept(t) = d                    for t < W,
///       kept(t) = k                    for t ≥ T − F,
///       kept(t) = k if ⌊(t − W)/P⌋ is even, d if it is odd   otherwise.
///
/// Only the fields of the chosen kind are read. `validate()` checks them; `kept` calls it.
struct SparsitySchedule {
  SparsityScheduleKind kind = SparsityScheduleKind::kConstant;

  // gradual
  Index begin = 0;                ///< t₀: the last step at n₀
  Index end = 0;                  ///< t₁: the first step at k (t₀ ≤ t₁)
  double initial_sparsity = 0.0;  ///< s₀ ∈ [0, 1): fraction of d removed at t₀ (0: dense)
  Index interval = 1;             ///< Δ ≥ 1: the count changes every Δ steps after t₀

  // alternating
  Index warmup = 0;            ///< W ≥ 0 dense steps at the start
  Index phase = 1;             ///< P ≥ 1 steps per compressed and per decompressed phase
  Index final_compressed = 0;  ///< F ≥ 0 compressed steps at the end
  Index total = 0;             ///< T, the length of the run (W + F ≤ T)

  static SparsitySchedule constant() { return {}; }

  static SparsitySchedule gradual(Index begin, Index end, double initial_sparsity = 0.0,
                                  Index interval = 1) {
    SparsitySchedule s;
    s.kind = SparsityScheduleKind::kGradual;
    s.begin = begin;
    s.end = end;
    s.initial_sparsity = initial_sparsity;
    s.interval = interval;
    s.validate();
    return s;
  }

  static SparsitySchedule alternating(Index warmup, Index phase, Index final_compressed,
                                      Index total) {
    SparsitySchedule s;
    s.kind = SparsityScheduleKind::kAlternating;
    s.warmup = warmup;
    s.phase = phase;
    s.final_compressed = final_compressed;
    s.total = total;
    s.validate();
    return s;
  }

  bool is_constant() const { return kind == SparsityScheduleKind::kConstant; }

  /// The first step from which kept(t) = target for every later t: 0 (constant), t₁ (gradual),
  /// T − F (alternating). A solver must not declare convergence before it.
  Index target_reached_at() const {
    switch (kind) {
      case SparsityScheduleKind::kConstant:
        return 0;
      case SparsityScheduleKind::kGradual:
        return end;
      case SparsityScheduleKind::kAlternating:
        return total - final_compressed;
    }
    return 0;
  }

  /// Throws InvalidInput naming the first offending field of the chosen kind.
  void validate() const {
    auto text = [](Index v) { return std::to_string(v); };
    switch (kind) {
      case SparsityScheduleKind::kConstant:
        return;
      case SparsityScheduleKind::kGradual:
        require(begin >= 0, "sparsity schedule: gradual begin must be >= 0, got " + text(begin));
        require(end >= begin, "sparsity schedule: gradual end (" + text(end) +
                                  ") must be >= begin (" + text(begin) + ")");
        require(
            std::isfinite(initial_sparsity) && initial_sparsity >= 0.0 && initial_sparsity < 1.0,
            "sparsity schedule: gradual initial_sparsity must be in [0, 1), got " +
                std::to_string(initial_sparsity));
        require(interval >= 1,
                "sparsity schedule: gradual interval must be >= 1, got " + text(interval));
        return;
      case SparsityScheduleKind::kAlternating:
        require(warmup >= 0,
                "sparsity schedule: alternating warmup must be >= 0, got " + text(warmup));
        require(phase >= 1,
                "sparsity schedule: alternating phase must be >= 1, got " + text(phase));
        require(final_compressed >= 0,
                "sparsity schedule: alternating final_compressed must be >= 0, got " +
                    text(final_compressed));
        require(total >= 0,
                "sparsity schedule: alternating total must be >= 0, got " + text(total));
        require(warmup + final_compressed <= total,
                "sparsity schedule: alternating warmup + final_compressed (" +
                    text(warmup + final_compressed) + ") exceeds total (" + text(total) + ")");
        return;
    }
  }

  /// The number of constrained coordinates kept at step t ≥ 0, in [target, dimension].
  /// Throws InvalidInput for t < 0, target outside [1, dimension], or invalid fields.
  Index kept(Index t, Index target, Index dimension) const {
    validate();
    require(t >= 0, "sparsity schedule: step must be >= 0, got " + std::to_string(t));
    require(target >= 1 && target <= dimension, "sparsity schedule: target " +
                                                    std::to_string(target) + " must be in [1, " +
                                                    std::to_string(dimension) + "]");
    switch (kind) {
      case SparsityScheduleKind::kConstant:
        return target;
      case SparsityScheduleKind::kGradual: {
        if (t >= end) return target;
        Index initial =
            dimension -
            static_cast<Index>(std::llround(initial_sparsity * static_cast<double>(dimension)));
        if (initial < target) initial = target;
        if (t <= begin) return initial;
        const Index tau = begin + interval * ((t - begin) / interval);
        const double r = 1.0 - static_cast<double>(tau - begin) / static_cast<double>(end - begin);
        return target + static_cast<Index>(
                            std::llround(static_cast<double>(initial - target) * (r * r * r)));
      }
      case SparsityScheduleKind::kAlternating:
        if (t >= total - final_compressed) return target;
        if (t < warmup) return dimension;
        return ((t - warmup) / phase) % 2 == 0 ? target : dimension;
    }
    return target;
  }
};

}  // namespace cardinal
