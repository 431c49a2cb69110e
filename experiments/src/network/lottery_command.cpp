// `cardinal lottery`: the lottery-ticket procedures on a network, stored and resumable.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/network/lottery_store.hpp"
#include "cardinal/experiments/network/network_options.hpp"
#include "cardinal/experiments/network/pruning_solvers.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/nonconvex/lottery/lottery_run.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/models/parameter_counts.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal lottery [--model NAME] [--dataset NAME] [--method METHOD] [--levels L]\n"
    "                        [options]\n\n"
    "Lottery-ticket experiments: level 0 trains the dense network; each further level prunes\n"
    "(by magnitude, --prune-fraction of the remaining weights per level) and retrains as the\n"
    "method says:\n"
    "  imp-reset   iterative magnitude pruning, reset to the initialization (Frankle & Carbin)\n"
    "  imp-rewind  iterative magnitude pruning, rewind the weights to iteration --rewind K\n"
    "              (Frankle, Dziugaite, Roy & Carbin)\n"
    "  one-shot    prune the trained dense network to each level's sparsity at once, then\n"
    "              reset (K = 0) or rewind to K\n"
    "  fine-tune   keep the trained weights, retrain T - K iterations at the final rate\n"
    "  lr-rewind   keep the trained weights, retrain with the schedule from K (Renda et al.)\n"
    "Pruning at initialization: level L prunes the initial weights at once to level L's\n"
    "sparsity by a criterion, then trains from the initialization:\n"
    "  snip        |w * dL/dw| on 100 training examples (Lee et al. 2019)\n"
    "  grasp-init  gradient-signal preservation, w * Hg (Wang et al. 2020)\n"
    "  synflow     iterative synaptic flow, data-free (Tanaka et al. 2020)\n"
    "  magnitude-init, random-init   controls\n"
    "The pruning step (--pruner) of the methods that prune trained weights: magnitude (the\n"
    "default), or as many weights per layer as magnitude pruning keeps, chosen inside the\n"
    "previous mask by the layer reconstruction problems of the trained network on --calibration\n"
    "training examples: layerwise (solved per row by --solver) or obs (Optimal Brain Surgeon).\n"
    "The reconstruction decides the mask; resetting and rewinding methods then start from W0 or\n"
    "W_k on it (the ticket), fine-tune and lr-rewind from the reconstructed weights.\n"
    "Controls (--control, repeatable, or --with-control for both): random-reinit (the ticket's\n"
    "mask, a fresh initialization), random-mask (a random mask with the ticket's per-layer\n"
    "counts, the ticket's initialization).\n\n"
    "Runs live in the store (--store DIR) under a directory named by the hash of the settings\n"
    "that change results (not --levels, --control, --threads, --data-dir or the store): a\n"
    "repeated request reuses finished levels, a longer one extends a shorter one, and a killed\n"
    "one resumes at its last finished level (or checkpoint, with --checkpoint-every).";

// One option per line reads better than the formatter's packing of the chained calls.
// clang-format off
po::options_description lottery_options() {
  po::options_description experiment("Experiment");
  experiment.add_options()
      ("method", po::value<std::string>()->default_value("imp-reset"),
       "imp-reset | imp-rewind | one-shot | fine-tune | lr-rewind | snip | grasp-init | synflow | "
       "magnitude-init | random-init")
      ("levels", number<Index>({.min = 0})->default_value(3), "last pruning level (0: dense only)")
      ("control", po::value<std::vector<std::string>>()->composing(),
       "random-reinit | random-mask (repeatable)")
      ("with-control", po::bool_switch(), "run both controls beside the ticket")
      ("instability", po::bool_switch(),
       "at every level, train a copy of the ticket from iteration k with another data order and "
       "measure the linear mode connectivity (error barrier on the test set, 31 points)")
      ("rewind", po::value<std::string>(),
       "rewind iteration K: \"500it\", \"500\" or \"2ep\" (imp-rewind: required; one-shot, "
       "fine-tune, lr-rewind: default 0)")
      ("seed", number<std::uint64_t>()->default_value(0),
       "seed of the initialization and of the batch order");

  po::options_description pruning("Pruning");
  pruning.add_options()
      ("prune-fraction", number<double>()->default_value(0.2),
       "fraction of the remaining weights pruned per level")
      ("output-fraction", number<double>()->default_value(0.1),
       "fraction for the output layer (negative: as --prune-fraction)")
      ("pruning-scope", po::value<std::string>()->default_value("layerwise"),
       "layerwise | global")
      ("splice", po::bool_switch(),
       "--pruner layerwise, obs: refine each solution by splicing from its support")
      ("max-exchange", number<Index>({.min = 1})->default_value(2),
       "--pruner layerwise, --pruner-solver splicing or --splice: most coordinates exchanged per "
       "round");

  po::options_description run("Run");
  run.add_options()
      ("store", po::value<std::string>(), "run store directory (default: lottery-runs)")
      ("output,o", po::value<std::string>(), "same as --store")
      ("checkpoint-every", number<Index>({.min = 0})->default_value(0),
       "write a resumable checkpoint every N iterations (0: only whole levels)")
      ("verbose,v", po::bool_switch(), "print every evaluation")
      ("quiet,q", po::bool_switch(), "print only the final table");

  po::options_description all;
  all.add(network_data_options()).add(validation_options()).add(experiment)
      .add(training_options()).add(pruning).add(pruning_step_options())
      .add(device_options()).add(run);
  return all;
}
// clang-format on

/// The fewest prunable weights a level may leave: deeper levels prune a network that has
/// (nearly) nothing left, and each still writes a full mask and snapshots.
constexpr double kMinWeightsLeft = 10.0;

/// Checks that level `levels` leaves at least kMinWeightsLeft of the model's prunable weights at
/// the per-level --prune-fraction f (W·(1 − f)^levels), and at most 1000 levels whatever f.
void require_levels_leave_weights(Index levels, const LotterySpec& spec) {
  constexpr Index kMaxLevels = 1000;
  const auto weights = static_cast<double>(
      total_parameters(parameter_counts(*make_model(spec.model, spec.input)), true));
  const double keep = 1.0 - spec.pruning.fraction;
  Index deepest = kMaxLevels;
  if (keep < 1.0) {
    deepest =
        keep <= 0.0
            ? 1
            : static_cast<Index>(std::floor(std::log(kMinWeightsLeft / weights) / std::log(keep)));
    deepest = std::clamp<Index>(deepest, 1, kMaxLevels);
  }
  require(levels <= deepest,
          "--levels " + std::to_string(levels) + " is too deep: at --prune-fraction " +
              shortest_text(spec.pruning.fraction) + ", " + spec.model + "'s " +
              std::to_string(static_cast<Index>(weights)) + " prunable weights fall below " +
              std::to_string(static_cast<Index>(kMinWeightsLeft)) + " after level " +
              std::to_string(deepest) + " (at most " + std::to_string(kMaxLevels) +
              " levels in any case)");
}

/// The settings that define a run's results: hashed to name its directory.
nlohmann::json run_settings(const LotterySpec& spec, const NetworkData& data,
                            const torch::Device& device, const nlohmann::json& pruner) {
  const TensorDataset& train = data.train;
  const TensorDataset& test = data.test;
  const Index train_size = train.size(), test_size = test.size();
  nlohmann::json pruning = {
      {"fraction", spec.pruning.fraction},
      {"scope", spec.pruning.scope == PruningScope::kGlobal ? "global" : "layerwise"}};
  if (spec.pruning.output_fraction) pruning["output_fraction"] = *spec.pruning.output_fraction;
  nlohmann::json settings = {{"command", "lottery"},
                             {"format", 1},
                             {"model", spec.model},
                             {"dataset", data.dataset},
                             {"train_examples", train_size},
                             {"test_examples", test_size},
                             {"data_fingerprint", data_fingerprint(train) + data_fingerprint(test)},
                             {"method", to_string(spec.method)},
                             {"seed", spec.seed},
                             {"iterations", spec.total_iterations(train_size)},
                             {"rewind_iteration", spec.rewind_iteration(train_size)},
                             {"training", to_json(spec.training)},
                             {"pruning", pruning}};
  // Only runs with a validation set carry these keys, so the hashes of the others stay as they
  // were.
  if (data.validation) {
    settings["validation_examples"] = data.validation->size();
    settings["validation_fingerprint"] = data_fingerprint(*data.validation);
  }
  // Likewise only runs with another pruner than magnitude carry its settings.
  if (!pruner.is_null()) settings["pruner"] = pruner;
  settings.update(device_settings(device));
  return settings;
}

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return s.str();
}

std::string accuracy(double value) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(4) << value;
  return s.str();
}

std::string table(const LotteryResult& result, const std::vector<LotteryControl>& controls) {
  std::ostringstream out;
  out << std::setw(5) << "level" << std::setw(20) << "weights remaining" << std::setw(10)
      << "ticket";
  for (LotteryControl c : controls) out << std::setw(16) << to_string(c);
  out << '\n';
  for (std::size_t level = 0; level < result.tickets.size(); ++level) {
    const StageSummary& t = result.tickets[level];
    out << std::setw(5) << t.level << std::setw(20) << percent(t.fraction_remaining())
        << std::setw(10) << accuracy(t.test_accuracy);
    for (std::size_t c = 0; c < controls.size(); ++c)
      out << std::setw(16)
          << (level == 0 ? std::string("-")
                         : accuracy(result.controls[c][level - 1].test_accuracy));
    out << '\n';
  }
  return out.str();
}

/// The columns of one stage in summary.csv: test accuracy and loss at the end, and with a
/// validation set the early-stopping iteration and the test accuracy there.
void stage_columns(std::ostream& out, const StageSummary* s, bool validation) {
  if (s == nullptr) {
    out << (validation ? ",,,," : ",,");
    return;
  }
  out << ',' << s->test_accuracy << ',' << s->test_loss;
  if (validation) out << ',' << *s->early_stop_iteration << ',' << *s->early_stop_test_accuracy;
}

std::string summary_csv(const LotteryResult& result, const std::vector<LotteryControl>& controls,
                        bool validation) {
  const bool instability = !result.instability.empty();
  std::ostringstream out;
  out << std::setprecision(17) << "level,weights_total,weights_remaining,fraction_remaining";
  std::vector<std::string> names = {"ticket"};
  for (LotteryControl c : controls) {
    std::string name = to_string(c);
    std::replace(name.begin(), name.end(), '-', '_');
    names.push_back(name);
  }
  for (const std::string& name : names) {
    out << ',' << name << "_test_accuracy," << name << "_test_loss";
    if (validation)
      out << ',' << name << "_early_stop_iteration," << name << "_early_stop_test_accuracy";
  }
  if (instability) out << ",instability_error_barrier,instability_loss_barrier";
  out << '\n';
  for (std::size_t level = 0; level < result.tickets.size(); ++level) {
    const StageSummary& t = result.tickets[level];
    out << t.level << ',' << t.weights_total << ',' << t.weights_remaining << ','
        << t.fraction_remaining();
    stage_columns(out, &t, validation);
    for (std::size_t c = 0; c < controls.size(); ++c)
      stage_columns(out, level == 0 ? nullptr : &result.controls[c][level - 1], validation);
    if (instability) {
      const StageSummary& copy = result.instability[level];
      out << ',' << *copy.error_barrier << ',' << *copy.loss_barrier;
    }
    out << '\n';
  }
  return out.str();
}

/// --pruner and its options into spec.pruner; returns the settings they add to the run's hash
/// (null for the default magnitude pruner, whose runs keep the hashes they had).
nlohmann::json parse_pruner(const po::variables_map& v, LotterySpec& spec) {
  auto [step, settings] = parse_pruning_step(v);
  require(
      (step && step->options.method == OneShotMethod::kLayerwise) || v["max-exchange"].defaulted(),
      "--max-exchange applies to --pruner layerwise only");
  spec.pruner = std::move(step);
  return settings;
}

int lottery_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, lottery_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  // Options first: fail before loading anything.
  LotterySpec spec;
  spec.method = parse_lottery_method(v["method"].as<std::string>());
  std::vector<LotteryControl> controls;
  std::vector<std::string> control_names;
  if (v.count("control")) control_names = v["control"].as<std::vector<std::string>>();
  if (v["with-control"].as<bool>()) control_names = known_lottery_controls();
  for (const std::string& name : control_names) {
    const LotteryControl c = parse_lottery_control(name);
    if (std::find(controls.begin(), controls.end(), c) == controls.end()) controls.push_back(c);
  }
  const Index levels = v["levels"].as<Index>();
  const torch::Device device = parse_device_options(v);
  require(!(v.count("store") && v.count("output")), "give --store or --output, not both");
  const std::string store = v.count("store")    ? v["store"].as<std::string>()
                            : v.count("output") ? v["output"].as<std::string>()
                                                : std::string("lottery-runs");
  spec.seed = v["seed"].as<std::uint64_t>();

  spec.pruning.fraction = v["prune-fraction"].as<double>();
  const double output_fraction = v["output-fraction"].as<double>();
  spec.pruning.output_fraction =
      output_fraction < 0 ? std::nullopt : std::optional<double>(output_fraction);
  spec.pruning.scope = parse_pruning_scope(v);

  const nlohmann::json pruner = parse_pruner(v, spec);

  if (v.count("rewind")) {
    require(!starts_from_initialization(spec.method), "--rewind does not apply to " +
                                                          to_string(spec.method) +
                                                          " (it trains from the initialization)");
    spec.rewind = TrainingLength::parse(v["rewind"].as<std::string>(), "--rewind");
  } else {
    require(spec.method != LotteryMethod::kImpRewind,
            "--method imp-rewind needs --rewind K (e.g. 100it or 1ep)");
  }
  const Index checkpoint_every = v["checkpoint-every"].as<Index>();

  const NetworkData data = load_network_data(v);
  const std::string& dataset = data.dataset;
  const bool validation = data.validation.has_value();
  const TensorDataset& train_set = data.train;
  const TensorDataset& test_set = data.test;
  spec.model = data.model;
  spec.input = data.input;
  spec.training = parse_training_spec(v, dataset, train_set.size(), 1, spec.seed);
  spec.validate(train_set.size());
  require_levels_leave_weights(levels, spec);

  const RunStore runs(store);
  RunStoreLotteryArchive archive(runs.open("lottery", run_settings(spec, data, device, pruner)));
  const bool quiet = v["quiet"].as<bool>();
  const bool verbose = v["verbose"].as<bool>() && !quiet;
  // A second process on the same request waits here, then finds every stage complete.
  const RunLock lock(archive.run().path(), [&] {
    if (!quiet)
      std::cout << "cardinal lottery: another process is computing "
                << archive.run().path().string() << "; waiting for it\n"
                << std::flush;
  });
  if (!quiet) {
    std::cout << "cardinal lottery: " << to_string(spec.method);
    if (spec.pruner)
      std::cout << " (pruner " << pruner.at("method").get<std::string>()
                << (pruner.contains("solver") ? "+" + pruner.at("solver").get<std::string>() : "")
                << ")";
    std::cout << ", " << spec.model << " on " << dataset << " (" << train_set.size()
              << " training, ";
    if (validation) std::cout << data.validation->size() << " validation, ";
    std::cout << test_set.size()
              << " test examples), T = " << spec.total_iterations(train_set.size())
              << " iterations";
    if (!starts_from_initialization(spec.method))
      std::cout << ", k = " << spec.rewind_iteration(train_set.size());
    std::cout << "\n  on " << describe_compute(device) << "\n  run directory "
              << archive.run().path().string() << '\n'
              << std::flush;
  }

  LotteryOptions options;
  options.levels = levels;
  options.controls = controls;
  options.device = device;
  options.checkpoint_every = checkpoint_every;
  options.instability = v["instability"].as<bool>();
  auto clock = std::chrono::steady_clock::now();
  options.on_stage = [&](const StageSummary& s, bool reused) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - clock).count();
    clock = now;
    if (quiet) return;
    std::ostringstream line;
    line << "  level " << std::setw(2) << s.level << "  " << std::left << std::setw(14) << s.kind
         << std::right << std::setw(8) << percent(s.fraction_remaining())
         << " remaining  test accuracy " << accuracy(s.test_accuracy) << "  ";
    if (s.error_barrier)
      line << "(instability " << std::setprecision(4) << *s.error_barrier << ")  ";
    if (s.early_stop_iteration)
      line << "(early stop at " << *s.early_stop_iteration << ": "
           << accuracy(*s.early_stop_test_accuracy) << ")  ";
    if (reused)
      line << "(reused)\n";
    else
      line << "(iterations " << s.begin_iteration << "-" << s.end_iteration << ", " << std::fixed
           << std::setprecision(1) << seconds << " s)\n";
    std::cout << line.str() << std::flush;
  };
  if (verbose) {
    options.on_evaluation = [](const std::string& stage, const CurveRow& row) {
      std::ostringstream line;
      line << "    [" << stage << "] iteration " << row.iteration << ": train loss "
           << row.train_loss;
      if (row.validation_loss)
        line << ", validation loss " << *row.validation_loss << ", validation accuracy "
             << *row.validation_accuracy;
      line << ", test loss " << row.test_loss << ", test accuracy " << row.test_accuracy << '\n';
      std::cout << line.str() << std::flush;
    };
  }
  const LotteryResult result =
      run_lottery(spec, train_set, data.evaluation_sets(), archive, options);

  write_file_atomically(archive.run().path() / "summary.csv",
                        summary_csv(result, controls, validation));
  std::cout << (quiet ? "" : "\n") << table(result, controls);
  if (!quiet)
    std::cout << "\n  summary " << (archive.run().path() / "summary.csv").string() << '\n';
  return 0;
}

}  // namespace

int lottery_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal lottery", lottery_main, args);
}

po::options_description lottery_command_options() {
  return lottery_options();
}

}  // namespace cardinal
