// LotterySpec, the random-mask control and the in-memory archive.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "../data/portable_random.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/lottery/lottery_archive.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/lottery/random_mask.hpp"

namespace cardinal {
namespace {

constexpr std::pair<LotteryMethod, const char*> kMethods[] = {
    {LotteryMethod::kImpReset, "imp-reset"},
    {LotteryMethod::kImpRewind, "imp-rewind"},
    {LotteryMethod::kOneShot, "one-shot"},
    {LotteryMethod::kFineTune, "fine-tune"},
    {LotteryMethod::kLrRewind, "lr-rewind"},
    {LotteryMethod::kSnip, "snip"},
    {LotteryMethod::kGraspInit, "grasp-init"},
    {LotteryMethod::kSynFlow, "synflow"},
    {LotteryMethod::kMagnitudeInit, "magnitude-init"},
    {LotteryMethod::kRandomInit, "random-init"},
};
constexpr std::pair<LotteryControl, const char*> kControls[] = {
    {LotteryControl::kRandomReinit, "random-reinit"},
    {LotteryControl::kRandomMask, "random-mask"},
};

template <typename Table>
std::string joined(const Table& table) {
  std::string out;
  for (const auto& [value, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

std::vector<std::string> known_lottery_methods() {
  std::vector<std::string> out;
  for (const auto& [method, name] : kMethods) out.emplace_back(name);
  return out;
}

LotteryMethod parse_lottery_method(std::string_view text) {
  for (const auto& [method, name] : kMethods)
    if (text == name) return method;
  throw InvalidInput("unknown lottery method '" + std::string(text) +
                     "' (known: " + joined(kMethods) + ")");
}

std::string to_string(LotteryMethod method) {
  for (const auto& [value, name] : kMethods)
    if (value == method) return name;
  return "unknown";
}

std::vector<std::string> known_lottery_controls() {
  std::vector<std::string> out;
  for (const auto& [control, name] : kControls) out.emplace_back(name);
  return out;
}

LotteryControl parse_lottery_control(std::string_view text) {
  for (const auto& [control, name] : kControls)
    if (text == name) return control;
  throw InvalidInput("unknown lottery control '" + std::string(text) +
                     "' (known: " + joined(kControls) + ")");
}

std::string to_string(LotteryControl control) {
  for (const auto& [value, name] : kControls)
    if (value == control) return name;
  return "unknown";
}

void LotterySpec::validate(Index train_size) const {
  const std::vector<std::string> models = known_models();
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    std::string names;
    for (const auto& m : models) names += (names.empty() ? "" : ", ") + m;
    throw InvalidInput("unknown model '" + model + "' (known: " + names + ")");
  }
  training.validate();
  auto check_fraction = [](double f, const std::string& what) {
    require(std::isfinite(f) && f >= 0.0 && f <= 1.0,
            "pruning " + what + " must be in [0, 1], got " + std::to_string(f));
  };
  check_fraction(pruning.fraction, "fraction");
  if (pruning.output_fraction) check_fraction(*pruning.output_fraction, "output fraction");
  for (const auto& [name, f] : pruning.layer_fraction) check_fraction(f, "fraction of " + name);
  require(train_size > 0, "the training set is empty");
  require(!starts_from_initialization(method) || rewind.amount == 0,
          to_string(method) +
              " trains from the initialization (k = 0); use imp-rewind to rewind to an "
              "iteration");
  const Index k = rewind_iteration(train_size);
  const Index total = total_iterations(train_size);
  require(k < total, "rewind point k = " + std::to_string(k) +
                         " iterations must come before the end of training T = " +
                         std::to_string(total) + " iterations");
  if (pruner) {
    require(!initialization_criterion(method),
            "--pruner applies to the methods that prune trained weights, not " + to_string(method));
    pruner->validate();
  }
}

Index LotterySpec::rewind_iteration(Index train_size) const {
  return rewind.in_iterations(training.iterations_per_epoch(train_size));
}

Index LotterySpec::total_iterations(Index train_size) const {
  return training.total_iterations(train_size);
}

std::optional<InitializationCriterion> initialization_criterion(LotteryMethod method) {
  switch (method) {
    case LotteryMethod::kSnip:
      return InitializationCriterion::kSnip;
    case LotteryMethod::kGraspInit:
      return InitializationCriterion::kGraspInit;
    case LotteryMethod::kSynFlow:
      return InitializationCriterion::kSynFlow;
    case LotteryMethod::kMagnitudeInit:
      return InitializationCriterion::kMagnitude;
    case LotteryMethod::kRandomInit:
      return InitializationCriterion::kRandom;
    default:
      return std::nullopt;
  }
}

bool starts_from_initialization(LotteryMethod method) {
  return method == LotteryMethod::kImpReset || initialization_criterion(method).has_value();
}

PruningSpec one_shot_pruning(const PruningSpec& per_level, Index level) {
  require(level >= 0, "one-shot pruning level must be >= 0");
  return compound_pruning(per_level, static_cast<double>(level));
}

Mask random_mask_like(const Mask& mask, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<std::string> names = mask.names();
  std::vector<torch::Tensor> keep;
  for (Index i = 0; i < mask.size(); ++i) {
    const torch::Tensor& shape_of = mask.keep(i);
    const auto total = static_cast<int64_t>(shape_of.numel());
    const int64_t remaining = mask.remaining(names[static_cast<std::size_t>(i)]);
    // Partial Fisher–Yates: the first `remaining` entries of `order` are a uniform sample.
    std::vector<int64_t> order(static_cast<std::size_t>(total));
    for (int64_t j = 0; j < total; ++j) order[static_cast<std::size_t>(j)] = j;
    torch::Tensor flat = torch::zeros({total}, torch::kBool);
    auto kept = flat.accessor<bool, 1>();
    for (int64_t j = 0; j < remaining; ++j) {
      const auto pick = j + static_cast<int64_t>(detail::uniform_below(
                                engine, static_cast<std::uint64_t>(total - j)));
      std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(pick)]);
      kept[order[static_cast<std::size_t>(j)]] = true;
    }
    keep.push_back(flat.reshape(shape_of.sizes()));
  }
  return Mask(std::move(names), std::move(keep));
}

double StageSummary::fraction_remaining() const {
  return weights_total == 0
             ? 1.0
             : static_cast<double>(weights_remaining) / static_cast<double>(weights_total);
}

std::string ticket_stage(Index level) {
  return "level-" + std::to_string(level);
}

std::string instability_stage(Index level) {
  return "instability-" + std::to_string(level);
}

std::string control_stage(LotteryControl control, Index level) {
  return to_string(control) + "-" + std::to_string(level);
}

std::string to_string(SnapshotRole role) {
  switch (role) {
    case SnapshotRole::kStart:
      return "start";
    case SnapshotRole::kEnd:
      return "end";
    case SnapshotRole::kRewind:
      return "rewind";
  }
  return "unknown";
}

const InMemoryLotteryArchive::Stage& InMemoryLotteryArchive::at(const std::string& stage) const {
  const auto it = stages_.find(stage);
  require(it != stages_.end(), "lottery archive: no stage " + stage);
  return it->second;
}

bool InMemoryLotteryArchive::is_complete(const std::string& stage) const {
  const auto it = stages_.find(stage);
  return it != stages_.end() && it->second.summary.has_value();
}

StageSummary InMemoryLotteryArchive::summary(const std::string& stage) const {
  const Stage& s = at(stage);
  require(s.summary.has_value(), "lottery archive: stage " + stage + " is not complete");
  return *s.summary;
}

Mask InMemoryLotteryArchive::mask(const std::string& stage) const {
  const Stage& s = at(stage);
  require(s.mask.has_value(), "lottery archive: stage " + stage + " has no mask");
  return *s.mask;
}

Snapshot InMemoryLotteryArchive::snapshot(const std::string& stage, SnapshotRole role) const {
  const Stage& s = at(stage);
  const auto it = s.snapshots.find(role);
  require(it != s.snapshots.end(),
          "lottery archive: stage " + stage + " has no " + to_string(role) + " snapshot");
  return it->second;
}

void InMemoryLotteryArchive::save_snapshot(const std::string& stage, SnapshotRole role,
                                           const Snapshot& snapshot) {
  stages_[stage].snapshots[role] = snapshot;
}

void InMemoryLotteryArchive::complete(const std::string& stage, const Mask& mask,
                                      const TrainingCurve& curve, const StageSummary& summary) {
  Stage& s = stages_[stage];
  s.mask = mask;
  s.curve = curve;
  s.checkpoint.reset();
  s.summary = summary;
}

std::optional<TrainingCheckpoint> InMemoryLotteryArchive::checkpoint(
    const std::string& stage) const {
  const auto it = stages_.find(stage);
  return it == stages_.end() ? std::nullopt : it->second.checkpoint;
}

void InMemoryLotteryArchive::save_checkpoint(const std::string& stage,
                                             const TrainingCheckpoint& checkpoint) {
  stages_[stage].checkpoint = checkpoint;
}

const TrainingCurve& InMemoryLotteryArchive::curve(const std::string& stage) const {
  const Stage& s = at(stage);
  require(s.summary.has_value(), "lottery archive: stage " + stage + " is not complete");
  return s.curve;
}

void InMemoryLotteryArchive::forget_completion(const std::string& stage) {
  const auto it = stages_.find(stage);
  if (it != stages_.end()) it->second.summary.reset();
}

}  // namespace cardinal
