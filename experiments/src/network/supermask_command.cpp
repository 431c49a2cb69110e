// `cardinal supermask`: Zhou et al.'s supermasks — masks chosen by a criterion on the initial and
// trained weights, or learned directly, applied to the untrained network.
#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/network/network_options.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/nonconvex/supermask/learned_supermask.hpp"
#include "cardinal/nonconvex/supermask/mask_criterion.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

// ∂L/∂s carries the factor w·σ'(s) (about 0.05 · 0.25 for LeNet-300-100), so plain SGD needs a
// large rate; Adam is scale-free. Both tuned on one epoch of LeNet-300-100 on Fashion-MNIST.
constexpr double kDefaultMaskLrAdam = 0.1;
constexpr double kDefaultMaskLrSgd = 1000.0;

std::string usage() {
  std::ostringstream out;
  out << "Usage: cardinal supermask [--model NAME] [--dataset NAME] [--criterion NAME]...\n"
         "                          [--keep F] [--learned] [options]\n\n"
         "Supermasks (Zhou, Lan, Liu & Yosinski 2019): masks that make an untrained, randomly\n"
         "initialized network far better than chance. The network is initialized (--seed) and a\n"
         "copy is trained densely (the Training options; default 1 epoch). Each criterion scores\n"
         "every weight from its initial value w_i and its trained value w_f and keeps the --keep\n"
         "fraction with the highest scores (per layer, or in one ranking with --pruning-scope\n"
         "global). The mask is then applied to the *untrained* network, whose kept weights are\n"
         "their initial values (--kept-weights initial) or sign(w_i) * sigma_l, sigma_l the\n"
         "standard deviation of layer l's initial weights (--kept-weights signed-constant), and\n"
         "evaluated on the test set.\n\n"
         "Criteria (--criterion NAME, repeatable; --all-criteria for every one; default\n"
         "large_final_same_sign unless only --learned is given):\n";
  for (const MaskCriterion c : all_mask_criteria())
    out << "  " << std::left << std::setw(34) << to_string(c) << describe(c) << '\n';
  out << "A _same_sign criterion never keeps a weight whose sign changed in training; when fewer\n"
         "weights than asked kept their sign, the mask keeps only those (and is sparser).\n\n"
         "--learned learns a supermask instead of choosing one: the weights stay frozen at their\n"
         "initial (or signed-constant) values and a score s per weight is trained; each step\n"
         "samples the mask m ~ Bernoulli(sigmoid(s)) and passes the gradient straight through the\n"
         "sample (dL/ds = dL/dw_eff * w * sigmoid'(s)). The learned mask keeps sigmoid(s) > 0.5;\n"
         "one sampled mask (seeded by --seed) is evaluated too. Mask learning takes its batches\n"
         "(--batch-size, --augment, --evaluate-every) from the Training options and its length,\n"
         "optimizer and rate from the --mask-* options.\n\n"
         "Results go to --output DIR (default supermask-runs/supermask-<hash of the settings>):\n"
         "results.csv (one row per criterion and kept-weights choice), baselines.csv (the dense\n"
         "network's test accuracy, untrained and, when it was trained, trained), settings.json,\n"
         "masks/<criterion>.mask, initial.snapshot, and dense.snapshot and dense-curve.csv when a\n"
         "dense network was trained; for --learned, masks/learned[-signed-constant].mask,\n"
         "learned[-signed-constant]-curve.csv and learned-scores[-signed-constant].snapshot.";
  return out.str();
}

// One option per line reads better than the formatter's packing of the chained calls.
// clang-format off
po::options_description supermask_options() {
  po::options_description masks("Supermask");
  masks.add_options()
      ("criterion", po::value<std::vector<std::string>>()->composing(),
       "mask criterion (repeatable; see the list above)")
      ("all-criteria", po::bool_switch(), "evaluate every criterion")
      ("keep", number<double>()->default_value(0.2, "0.2"),
       "fraction of the weights a criterion mask keeps, in (0, 1]")
      ("pruning-scope", po::value<std::string>()->default_value("layerwise"),
       "layerwise (every layer keeps --keep of its weights) | global (one ranking)")
      ("kept-weights", po::value<std::vector<std::string>>()->composing(),
       "initial | signed-constant: values of the kept weights (repeatable; default initial)")
      ("seed", number<std::uint64_t>()->default_value(0),
       "seed of the initialization, the batch order, the random criterion and mask sampling");

  po::options_description learned("Learned supermask");
  learned.add_options()
      ("learned", po::bool_switch(), "learn a supermask on the frozen initial weights")
      ("mask-iterations", number<Index>(), "mask-learning length in iterations")
      ("mask-epochs", number<Index>(), "mask-learning length in epochs (default 1)")
      ("mask-optimizer", po::value<std::string>()->default_value("adam"),
       "optimizer of the scores: adam | sgd")
      ("mask-lr", number<double>(), "learning rate of the scores (default: 0.1 for adam, "
       "1000 for sgd), constant")
      ("mask-momentum", number<double>()->default_value(0.0),
       "sgd momentum of the scores")
      ("mask-init-probability", number<double>()->default_value(0.5),
       "sigmoid(s_0): every weight starts kept with this probability, in (0, 1)");

  po::options_description output("Output");
  output.add_options()
      ("output,o", po::value<std::string>(),
       "output directory (default: supermask-runs/supermask-<settings hash>)")
      ("verbose,v", po::bool_switch(), "print every evaluation while training")
      ("quiet,q", po::bool_switch(), "print only the table");

  po::options_description all;
  all.add(network_data_options()).add(masks).add(learned).add(training_options())
      .add(device_options()).add(output);
  return all;
}
// clang-format on

struct ResultRow {
  std::string criterion;
  std::string kept_weights;
  Index weights_total = 0;
  Index weights_remaining = 0;
  Evaluation evaluation;
};

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return s.str();
}

std::string fixed(double value, int digits = 4) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << value;
  return s.str();
}

std::string table(const std::vector<ResultRow>& rows) {
  std::ostringstream out;
  out << std::left << std::setw(34) << "criterion" << std::setw(17) << "kept weights" << std::right
      << std::setw(24) << "weights remaining" << std::setw(15) << "test accuracy" << '\n';
  for (const ResultRow& r : rows) {
    const double fraction =
        static_cast<double>(r.weights_remaining) / static_cast<double>(r.weights_total);
    out << std::left << std::setw(34) << r.criterion << std::setw(17) << r.kept_weights
        << std::right << std::setw(24)
        << (std::to_string(r.weights_remaining) + " (" + percent(fraction) + ")") << std::setw(15)
        << fixed(r.evaluation.accuracy) << '\n';
  }
  return out.str();
}

std::string results_csv(const std::vector<ResultRow>& rows) {
  std::ostringstream out;
  out << std::setprecision(17)
      << "criterion,kept_weights,weights_total,weights_remaining,fraction_remaining,test_loss,"
         "test_accuracy\n";
  for (const ResultRow& r : rows)
    out << r.criterion << ',' << r.kept_weights << ',' << r.weights_total << ','
        << r.weights_remaining << ','
        << static_cast<double>(r.weights_remaining) / static_cast<double>(r.weights_total) << ','
        << r.evaluation.loss << ',' << r.evaluation.accuracy << '\n';
  return out.str();
}

/// The file-name suffix of a kept-weights choice ("" for the initial weights).
std::string suffix(KeptWeights kept) {
  return kept == KeptWeights::kInitial ? "" : "-" + to_string(kept);
}

int supermask_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(usage(), supermask_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  // Options first: fail before loading anything.
  const bool learned = v["learned"].as<bool>();
  std::vector<MaskCriterion> criteria;
  std::vector<std::string> criterion_names;
  if (v.count("criterion")) criterion_names = v["criterion"].as<std::vector<std::string>>();
  if (v["all-criteria"].as<bool>()) criterion_names = known_mask_criteria();
  if (criterion_names.empty() && !learned) criterion_names = {"large_final_same_sign"};
  for (const std::string& name : criterion_names) {
    const MaskCriterion c = parse_mask_criterion(name);
    if (std::find(criteria.begin(), criteria.end(), c) == criteria.end()) criteria.push_back(c);
  }
  const double keep = v["keep"].as<double>();
  require(std::isfinite(keep) && keep > 0.0 && keep <= 1.0,
          "--keep must be in (0, 1], got " + std::to_string(keep));
  const PruningScope scope = parse_pruning_scope(v);
  const std::string scope_name = v["pruning-scope"].as<std::string>();
  std::vector<KeptWeights> kept_weights;
  if (v.count("kept-weights")) {
    for (const std::string& name : v["kept-weights"].as<std::vector<std::string>>()) {
      const KeptWeights k = parse_kept_weights(name);
      if (std::find(kept_weights.begin(), kept_weights.end(), k) == kept_weights.end())
        kept_weights.push_back(k);
    }
  } else {
    kept_weights = {KeptWeights::kInitial};
  }
  const std::uint64_t seed = v["seed"].as<std::uint64_t>();

  require(learned || !(v.count("mask-iterations") || v.count("mask-epochs") || v.count("mask-lr") ||
                       !v["mask-optimizer"].defaulted() || !v["mask-momentum"].defaulted() ||
                       !v["mask-init-probability"].defaulted()),
          "the --mask-* options apply to --learned only");
  require(!(v.count("mask-iterations") && v.count("mask-epochs")),
          "give --mask-iterations or --mask-epochs, not both");
  TrainingLength mask_length = TrainingLength::epochs(1);
  if (v.count("mask-iterations"))
    mask_length = TrainingLength::iterations(v["mask-iterations"].as<Index>());
  if (v.count("mask-epochs")) mask_length = TrainingLength::epochs(v["mask-epochs"].as<Index>());
  require(mask_length.amount >= 1, "--mask-iterations and --mask-epochs must be >= 1");
  const OptimizerKind mask_optimizer = parse_optimizer_kind(v["mask-optimizer"].as<std::string>());
  const double mask_lr = v.count("mask-lr")                       ? v["mask-lr"].as<double>()
                         : mask_optimizer == OptimizerKind::kAdam ? kDefaultMaskLrAdam
                                                                  : kDefaultMaskLrSgd;
  const double mask_momentum = v["mask-momentum"].as<double>();
  require(mask_optimizer == OptimizerKind::kSgd || mask_momentum == 0.0,
          "--mask-momentum applies to --mask-optimizer sgd only");
  const double init_probability = v["mask-init-probability"].as<double>();
  require(init_probability > 0.0 && init_probability < 1.0,
          "--mask-init-probability must be in (0, 1), got " + std::to_string(init_probability));
  const torch::Device device = parse_device_options(v);

  const NetworkData data = load_network_data(v);
  const TrainingSpec training = parse_training_spec(v, data.dataset, data.train.size(), 1, seed);
  SupermaskSpec mask_spec;
  mask_spec.training = training;
  mask_spec.training.length = mask_length;
  mask_spec.training.optimizer = {.kind = mask_optimizer, .momentum = mask_momentum};
  mask_spec.training.schedule = {.kind = ScheduleKind::kConstant, .base_lr = mask_lr};
  mask_spec.initial_probability = init_probability;
  mask_spec.sample_seed = seed;
  if (learned) mask_spec.validate();

  nlohmann::json settings = {
      {"command", "supermask"},
      {"format", 1},
      {"model", data.model},
      {"dataset", data.dataset},
      {"train_examples", data.train.size()},
      {"test_examples", data.test.size()},
      {"data_fingerprint", data_fingerprint(data.train) + data_fingerprint(data.test)},
      {"seed", seed},
      {"keep", keep},
      {"pruning_scope", scope_name},
  };
  settings.update(device_settings(device));
  settings["criteria"] = nlohmann::json::array();
  for (const MaskCriterion c : criteria) settings["criteria"].push_back(to_string(c));
  settings["kept_weights"] = nlohmann::json::array();
  for (const KeptWeights k : kept_weights) settings["kept_weights"].push_back(to_string(k));
  if (!criteria.empty()) {
    settings["training"] = to_json(training);
    settings["iterations"] = training.total_iterations(data.train.size());
  }
  if (learned) {
    nlohmann::json spec = to_json(mask_spec.training);
    spec["iterations"] = mask_spec.training.total_iterations(data.train.size());
    spec["initial_probability"] = init_probability;
    spec["sample_seed"] = seed;
    settings["learned"] = spec;
  }
  const fs::path output =
      v.count("output") ? fs::path(v["output"].as<std::string>())
                        : fs::path("supermask-runs") / ("supermask-" + settings_hash(settings));

  const bool quiet = v["quiet"].as<bool>();
  const bool verbose = v["verbose"].as<bool>() && !quiet;
  if (!quiet) {
    std::cout << "cardinal supermask: " << data.model << " on " << data.dataset << " ("
              << data.train.size() << " training, " << data.test.size() << " test examples), keep "
              << percent(keep) << " " << scope_name << "\n  output " << output.string() << '\n'
              << std::flush;
  }

  at::manual_seed(seed);
  const std::shared_ptr<Network> network = make_model(data.model, data.input);
  network->to(device);
  const Snapshot initial = take_snapshot(*network);
  const Mask dense = Mask::dense(*network);
  fs::create_directories(output / "masks");
  initial.save((output / "initial.snapshot").string());

  auto evaluate_network = [&]() {
    return evaluate(*network, data.test, training.evaluation_batch_size, training.normalization,
                    device);
  };
  // The dense baselines the masks are read against, kept as baselines.csv.
  std::string baselines = "network,test_accuracy\n";
  const double untrained_accuracy = evaluate_network().accuracy;
  baselines += "dense untrained," + shortest_text(untrained_accuracy) + "\n";
  if (!quiet) {
    std::cout << "  untrained dense network: test accuracy " << fixed(untrained_accuracy) << '\n'
              << std::flush;
  }

  std::vector<ResultRow> rows;
  if (!criteria.empty()) {
    TrainingCallbacks callbacks;
    if (verbose)
      callbacks.on_evaluation = [](const CurveRow& row) {
        std::cout << "    [dense] iteration " << row.iteration << ": train loss " << row.train_loss
                  << ", test accuracy " << row.test_accuracy << '\n'
                  << std::flush;
      };
    const TrainingCurve curve =
        train(*network, dense, data.train, data.test, training, device, callbacks);
    const Snapshot trained = take_snapshot(*network);
    trained.save((output / "dense.snapshot").string());
    write_file_atomically(output / "dense-curve.csv", curve.to_csv());
    baselines += "dense trained," + shortest_text(curve.rows.back().test_accuracy) + "\n";
    if (!quiet) {
      std::cout << "  trained dense network: test accuracy "
                << fixed(curve.rows.back().test_accuracy) << " after "
                << curve.rows.back().iteration << " iterations\n"
                << std::flush;
    }
    for (const MaskCriterion c : criteria) {
      const Mask mask = criterion_mask(initial, trained, dense, c, keep, scope, seed);
      mask.save((output / "masks" / (to_string(c) + ".mask")).string());
      for (const KeptWeights k : kept_weights) {
        load_supermask_network(*network, initial, mask, k);
        rows.push_back(
            {to_string(c), to_string(k), mask.total(), mask.remaining(), evaluate_network()});
      }
    }
  }

  if (learned) {
    for (const KeptWeights k : kept_weights) {
      load_supermask_network(*network, initial, dense, k);
      const std::string tag = "learned" + suffix(k);
      std::function<void(const SupermaskCurveRow&)> progress;
      if (verbose)
        progress = [&](const SupermaskCurveRow& row) {
          std::cout << "    [" << tag << "] iteration " << row.iteration << ": train loss "
                    << row.train_loss << ", test accuracy " << row.test_accuracy
                    << ", mask density " << row.mask_density << '\n'
                    << std::flush;
        };
      const LearnedSupermask result =
          learn_supermask(*network, data.train, data.test, mask_spec, device, progress);
      write_file_atomically(output / (tag + "-curve.csv"), result.curve.to_csv());
      std::vector<NamedTensor> scores;
      for (std::size_t i = 0; i < result.names.size(); ++i)
        scores.push_back({result.names[i], result.scores[i]});
      Snapshot(scores, {}).save((output / ("learned-scores" + suffix(k) + ".snapshot")).string());
      const Mask expected = result.expected_mask();
      expected.save((output / "masks" / (tag + ".mask")).string());
      rows.push_back({"learned", to_string(k), expected.total(), expected.remaining(),
                      evaluate_masked(*network, expected, data.test, training.evaluation_batch_size,
                                      training.normalization, device)});
      const Mask sampled = result.sampled_mask(seed);
      rows.push_back({"learned_sampled", to_string(k), sampled.total(), sampled.remaining(),
                      evaluate_masked(*network, sampled, data.test, training.evaluation_batch_size,
                                      training.normalization, device)});
    }
  }

  write_file_atomically(output / "settings.json", settings.dump(2) + '\n');
  write_file_atomically(output / "baselines.csv", baselines);
  write_file_atomically(output / "results.csv", results_csv(rows));
  std::cout << (quiet ? "" : "\n") << table(rows);
  if (!quiet) std::cout << "\n  results " << (output / "results.csv").string() << '\n';
  return 0;
}

}  // namespace

int supermask_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal supermask", supermask_main, args);
}

po::options_description supermask_command_options() {
  return supermask_options();
}

}  // namespace cardinal
