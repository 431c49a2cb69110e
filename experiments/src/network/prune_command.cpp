// `cardinal prune`: one-shot pruning of a trained network by magnitude, OBS, or by solving each
// layer's reconstruction problem (ℓ0-constrained least squares) with a convex sparse solver.
#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network/network_options.hpp"
#include "cardinal/experiments/network/pruning_solvers.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/nonconvex/pruning/fisher_model.hpp"
#include "cardinal/nonconvex/pruning/layer_theory.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

std::string usage() {
  return "Usage: cardinal prune [--model NAME] [--dataset NAME] [--weights FILE] --sparsity S\n"
         "                      [--method NAME] [--solver NAME] [options]\n\n"
         "One-shot pruning of a trained network (any --model; fisher and woodfisher: lenet300,\n"
         "mlpnet): the fraction S of the weights is removed, each layer keeping the count that "
         "global magnitude\n"
         "pruning leaves it (--allocation global), 1 - S of its own (uniform), or each row\n"
         "the count that minimizes the layers' summed relative reconstruction errors along the\n"
         "rows' OBS error paths (reconstruction). Methods:\n"
         "  magnitude            the largest |w| over all layers (global)\n"
         "  magnitude-layerwise  the largest |w| of each layer\n"
         "  obs                  Optimal Brain Surgeon row by row (OBC) on H = X'X/n + lambda I\n"
         "  layerwise            each layer's reconstruction problem\n"
         "                         min ||X W'^T - X W^T||^2/(2n) + lambda/2 ||W' - W||^2,\n"
         "                       nnz(W') = budget, solved by --solver per row (--budget row) or\n"
         "                       for the whole layer (--budget layer)\n"
         "  fisher               the global Fisher model over all the weights at once,\n"
         "                         min ||G(w - w0)||^2/(2n) + lambda/2 ||w - w0||^2,\n"
         "                       nnz(w) = total kept, G the per-example gradients at the\n"
         "                       trained weights w0 (float), solved by --solver\n"
         "  woodfisher           OBS on the Fisher model, Woodbury inverse (WoodFisher), in\n"
         "                       --woodfisher-steps steps\n"
         "X holds the layer's inputs on --calibration training examples (the first N), from the\n"
         "already pruned layers before it (--calibration-inputs sequential) or from the dense\n"
         "network (parallel); for a convolution, its unfolded input patches (N x output pixels\n"
         "rows of C_in*kh*kw), above --max-patches sampled down to it (seeded, the same on\n"
         "every run); lambda = --ridge * mean(diag X'X/n). The Fisher model's n is\n"
         "--calibration too (default 1000) and lambda = --ridge * mean(diag G'G/n); its size\n"
         "(4nd bytes for G and the solver's systems) is checked against --max-memory first.\n\n"
         "--weights reads a snapshot (cardinal supermask's dense.snapshot, a lottery run's\n"
         "level-0/end.snapshot, or this command's dense.snapshot or pruned.snapshot). Without\n"
         "it the network is initialized (--seed), trained densely with the Training options\n"
         "(default 2 epochs) and saved as dense.snapshot. --retrain T then trains the pruned\n"
         "network T iterations with its mask fixed.\n\n"
         "Results go to --output DIR, written all at once: summary.json (settings, accuracies,\n"
         "per-layer results), layers.csv, pruned.mask, pruned.snapshot (pruned, and retrained\n"
         "when asked), dense.snapshot / retrain-curve.csv when trained here, and with --theory\n"
         "bounds.json and bounds.csv (each layer's restricted constants, estimates and theorems),\n"
         "and greedy-rows.csv for OMP and FCFGS (the sublinear bound on every row).";
}

// One option per line reads better than the formatter's packing of the chained calls.
// clang-format off
po::options_description prune_options() {
  po::options_description pruning("Pruning");
  pruning.add_options()
      ("weights", po::value<std::string>(), "trained snapshot of the --model network")
      ("dense-cache", po::value<std::string>(),
       "without --weights: a folder of dense networks keyed by what defines their training "
       "(model, data, training settings, seed); one found there is read instead of trained, "
       "one trained is added (cardinal experiment passes <store>/cache)")
      ("method", po::value<std::string>()->default_value("layerwise"),
       "magnitude | magnitude-layerwise | obs | layerwise | fisher | woodfisher")
      ("solver", po::value<std::string>()->default_value("omp"),
       "layerwise, fisher: omp | fgs | fcfgs | iht | niht | htp | grasp | cosamp | lasso "
       "(layerwise)")
      ("splice", po::bool_switch(),
       "layerwise, obs: refine each (row) solution by splicing from its support")
      ("max-exchange", po::value<Index>()->default_value(2),
       "splicing, --splice: most coordinates exchanged in one round")
      ("start", po::value<std::string>()->default_value("zero"),
       "fisher, with iht | niht | htp | grasp | cosamp | splicing: where the solver starts: zero | "
       "magnitude (the trained weights' largest entries)")
      ("woodfisher-steps", po::value<Index>()->default_value(1),
       "woodfisher: pruning steps, the Fisher inverse recomputed on the remaining weights")
      ("sparsity", po::value<double>(), "fraction of the weights removed, in (0, 1)")
      ("allocation", po::value<std::string>()->default_value("global"),
       "obs, layerwise: global (each layer keeps what global magnitude pruning leaves it) | "
       "uniform (every layer keeps 1 - S) | reconstruction (row budgets from the OBS error "
       "paths, docs/pruning.md)")
      ("budget", po::value<std::string>()->default_value("row"),
       "layerwise: row (each row keeps its share) | layer (one budget per layer)")
      ("calibration", po::value<Index>()->default_value(kDefaultCalibrationExamples),
       "calibration examples (the first N training examples)")
      ("calibration-inputs", po::value<std::string>()->default_value("sequential"),
       "sequential (inputs from the pruned layers before) | parallel (from the dense network)")
      ("max-patches", po::value<Index>()->default_value(kDefaultMaxPatches),
       "a convolution's unfolded input patches above this count are subsampled to it")
      ("ridge", po::value<double>()->default_value(0.01, "0.01"),
       "damping lambda relative to mean(diag X'X/n)")
      ("max-iterations", po::value<Index>()->default_value(1000),
       "iteration cap of the iterative solvers (iht, niht, htp, grasp, cosamp)")
      ("theory", po::bool_switch(),
       "for each layer, the restricted constants of H at s, 2s, 3s, 4s (s: its largest row "
       "budget; exact where enumeration is feasible, else certified bounds with estimates from "
       "supports found by search beside them) and each theorem's assumption: holds (proved), "
       "fails (refuted by exact values or an exhibited support) or unverified: bounds.json, "
       "bounds.csv; with --solver omp | fcfgs (row budgets), Shalev-Shwartz, Srebro & Zhang's "
       "bound checked on every row: greedy-rows.csv")
      ("retrain", po::value<Index>()->default_value(0),
       "iterations of retraining with the mask fixed (0: none)")
      ("seed", po::value<std::uint64_t>()->default_value(0),
       "seed of the initialization and the batch order when training here");

  po::options_description output("Output");
  output.add_options()
      ("output,o", po::value<std::string>(),
       "output directory (default: prune-runs/prune-<settings hash>)")
      ("overwrite", po::bool_switch(), "replace an existing output directory")
      ("quiet,q", po::bool_switch(), "print only the summary line");

  po::options_description all;
  all.add(network_data_options()).add(pruning).add(training_options()).add(device_options())
      .add(output);
  return all;
}
// clang-format on

std::string fixed(double value, int digits = 4) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << value;
  return s.str();
}

std::string layers_csv(const std::vector<LayerPruningReport>& layers) {
  std::ostringstream out;
  out << std::setprecision(17)
      << "layer,rows,columns,weights,kept,sparsity,reconstruction_error,relative_error,seconds,"
         "calibration_rows,calibration_rows_available,damped_error\n";
  for (const LayerPruningReport& l : layers) {
    const Index total = l.rows * l.columns;
    out << l.name << ',' << l.rows << ',' << l.columns << ',' << total << ',' << l.kept << ','
        << 1.0 - static_cast<double>(l.kept) / static_cast<double>(total) << ',' << l.error << ','
        << l.relative_error << ',' << l.seconds << ',' << l.calibration_rows << ','
        << l.calibration_available << ',' << l.damped_error << '\n';
  }
  return out.str();
}

nlohmann::json constant_json(const RestrictedConstant& c) {
  return {{"value", c.value}, {"kind", std::string(to_string(c.kind))}, {"method", c.method}};
}

nlohmann::json constants_json(const std::vector<RestrictedConstants>& constants) {
  nlohmann::json levels = nlohmann::json::array();
  for (const RestrictedConstants& c : constants) {
    nlohmann::json level = {{"k", c.k},
                            {"rsc", constant_json(c.rsc)},
                            {"rss", constant_json(c.rss)},
                            {"condition", constant_json(c.condition)},
                            {"best_isometry", constant_json(best_isometry_constant(c))},
                            {"matrix", c.matrix}};
    // The supports that attain an estimate: the evidence of a refutation.
    if (!c.rsc_support.empty()) level["rsc_support"] = c.rsc_support;
    if (!c.rss_support.empty()) level["rss_support"] = c.rss_support;
    levels.push_back(std::move(level));
  }
  return levels;
}

/// bounds.json: per layer its p, s, the constants at each level (labelled by kind), estimates
/// where those are certified bounds, and each theorem's assumption with its status.
nlohmann::json theory_json(const std::vector<LayerTheory>& theories) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerTheory& t : theories) {
    nlohmann::json layer = {{"layer", t.layer},
                            {"dimension", t.dimension},
                            {"sparsity", t.sparsity},
                            {"constants", constants_json(t.constants)},
                            {"estimates", constants_json(t.estimates)},
                            {"theorems", nlohmann::json::array()},
                            {"not_covered", t.not_covered}};
    for (const GuaranteeBound& g : t.theorems)
      layer["theorems"].push_back({{"theorem", g.theorem},
                                   {"assumption", g.assumption},
                                   {"status", std::string(to_string(g.status))},
                                   {"constants_kind", std::string(to_string(g.constants_kind))},
                                   {"applies", g.guaranteed()}});
    if (t.greedy_rows) {
      const GreedyRowsCheck& c = *t.greedy_rows;
      layer["greedy_rows"] = {{"theorem", c.theorem},
                              {"quantity", "f_i(ŵ_i) − f_i(w_i), w_i the dense row"},
                              {"bound", "ε₀C/(C + t·ε₀), C = 2β₁‖w_i‖₁², t = ‖ŵ_i‖₀"},
                              {"coordinate_smoothness", c.coordinate_smoothness},
                              {"rows", c.rows.size()},
                              {"violations", c.violations()},
                              {"largest_ratio", c.largest_ratio()},
                              {"median_ratio", c.median_ratio()}};
    }
    layers.push_back(std::move(layer));
  }
  return {{"layers", std::move(layers)}};
}

/// bounds.csv: `layer,k,constant,value,kind`, constant one of rsc, rss, condition,
/// best_isometry; the estimates follow the exact or certified constants of each layer.
std::string theory_csv(const std::vector<LayerTheory>& theories) {
  std::ostringstream out;
  out << std::setprecision(17) << "layer,k,constant,value,kind\n";
  for (const LayerTheory& t : theories)
    for (const auto* levels : {&t.constants, &t.estimates})
      for (const RestrictedConstants& c : *levels) {
        const std::pair<const char*, RestrictedConstant> rows[] = {
            {"rsc", c.rsc},
            {"rss", c.rss},
            {"condition", c.condition},
            {"best_isometry", best_isometry_constant(c)}};
        for (const auto& [name, value] : rows)
          out << t.layer << ',' << c.k << ',' << name << ',' << value.value << ','
              << to_string(value.kind) << '\n';
      }
  return out.str();
}

/// greedy-rows.csv: Shalev-Shwartz, Srebro & Zhang's bound on each row of the layers pruned by
/// OMP or FCFGS: `layer,row,kept,initial_gap,gap,bound,ratio,holds`.
std::string greedy_rows_csv(const std::vector<LayerTheory>& theories) {
  std::ostringstream out;
  out << std::setprecision(17) << "layer,row,kept,initial_gap,gap,bound,ratio,holds\n";
  for (const LayerTheory& t : theories) {
    if (!t.greedy_rows) continue;
    for (const GreedyRowBound& r : t.greedy_rows->rows) {
      out << t.layer << ',' << r.row << ',' << r.kept << ',' << r.initial_gap << ',' << r.gap << ','
          << r.bound << ',';
      if (r.bound > 0.0) out << r.ratio();
      out << ',' << (r.holds() ? "true" : "false") << '\n';
    }
  }
  return out.str();
}

int prune_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(usage(), prune_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  // Options first: fail before loading or writing anything.
  require(v.count("sparsity") == 1, "--sparsity is required");
  OneShotPruningOptions options = parse_one_shot_pruning(v);
  const std::string solver = v["solver"].as<std::string>();
  const Index max_iterations = v["max-iterations"].as<Index>();
  const Index max_exchange = v["max-exchange"].as<Index>();
  const bool fisher =
      options.method == OneShotMethod::kFisher || options.method == OneShotMethod::kWoodFisher;
  const Index calibration = v["calibration"].as<Index>();
  require(calibration >= 1, "--calibration must be at least 1, got " + std::to_string(calibration));
  const Index retrain = v["retrain"].as<Index>();
  require(retrain >= 0, "--retrain must be non-negative");
  if (v.count("dense-cache")) {
    const fs::path cache = v["dense-cache"].as<std::string>();
    require(!fs::exists(cache) || fs::is_directory(cache),
            "--dense-cache " + cache.string() + " exists and is not a directory");
  }
  const std::uint64_t seed = v["seed"].as<std::uint64_t>();
  const torch::Device device = parse_device_options(v);

  const NetworkData data = load_network_data(v);
  require(!fisher || data.model == "lenet300" || data.model == "mlpnet",
          "--method " + to_string(options.method) +
              " prunes the fully connected models (lenet300, mlpnet), not '" + data.model + "'");
  const TrainingSpec training = parse_training_spec(v, data.dataset, data.train.size(), 2, seed);
  at::manual_seed(seed);
  const std::shared_ptr<Network> network = make_model(data.model, data.input);
  const Index n = std::min<Index>(calibration, data.train.size());
  if (fisher) {
    Index d = 0;
    for (const NamedTensor& t : prunable_tensors(*network)) d += t.tensor.numel();
    require_memory(fisher_model_bytes(n, d, d - pruned_count(options.sparsity, d),
                                      options.method == OneShotMethod::kFisher && solver == "omp"),
                   "--method " + to_string(options.method) + ": the Fisher model (" +
                       std::to_string(n) + " per-example gradients over " + std::to_string(d) +
                       " weights) with its solver");
  }
  std::optional<Snapshot> weights;
  if (v.count("weights")) {
    weights = Snapshot::load(v["weights"].as<std::string>());
    try {
      restore(*network, *weights);
    } catch (const InvalidInput& error) {
      throw InvalidInput("--weights " + v["weights"].as<std::string>() + " is not a snapshot of " +
                         data.model + ": " + error.what());
    }
  }

  nlohmann::json settings = {
      {"command", "prune"},
      {"format", 1},
      {"model", data.model},
      {"dataset", data.dataset},
      {"data_fingerprint", data_fingerprint(data.train) + data_fingerprint(data.test)},
      {"method", to_string(options.method)},
      {"sparsity", options.sparsity},
      {"calibration", calibration},
      {"calibration_inputs", to_string(options.inputs)},
      {"ridge", options.ridge},
      {"retrain", retrain},
      {"seed", seed},
  };
  if (options.method == OneShotMethod::kLayerwise ||
      options.method == OneShotMethod::kOptimalBrainSurgeon)
    settings["allocation"] = to_string(options.allocation);
  if (options.method == OneShotMethod::kLayerwise) {
    settings["solver"] = solver;
    settings["budget"] = to_string(options.budget);
    settings["max_iterations"] = max_iterations;
    // Only where used: the other runs keep their settings.
    if (v["splice"].as<bool>()) settings["splice"] = true;
    if (v["splice"].as<bool>() || solver == "splicing") settings["max_exchange"] = max_exchange;
  }
  if (options.method == OneShotMethod::kOptimalBrainSurgeon && v["splice"].as<bool>()) {
    settings["splice"] = true;
    settings["max_exchange"] = max_exchange;
    settings["max_iterations"] = max_iterations;
  }
  if (options.method == OneShotMethod::kFisher) {
    settings["solver"] = solver;
    settings["max_iterations"] = max_iterations;
    settings["start"] = v["start"].as<std::string>();
  }
  if (options.method == OneShotMethod::kWoodFisher)
    settings["woodfisher_steps"] = options.woodfisher_steps;
  if (!v["max-patches"].defaulted()) settings["max_patches"] = options.max_patches;
  const bool theory = v["theory"].as<bool>();
  if (theory) settings["theory"] = true;  // only then: the other runs keep their hashes
  if (weights) settings["weights"] = fs::absolute(v["weights"].as<std::string>()).string();
  if (!weights || retrain > 0) settings["training"] = to_json(training);
  const fs::path destination = v.count("output")
                                   ? fs::path(v["output"].as<std::string>())
                                   : fs::path("prune-runs") / ("prune-" + settings_hash(settings));
  StagedDirectory out(destination, v["overwrite"].as<bool>());
  const bool quiet = v["quiet"].as<bool>();

  network->to(device);
  auto evaluate_network = [&] {
    return evaluate(*network, data.test, training.evaluation_batch_size, training.normalization,
                    device);
  };
  if (!weights) {
    // The dense network depends on these alone, so every method and sparsity of one seed can
    // share it; the snapshot holds the trained weights exactly, so a network read from the cache
    // prunes bit for bit as the one just trained.
    std::optional<fs::path> cached;
    if (v.count("dense-cache")) {
      const nlohmann::json dense = {{"model", data.model},
                                    {"dataset", data.dataset},
                                    {"data_fingerprint", settings["data_fingerprint"]},
                                    {"training", to_json(training)},
                                    {"seed", seed},
                                    {"device", device_settings(device)}};
      cached = fs::path(v["dense-cache"].as<std::string>()) /
               ("dense-" + settings_hash(dense) + ".snapshot");
    }
    if (cached && fs::is_regular_file(*cached)) {
      if (!quiet) std::cout << "cardinal prune: dense network from " << cached->string() << '\n';
      restore(*network, Snapshot::load(cached->string()));
    } else {
      if (!quiet) std::cout << "cardinal prune: training the dense network\n" << std::flush;
      train(*network, Mask::dense(*network), data.train, data.test, training, device);
    }
    const fs::path dense_file = out.file("dense.snapshot");
    take_snapshot(*network).save(dense_file.string());
    if (cached && !fs::is_regular_file(*cached)) {
      fs::create_directories(cached->parent_path());
      const fs::path partial = cached->string() + ".partial-" + std::to_string(::getpid());
      fs::copy_file(dense_file, partial, fs::copy_options::overwrite_existing);
      fs::rename(partial, *cached);  // atomic: a concurrent reader sees all of it or nothing
    }
  }
  const Evaluation before = evaluate_network();

  torch::Tensor inputs = data.train.inputs.slice(0, 0, n);
  if (training.normalization) inputs = normalize(inputs, *training.normalization);
  network->to(torch::kCPU);
  std::vector<LayerTheory> theories;
  // Shalev-Shwartz, Srebro & Zhang's bound covers the rows that a fully-corrective forward
  // greedy solver pruned (splicing after it keeps the bound).
  const bool greedy_rows = options.method == OneShotMethod::kLayerwise &&
                           options.budget == LayerBudgetScope::kRow &&
                           (solver == "omp" || solver == "fcfgs");
  if (theory)
    options.on_layer = [&theories, greedy_rows](
                           const std::string& name, const LayerReconstruction& layer,
                           const std::vector<Index>& budgets, const PrunedLayer& pruned) {
      const Index s = *std::max_element(budgets.begin(), budgets.end());
      if (s < 1) return;
      theories.push_back(layer_theory(name, layer, s));
      if (greedy_rows) theories.back().greedy_rows = check_greedy_rows(layer, pruned.weights);
    };
  const Stopwatch clock;
  const OneShotPruning pruned =
      prune_one_shot(*network, inputs, options, data.train.labels.slice(0, 0, n));
  const double seconds = clock.seconds();
  network->to(device);
  const Evaluation after = evaluate_network();

  std::optional<Evaluation> retrained;
  if (retrain > 0) {
    TrainingSpec spec = training;
    spec.length = TrainingLength::iterations(retrain);
    const TrainingCurve curve = train(*network, pruned.mask, data.train, data.test, spec, device);
    write_file_atomically(out.file("retrain-curve.csv"), curve.to_csv());
    retrained = evaluate_network();
  }

  pruned.mask.save(out.file("pruned.mask").string());
  take_snapshot(*network).save(out.file("pruned.snapshot").string());
  nlohmann::json summary = settings;
  summary["train_examples"] = data.train.size();
  summary["test_examples"] = data.test.size();
  summary["calibration_examples"] = n;
  summary["weights_total"] = pruned.mask.total();
  summary["weights_kept"] = pruned.mask.remaining();
  summary["test_accuracy_before"] = before.accuracy;
  summary["test_loss_before"] = before.loss;
  summary["test_accuracy_after"] = after.accuracy;
  summary["test_loss_after"] = after.loss;
  if (retrained) {
    summary["test_accuracy_retrained"] = retrained->accuracy;
    summary["test_loss_retrained"] = retrained->loss;
  }
  summary["pruning_seconds"] = seconds;
  if (pruned.fisher)
    summary["fisher"] = {{"examples", pruned.fisher->examples},
                         {"damping", pruned.fisher->damping},
                         {"objective", pruned.fisher->objective},
                         {"model_seconds", pruned.fisher->model_seconds},
                         {"solve_seconds", pruned.fisher->solve_seconds}};
  summary["layers"] = nlohmann::json::array();
  for (const LayerPruningReport& l : pruned.layers)
    summary["layers"].push_back({{"name", l.name},
                                 {"rows", l.rows},
                                 {"columns", l.columns},
                                 {"calibration_rows", l.calibration_rows},
                                 {"calibration_rows_available", l.calibration_available},
                                 {"kept", l.kept},
                                 {"reconstruction_error", l.error},
                                 {"relative_error", l.relative_error},
                                 {"damped_error", l.damped_error},
                                 {"seconds", l.seconds}});
  write_file_atomically(out.file("summary.json"), summary.dump(2) + '\n');
  write_file_atomically(out.file("layers.csv"), layers_csv(pruned.layers));
  if (theory) {
    write_file_atomically(out.file("bounds.json"), theory_json(theories).dump(2) + '\n');
    write_file_atomically(out.file("bounds.csv"), theory_csv(theories));
    if (greedy_rows) write_file_atomically(out.file("greedy-rows.csv"), greedy_rows_csv(theories));
  }
  out.commit();

  if (!quiet) {
    std::cout << layers_csv(pruned.layers);
    for (const LayerPruningReport& l : pruned.layers)
      if (l.calibration_rows < l.calibration_available)
        std::cout << l.name << ": H from " << l.calibration_rows << " of "
                  << l.calibration_available
                  << " unfolded input patches, sampled (--max-patches)\n";
  }
  std::cout << "cardinal prune: " << to_string(options.method)
            << (options.method == OneShotMethod::kLayerwise ||
                        options.method == OneShotMethod::kFisher
                    ? "+" + solver
                    : "")
            << " kept " << pruned.mask.remaining() << " of " << pruned.mask.total()
            << " weights in " << fixed(seconds, 2) << " s; test accuracy " << fixed(before.accuracy)
            << " -> " << fixed(after.accuracy)
            << (retrained ? " (retrained: " + fixed(retrained->accuracy) + ")" : "") << "\n  "
            << destination.string() << '\n';
  return 0;
}

}  // namespace

int prune_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal prune", prune_main, args);
}

po::options_description prune_command_options() {
  return prune_options();
}

}  // namespace cardinal
