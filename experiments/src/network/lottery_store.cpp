#include "cardinal/experiments/network/lottery_store.hpp"

#include <filesystem>
#include <sstream>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCheckpointFile = "checkpoint.json";

nlohmann::json read_json(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_input_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(path.string() + ": corrupt JSON (" + e.what() + ")");
  }
}

std::string checkpoint_snapshot_name(Index iteration, const char* part) {
  return "checkpoint-" + std::to_string(iteration) + "." + part + ".snapshot";
}

}  // namespace

nlohmann::json to_json(const StageSummary& s) {
  nlohmann::json json = {{"stage", s.stage},
                         {"level", s.level},
                         {"kind", s.kind},
                         {"weights_total", s.weights_total},
                         {"weights_remaining", s.weights_remaining},
                         {"fraction_remaining", s.fraction_remaining()},
                         {"sparsity", 1.0 - s.fraction_remaining()},
                         {"begin_iteration", s.begin_iteration},
                         {"end_iteration", s.end_iteration},
                         {"test_loss", s.test_loss},
                         {"test_accuracy", s.test_accuracy}};
  if (s.early_stop_iteration) {
    json["early_stop_iteration"] = *s.early_stop_iteration;
    json["early_stop_test_accuracy"] = *s.early_stop_test_accuracy;
    json["early_stop_validation_loss"] = *s.early_stop_validation_loss;
  }
  if (s.error_barrier) {
    json["error_barrier"] = *s.error_barrier;
    json["loss_barrier"] = *s.loss_barrier;
    nlohmann::json path = nlohmann::json::array();
    for (const InterpolationPoint& p : s.interpolation)
      path.push_back(
          {{"alpha", p.alpha}, {"test_loss", p.test_loss}, {"test_accuracy", p.test_accuracy}});
    json["interpolation"] = path;
  }
  return json;
}

StageSummary stage_summary_from_json(const nlohmann::json& json, const std::string& source) {
  try {
    StageSummary s{.stage = json.at("stage").get<std::string>(),
                   .level = json.at("level").get<Index>(),
                   .kind = json.at("kind").get<std::string>(),
                   .weights_total = json.at("weights_total").get<Index>(),
                   .weights_remaining = json.at("weights_remaining").get<Index>(),
                   .begin_iteration = json.at("begin_iteration").get<Index>(),
                   .end_iteration = json.at("end_iteration").get<Index>(),
                   .test_loss = json.at("test_loss").get<double>(),
                   .test_accuracy = json.at("test_accuracy").get<double>()};
    if (json.contains("early_stop_iteration")) {
      s.early_stop_iteration = json.at("early_stop_iteration").get<Index>();
      s.early_stop_test_accuracy = json.at("early_stop_test_accuracy").get<double>();
      s.early_stop_validation_loss = json.at("early_stop_validation_loss").get<double>();
    }
    if (json.contains("error_barrier")) {
      s.error_barrier = json.at("error_barrier").get<double>();
      s.loss_barrier = json.at("loss_barrier").get<double>();
      for (const auto& p : json.at("interpolation"))
        s.interpolation.push_back({p.at("alpha").get<double>(), p.at("test_loss").get<double>(),
                                   p.at("test_accuracy").get<double>()});
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(source + ": not a stage summary (" + e.what() + ")");
  }
}

RunStoreLotteryArchive::RunStoreLotteryArchive(RunDirectory run) : run_(std::move(run)) {}

bool RunStoreLotteryArchive::is_complete(const std::string& stage) const {
  return run_.is_complete(stage);
}

StageSummary RunStoreLotteryArchive::summary(const std::string& stage) const {
  return stage_summary_from_json(run_.completed_summary(stage),
                                 (run_.path() / stage / "DONE.json").string());
}

Mask RunStoreLotteryArchive::mask(const std::string& stage) const {
  return Mask::load((run_.path() / stage / "mask.mask").string());
}

Snapshot RunStoreLotteryArchive::snapshot(const std::string& stage, SnapshotRole role) const {
  return Snapshot::load((run_.path() / stage / (to_string(role) + ".snapshot")).string());
}

void RunStoreLotteryArchive::save_snapshot(const std::string& stage, SnapshotRole role,
                                           const Snapshot& snapshot) {
  snapshot.save((run_.stage_path(stage) / (to_string(role) + ".snapshot")).string());
}

void RunStoreLotteryArchive::complete(const std::string& stage, const Mask& mask,
                                      const TrainingCurve& curve, const StageSummary& summary) {
  const fs::path dir = run_.stage_path(stage);
  mask.save((dir / "mask.mask").string());
  write_file_atomically(dir / "curve.csv", curve.to_csv());
  run_.mark_complete(stage, to_json(summary));
  remove_checkpoint_files(stage, -1);
}

std::optional<TrainingCheckpoint> RunStoreLotteryArchive::checkpoint(
    const std::string& stage) const {
  const fs::path dir = run_.path() / stage;
  const fs::path file = dir / kCheckpointFile;
  if (!fs::exists(file)) return std::nullopt;
  const nlohmann::json json = read_json(file);
  TrainingCheckpoint c;
  try {
    c.iteration = json.at("iteration").get<Index>();
    c.loss_sum = json.at("loss_sum").get<double>();
    c.loss_count = json.at("loss_count").get<Index>();
    c.curve = TrainingCurve::from_csv(json.at("curve").get<std::string>(), file.string());
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(file.string() + ": not a checkpoint (" + e.what() + ")");
  }
  c.network = Snapshot::load((dir / checkpoint_snapshot_name(c.iteration, "network")).string());
  c.optimizer = Snapshot::load((dir / checkpoint_snapshot_name(c.iteration, "optimizer")).string());
  return c;
}

void RunStoreLotteryArchive::save_checkpoint(const std::string& stage,
                                             const TrainingCheckpoint& c) {
  const fs::path dir = run_.stage_path(stage);
  c.network.save((dir / checkpoint_snapshot_name(c.iteration, "network")).string());
  c.optimizer.save((dir / checkpoint_snapshot_name(c.iteration, "optimizer")).string());
  const nlohmann::json json = {{"iteration", c.iteration},
                               {"loss_sum", c.loss_sum},
                               {"loss_count", c.loss_count},
                               {"curve", c.curve.to_csv()}};
  write_file_atomically(dir / kCheckpointFile, json.dump(2) + "\n");
  remove_checkpoint_files(stage, c.iteration);
}

void RunStoreLotteryArchive::remove_checkpoint_files(const std::string& stage,
                                                     Index keep_iteration) const {
  const fs::path dir = run_.path() / stage;
  if (!fs::exists(dir)) return;
  const std::string keep = "checkpoint-" + std::to_string(keep_iteration) + ".";
  if (keep_iteration < 0) fs::remove(dir / kCheckpointFile);
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("checkpoint-") && !name.starts_with(keep)) stale.push_back(entry.path());
  }
  for (const fs::path& path : stale) fs::remove(path);
}

}  // namespace cardinal
