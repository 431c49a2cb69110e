// Zhou et al.'s mask criteria, the masks they select, and the untrained supermask network.
#include "cardinal/nonconvex/supermask/mask_criterion.hpp"

#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "../data/portable_random.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {
namespace {

struct CriterionInfo {
  MaskCriterion criterion;
  const char* name;
  const char* description;
};

constexpr CriterionInfo kCriteria[] = {
    {MaskCriterion::kLargeFinal, "large_final", "keep large |w_f| (the lottery ticket)"},
    {MaskCriterion::kSmallFinal, "small_final", "keep small |w_f|"},
    {MaskCriterion::kLargeInit, "large_init", "keep large |w_i|"},
    {MaskCriterion::kSmallInit, "small_init", "keep small |w_i|"},
    {MaskCriterion::kLargeInitLargeFinal, "large_init_large_final", "keep large min(|w_i|, |w_f|)"},
    {MaskCriterion::kSmallInitSmallFinal, "small_init_small_final", "keep small max(|w_i|, |w_f|)"},
    {MaskCriterion::kMagnitudeIncrease, "magnitude_increase", "keep large |w_f| - |w_i|"},
    {MaskCriterion::kMovement, "movement", "keep large |w_f - w_i|"},
    {MaskCriterion::kRandom, "random", "keep uniformly random weights (seeded)"},
    {MaskCriterion::kLargeFinalSameSign, "large_final_same_sign",
     "large_final among weights whose sign did not change"},
    {MaskCriterion::kSmallFinalSameSign, "small_final_same_sign",
     "small_final among weights whose sign did not change"},
    {MaskCriterion::kLargeInitSameSign, "large_init_same_sign",
     "large_init among weights whose sign did not change"},
    {MaskCriterion::kSmallInitSameSign, "small_init_same_sign",
     "small_init among weights whose sign did not change"},
    {MaskCriterion::kLargeInitLargeFinalSameSign, "large_init_large_final_same_sign",
     "large_init_large_final among weights whose sign did not change"},
    {MaskCriterion::kSmallInitSmallFinalSameSign, "small_init_small_final_same_sign",
     "small_init_small_final among weights whose sign did not change"},
    {MaskCriterion::kMagnitudeIncreaseSameSign, "magnitude_increase_same_sign",
     "magnitude_increase among weights whose sign did not change"},
    {MaskCriterion::kMovementSameSign, "movement_same_sign",
     "movement among weights whose sign did not change"},
};

const CriterionInfo& info(MaskCriterion criterion) {
  for (const CriterionInfo& c : kCriteria)
    if (c.criterion == criterion) return c;
  throw InvalidInput("unknown mask criterion value " + std::to_string(static_cast<int>(criterion)));
}

/// The criterion a same-sign variant restricts (the criterion itself otherwise).
MaskCriterion base_of(MaskCriterion criterion) {
  switch (criterion) {
    case MaskCriterion::kLargeFinalSameSign:
      return MaskCriterion::kLargeFinal;
    case MaskCriterion::kSmallFinalSameSign:
      return MaskCriterion::kSmallFinal;
    case MaskCriterion::kLargeInitSameSign:
      return MaskCriterion::kLargeInit;
    case MaskCriterion::kSmallInitSameSign:
      return MaskCriterion::kSmallInit;
    case MaskCriterion::kLargeInitLargeFinalSameSign:
      return MaskCriterion::kLargeInitLargeFinal;
    case MaskCriterion::kSmallInitSmallFinalSameSign:
      return MaskCriterion::kSmallInitSmallFinal;
    case MaskCriterion::kMagnitudeIncreaseSameSign:
      return MaskCriterion::kMagnitudeIncrease;
    case MaskCriterion::kMovementSameSign:
      return MaskCriterion::kMovement;
    default:
      return criterion;
  }
}

double score(MaskCriterion base, double wi, double wf) {
  switch (base) {
    case MaskCriterion::kLargeFinal:
      return std::abs(wf);
    case MaskCriterion::kSmallFinal:
      return -std::abs(wf);
    case MaskCriterion::kLargeInit:
      return std::abs(wi);
    case MaskCriterion::kSmallInit:
      return -std::abs(wi);
    case MaskCriterion::kLargeInitLargeFinal:
      return std::min(std::abs(wi), std::abs(wf));
    case MaskCriterion::kSmallInitSmallFinal:
      return -std::max(std::abs(wi), std::abs(wf));
    case MaskCriterion::kMagnitudeIncrease:
      return std::abs(wf) - std::abs(wi);
    case MaskCriterion::kMovement:
      return std::abs(wf - wi);
    default:
      throw InvalidInput("mask criterion " + to_string(base) + " has no weight score");
  }
}

torch::Tensor cpu_double(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
}

/// The tensor named `name` among the snapshot's parameters, or InvalidInput.
const torch::Tensor& parameter(const Snapshot& snapshot, const std::string& name,
                               const std::string& which) {
  for (const auto& [n, t] : snapshot.parameters())
    if (n == name) return t;
  throw InvalidInput("criterion_mask: the " + which + " snapshot has no parameter " + name);
}

/// The score of a weight a same-sign criterion never keeps.
constexpr double kExcluded = -std::numeric_limits<double>::infinity();

/// Clears, in `keep`, all but the round(keep_fraction · n) highest-scored of the n weights that
/// the tensors of `group` keep, and every weight scored −∞. Of equal scores, the weight that
/// comes first in (tensor, flat index) order is cleared first. `scores[t]` is a contiguous CPU
/// float64 tensor shaped like keep[t]; entries keep[t] already clears are ignored.
void keep_highest(const std::vector<std::size_t>& group, const std::vector<torch::Tensor>& scores,
                  std::vector<torch::Tensor>& keep, double keep_fraction) {
  std::vector<double> pool;
  for (const std::size_t t : group) {
    const double* s = scores[t].data_ptr<double>();
    const bool* k = keep[t].data_ptr<bool>();
    for (Index j = 0; j < keep[t].numel(); ++j)
      if (k[j]) pool.push_back(s[j]);
  }
  const auto n = static_cast<Index>(pool.size());
  const auto excluded = static_cast<Index>(std::count(pool.begin(), pool.end(), kExcluded));
  const Index removed = std::max(n - pruned_count(keep_fraction, n), excluded);
  if (removed == 0) return;
  // The removed-th smallest score: everything below it goes, then ties in position order.
  std::nth_element(pool.begin(), pool.begin() + (removed - 1), pool.end());
  const double threshold = pool[static_cast<std::size_t>(removed - 1)];
  Index ties = removed - std::count_if(pool.begin(), pool.end(),
                                       [&](double score) { return score < threshold; });
  for (const std::size_t t : group) {
    const double* s = scores[t].data_ptr<double>();
    bool* k = keep[t].data_ptr<bool>();
    for (Index j = 0; j < keep[t].numel(); ++j) {
      if (!k[j]) continue;
      if (s[j] < threshold) {
        k[j] = false;
      } else if (s[j] == threshold && ties > 0) {
        k[j] = false;
        --ties;
      }
    }
  }
}

}  // namespace

std::vector<MaskCriterion> all_mask_criteria() {
  std::vector<MaskCriterion> out;
  for (const CriterionInfo& c : kCriteria) out.push_back(c.criterion);
  return out;
}

std::vector<std::string> known_mask_criteria() {
  std::vector<std::string> out;
  for (const CriterionInfo& c : kCriteria) out.emplace_back(c.name);
  return out;
}

MaskCriterion parse_mask_criterion(std::string_view text) {
  std::string known;
  for (const CriterionInfo& c : kCriteria) {
    if (text == c.name) return c.criterion;
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  throw InvalidInput("unknown mask criterion '" + std::string(text) + "' (known: " + known + ")");
}

std::string to_string(MaskCriterion criterion) {
  return info(criterion).name;
}

std::string describe(MaskCriterion criterion) {
  return info(criterion).description;
}

bool is_same_sign(MaskCriterion criterion) {
  return base_of(criterion) != criterion;
}

torch::Tensor criterion_scores(MaskCriterion criterion, const torch::Tensor& initial,
                               const torch::Tensor& final) {
  require(criterion != MaskCriterion::kRandom,
          "criterion_scores: the random criterion has no weight score (use criterion_mask)");
  require(initial.sizes() == final.sizes(),
          "criterion_scores: initial and final tensors differ in shape");
  const torch::Tensor wi = cpu_double(initial);
  const torch::Tensor wf = cpu_double(final);
  require(torch::isfinite(wi).all().item<bool>() && torch::isfinite(wf).all().item<bool>(),
          "criterion_scores: a weight is not finite");
  torch::Tensor out = torch::empty(wi.sizes(), torch::TensorOptions().dtype(torch::kFloat64));
  const double* pi = wi.data_ptr<double>();
  const double* pf = wf.data_ptr<double>();
  double* ps = out.data_ptr<double>();
  const MaskCriterion base = base_of(criterion);
  const bool same_sign = base != criterion;
  for (Index j = 0; j < out.numel(); ++j)
    ps[j] = same_sign && !(pi[j] * pf[j] > 0.0) ? kExcluded : score(base, pi[j], pf[j]);
  return out;
}

Mask criterion_mask(const Snapshot& initial, const Snapshot& final, const Mask& candidates,
                    MaskCriterion criterion, double keep_fraction, PruningScope scope,
                    std::uint64_t seed) {
  require(std::isfinite(keep_fraction) && keep_fraction > 0.0 && keep_fraction <= 1.0,
          "supermask keep fraction must be in (0, 1], got " + std::to_string(keep_fraction));
  std::vector<torch::Tensor> keep;
  std::vector<torch::Tensor> scores;
  for (Index i = 0; i < candidates.size(); ++i) {
    const std::string& name = candidates.names()[static_cast<std::size_t>(i)];
    keep.push_back(candidates.keep(i).clone());
    const torch::Tensor& wi = parameter(initial, name, "initial");
    const torch::Tensor& wf = parameter(final, name, "final");
    require(wi.sizes() == keep.back().sizes() && wf.sizes() == keep.back().sizes(),
            "criterion_mask: the snapshots' " + name + " differs in shape from the mask's");
    if (criterion == MaskCriterion::kRandom) {
      require(torch::isfinite(cpu_double(wi)).all().item<bool>() &&
                  torch::isfinite(cpu_double(wf)).all().item<bool>(),
              "criterion_mask: " + name + " holds a weight that is not finite");
    } else {
      try {
        scores.push_back(criterion_scores(criterion, wi, wf));
      } catch (const InvalidInput&) {
        throw InvalidInput("criterion_mask: " + name + " holds a weight that is not finite");
      }
    }
  }

  if (criterion == MaskCriterion::kRandom) {
    std::mt19937_64 engine = detail::make_engine(seed, 0);
    for (const torch::Tensor& k : keep) {
      torch::Tensor draws = torch::zeros(k.sizes(), torch::TensorOptions().dtype(torch::kFloat64));
      const bool* kept = k.data_ptr<bool>();
      double* u = draws.data_ptr<double>();
      for (Index j = 0; j < k.numel(); ++j)
        if (kept[j]) u[j] = detail::uniform_unit(engine);
      scores.push_back(std::move(draws));
    }
  }

  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t t = 0; t < keep.size(); ++t) {
    if (scope == PruningScope::kLayerwise || groups.empty()) groups.emplace_back();
    groups.back().push_back(t);
  }
  for (const auto& group : groups) keep_highest(group, scores, keep, keep_fraction);
  return Mask(candidates.names(), std::move(keep));
}

KeptWeights parse_kept_weights(std::string_view text) {
  if (text == "initial") return KeptWeights::kInitial;
  if (text == "signed-constant") return KeptWeights::kSignedConstant;
  throw InvalidInput("unknown kept weights '" + std::string(text) +
                     "' (known: initial, signed-constant)");
}

std::string to_string(KeptWeights kept) {
  return kept == KeptWeights::kInitial ? "initial" : "signed-constant";
}

void load_supermask_network(torch::nn::Module& network, const Snapshot& initial, const Mask& mask,
                            KeptWeights kept) {
  restore(network, initial, mask);
  if (kept == KeptWeights::kInitial) return;
  const torch::NoGradGuard no_grad;
  for (const auto& [name, weight] : prunable_tensors(network)) {
    const torch::Tensor wi = cpu_double(parameter(initial, name, "initial"));
    const double sigma = wi.std(/*unbiased=*/false).item<double>();
    const torch::Tensor constant = (wi.sign() * sigma).to(weight.device(), weight.scalar_type());
    weight.copy_(constant.masked_fill(mask.keep(name).logical_not().to(weight.device()), 0));
  }
}

}  // namespace cardinal
