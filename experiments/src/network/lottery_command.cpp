// `cardinal lottery`: the lottery-ticket procedures on a network, stored and resumable.
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/atomic_output.hpp"
#include "cardinal/experiments/command_line.hpp"
#include "cardinal/experiments/commands.hpp"
#include "cardinal/experiments/network/lottery_store.hpp"
#include "cardinal/experiments/run_store.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/lottery_run.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/models/factory.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal lottery --model NAME --dataset NAME --method METHOD --levels L [options]\n\n"
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
      ("model", po::value<std::string>()->default_value("lenet300"), "lenet300, lenet5, conv2, ...")
      ("dataset", po::value<std::string>()->default_value("fashion-mnist"),
       "mnist | fashion-mnist | cifar10")
      ("data-dir", po::value<std::string>(),
       "folder holding the data set files (default: the data set's standard folder)")
      ("train-subset", po::value<Index>()->default_value(0),
       "train on the first N training examples only (0: all)")
      ("test-subset", po::value<Index>()->default_value(0),
       "evaluate on the first N test examples only (0: all)")
      ("method", po::value<std::string>()->default_value("imp-reset"),
       "imp-reset | imp-rewind | one-shot | fine-tune | lr-rewind")
      ("levels", po::value<Index>()->default_value(3), "last pruning level (0: dense only)")
      ("control", po::value<std::vector<std::string>>()->composing(),
       "random-reinit | random-mask (repeatable)")
      ("with-control", po::bool_switch(), "run both controls beside the ticket")
      ("rewind", po::value<std::string>(),
       "rewind iteration K: \"500it\", \"500\" or \"2ep\" (imp-rewind: required; one-shot, "
       "fine-tune, lr-rewind: default 0)")
      ("seed", po::value<std::uint64_t>()->default_value(0),
       "seed of the initialization and of the batch order");

  po::options_description training("Training");
  training.add_options()
      ("iterations", po::value<Index>(), "training length T in iterations (batches)")
      ("epochs", po::value<Index>(), "training length T in epochs (default 1)")
      ("batch-size", po::value<Index>()->default_value(128), "examples per iteration")
      ("optimizer", po::value<std::string>()->default_value("sgd"), "sgd | adam")
      ("lr", po::value<double>(), "learning rate (default: 0.1 for sgd, 0.0012 for adam)")
      ("momentum", po::value<double>()->default_value(0.0), "sgd momentum")
      ("nesterov", po::bool_switch(), "sgd: Nesterov momentum")
      ("weight-decay", po::value<double>()->default_value(0.0), "L2 weight decay")
      ("schedule", po::value<std::string>()->default_value("constant"),
       "constant | step | cosine")
      ("milestones", po::value<std::string>(),
       "step: comma-separated iterations where the rate is multiplied by --gamma")
      ("gamma", po::value<double>()->default_value(0.1), "step: factor per milestone")
      ("final-lr", po::value<double>()->default_value(0.0), "cosine: rate at the end")
      ("warmup", po::value<Index>()->default_value(0), "linear warm-up iterations")
      ("augment", po::bool_switch(), "pad-crop-flip augmentation of training batches")
      ("evaluate-every", po::value<Index>()->default_value(0),
       "test-set evaluation every N iterations (0: at the start and end of each level)");

  po::options_description pruning("Pruning");
  pruning.add_options()
      ("prune-fraction", po::value<double>()->default_value(0.2),
       "fraction of the remaining weights pruned per level")
      ("output-fraction", po::value<double>()->default_value(0.1),
       "fraction for the output layer (negative: as --prune-fraction)")
      ("pruning-scope", po::value<std::string>()->default_value("layerwise"),
       "layerwise | global");

  po::options_description run("Run");
  run.add_options()
      ("device", po::value<std::string>()->default_value("cpu"), "cpu | cuda | cuda:N")
      ("threads", po::value<int>()->default_value(0), "CPU threads (0: LibTorch's default)")
      ("store", po::value<std::string>(), "run store directory (default: lottery-runs)")
      ("output,o", po::value<std::string>(), "same as --store")
      ("checkpoint-every", po::value<Index>()->default_value(0),
       "write a resumable checkpoint every N iterations (0: only whole levels)")
      ("verbose,v", po::bool_switch(), "print every evaluation")
      ("quiet,q", po::bool_switch(), "print only the final table");

  po::options_description all;
  all.add(experiment).add(training).add(pruning).add(run);
  return all;
}
// clang-format on

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

torch::Device parse_device(const std::string& text) {
  require(text == "cpu" || text == "cuda" || text.starts_with("cuda:"),
          "--device must be cpu, cuda or cuda:N, got '" + text + "'");
  if (text == "cpu") return torch::kCPU;
  require(torch::cuda::is_available(), "--device " + text + ": CUDA is not available here");
  try {
    return torch::Device(text);
  } catch (const std::exception&) {
    throw InvalidInput("--device: cannot parse '" + text + "'");
  }
}

std::vector<Index> parse_milestones(const std::string& text) {
  std::vector<Index> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::size_t used = 0;
    Index value = -1;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require(used == item.size() && !item.empty() && value >= 0,
            "--milestones must be comma-separated iterations >= 0, got '" + text + "'");
    out.push_back(value);
  }
  return out;
}

TensorDataset first(const TensorDataset& data, Index count, const std::string& option) {
  if (count == 0) return data;
  require(count > 0 && count <= data.size(), option + " must be in [0, " +
                                                 std::to_string(data.size()) + "], got " +
                                                 std::to_string(count));
  std::vector<int64_t> indices(static_cast<std::size_t>(count));
  for (Index i = 0; i < count; ++i) indices[static_cast<std::size_t>(i)] = i;
  return data.subset(indices);
}

/// A 64-bit FNV-1a digest of the examples' pixels and labels. It enters the run hash so that
/// the same settings pointed at different data files (another --data-dir) name another run.
std::string data_fingerprint(const TensorDataset& data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const torch::Tensor& t : {data.inputs, data.labels}) {
    const torch::Tensor bytes = t.contiguous().cpu();
    const auto* p = static_cast<const unsigned char*>(bytes.data_ptr());
    const std::size_t n = static_cast<std::size_t>(bytes.numel()) * bytes.element_size();
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  }
  std::ostringstream hex;
  hex << std::hex << std::setw(16) << std::setfill('0') << h;
  return hex.str();
}

/// The settings that define a run's results: hashed to name its directory.
nlohmann::json run_settings(const LotterySpec& spec, const std::string& dataset,
                            const TensorDataset& train, const TensorDataset& test,
                            const torch::Device& device) {
  const Index train_size = train.size(), test_size = test.size();
  const TrainingSpec& t = spec.training;
  const OptimizerSpec& o = t.optimizer;
  const ScheduleSpec& s = t.schedule;
  nlohmann::json optimizer = {{"kind", o.kind == OptimizerKind::kSgd ? "sgd" : "adam"},
                              {"weight_decay", o.weight_decay}};
  if (o.kind == OptimizerKind::kSgd) {
    optimizer["momentum"] = o.momentum;
    optimizer["nesterov"] = o.nesterov;
  } else {
    optimizer["beta1"] = o.beta1;
    optimizer["beta2"] = o.beta2;
    optimizer["eps"] = o.eps;
  }
  static const char* kSchedules[] = {"constant", "step", "cosine"};
  nlohmann::json schedule = {{"kind", kSchedules[static_cast<int>(s.kind)]},
                             {"base_lr", s.base_lr},
                             {"warmup_iterations", s.warmup_iterations}};
  if (s.kind == ScheduleKind::kStep) {
    schedule["milestones"] = s.milestones;
    schedule["gamma"] = s.gamma;
  }
  if (s.kind == ScheduleKind::kCosine) {
    schedule["total_iterations"] = s.total_iterations;
    schedule["final_lr"] = s.final_lr;
  }
  nlohmann::json pruning = {
      {"fraction", spec.pruning.fraction},
      {"scope", spec.pruning.scope == PruningScope::kGlobal ? "global" : "layerwise"}};
  if (spec.pruning.output_fraction) pruning["output_fraction"] = *spec.pruning.output_fraction;
  return {{"command", "lottery"},
          {"format", 1},
          {"model", spec.model},
          {"dataset", dataset},
          {"train_examples", train_size},
          {"test_examples", test_size},
          {"data_fingerprint", data_fingerprint(train) + data_fingerprint(test)},
          {"method", to_string(spec.method)},
          {"seed", spec.seed},
          {"iterations", spec.total_iterations(train_size)},
          {"rewind_iteration", spec.rewind_iteration(train_size)},
          {"training",
           {{"batch_size", t.batch_size},
            {"optimizer", optimizer},
            {"schedule", schedule},
            {"evaluate_every", t.evaluate_every},
            {"augment", t.augment},
            {"normalization", "standard"},
            {"data_seed", t.data_seed}}},
          {"pruning", pruning},
          {"device", device.is_cuda() ? "cuda" : "cpu"}};
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

std::string summary_csv(const LotteryResult& result, const std::vector<LotteryControl>& controls) {
  std::ostringstream out;
  out << std::setprecision(17)
      << "level,weights_total,weights_remaining,fraction_remaining,ticket_test_accuracy,"
         "ticket_test_loss";
  for (LotteryControl c : controls) {
    std::string name = to_string(c);
    std::replace(name.begin(), name.end(), '-', '_');
    out << ',' << name << "_test_accuracy," << name << "_test_loss";
  }
  out << '\n';
  for (std::size_t level = 0; level < result.tickets.size(); ++level) {
    const StageSummary& t = result.tickets[level];
    out << t.level << ',' << t.weights_total << ',' << t.weights_remaining << ','
        << t.fraction_remaining() << ',' << t.test_accuracy << ',' << t.test_loss;
    for (std::size_t c = 0; c < controls.size(); ++c) {
      if (level == 0) {
        out << ",,";
      } else {
        const StageSummary& s = result.controls[c][level - 1];
        out << ',' << s.test_accuracy << ',' << s.test_loss;
      }
    }
    out << '\n';
  }
  return out.str();
}

int lottery_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, lottery_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  // Names and options first: fail before loading anything.
  LotterySpec spec;
  spec.model = v["model"].as<std::string>();
  const std::vector<std::string> models = known_models();
  require(std::find(models.begin(), models.end(), spec.model) != models.end(),
          "unknown --model '" + spec.model + "' (known: " + joined(models) + ")");
  const std::string dataset = v["dataset"].as<std::string>();
  const std::vector<std::string> datasets = known_datasets();
  require(std::find(datasets.begin(), datasets.end(), dataset) != datasets.end(),
          "unknown --dataset '" + dataset + "' (known: " + joined(datasets) + ")");
  const DatasetInfo info = dataset_info(dataset);
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
  require(levels >= 0, "--levels must be >= 0");
  const torch::Device device = parse_device(v["device"].as<std::string>());
  const int threads = v["threads"].as<int>();
  require(threads >= 0, "--threads must be >= 0");
  require(!(v.count("store") && v.count("output")), "give --store or --output, not both");
  const std::string store = v.count("store")    ? v["store"].as<std::string>()
                            : v.count("output") ? v["output"].as<std::string>()
                                                : std::string("lottery-runs");

  TrainingSpec& training = spec.training;
  require(!(v.count("iterations") && v.count("epochs")), "give --iterations or --epochs, not both");
  if (v.count("iterations")) {
    training.length = TrainingLength::iterations(v["iterations"].as<Index>());
    require(training.length.amount >= 1, "--iterations must be >= 1");
  } else {
    training.length = TrainingLength::epochs(v.count("epochs") ? v["epochs"].as<Index>() : 1);
    require(training.length.amount >= 1, "--epochs must be >= 1");
  }
  training.batch_size = v["batch-size"].as<Index>();
  require(training.batch_size >= 1, "--batch-size must be >= 1");
  training.optimizer.kind = parse_optimizer_kind(v["optimizer"].as<std::string>());
  const bool sgd = training.optimizer.kind == OptimizerKind::kSgd;
  const double lr = v.count("lr") ? v["lr"].as<double>() : (sgd ? 0.1 : 0.0012);
  training.optimizer.lr = lr;
  training.optimizer.momentum = v["momentum"].as<double>();
  training.optimizer.nesterov = v["nesterov"].as<bool>();
  training.optimizer.weight_decay = v["weight-decay"].as<double>();
  require(sgd || (training.optimizer.momentum == 0.0 && !training.optimizer.nesterov),
          "--momentum and --nesterov apply to --optimizer sgd only");
  training.schedule.kind = parse_schedule_kind(v["schedule"].as<std::string>());
  training.schedule.base_lr = lr;
  training.schedule.gamma = v["gamma"].as<double>();
  training.schedule.final_lr = v["final-lr"].as<double>();
  training.schedule.warmup_iterations = v["warmup"].as<Index>();
  if (v.count("milestones")) {
    require(training.schedule.kind == ScheduleKind::kStep, "--milestones needs --schedule step");
    training.schedule.milestones = parse_milestones(v["milestones"].as<std::string>());
  }
  training.augment = v["augment"].as<bool>();
  training.evaluate_every = v["evaluate-every"].as<Index>();
  require(training.evaluate_every >= 0, "--evaluate-every must be >= 0");
  training.normalization = standard_normalization(dataset);
  spec.seed = v["seed"].as<std::uint64_t>();
  training.data_seed = spec.seed;

  spec.pruning.fraction = v["prune-fraction"].as<double>();
  const double output_fraction = v["output-fraction"].as<double>();
  spec.pruning.output_fraction =
      output_fraction < 0 ? std::nullopt : std::optional<double>(output_fraction);
  const std::string scope = v["pruning-scope"].as<std::string>();
  require(scope == "layerwise" || scope == "global",
          "--pruning-scope must be layerwise or global, got '" + scope + "'");
  spec.pruning.scope = scope == "global" ? PruningScope::kGlobal : PruningScope::kLayerwise;

  if (v.count("rewind")) {
    require(spec.method != LotteryMethod::kImpReset,
            "--rewind does not apply to imp-reset (it resets to the initialization)");
    spec.rewind = TrainingLength::parse(v["rewind"].as<std::string>(), "--rewind");
  } else {
    require(spec.method != LotteryMethod::kImpRewind,
            "--method imp-rewind needs --rewind K (e.g. 100it or 1ep)");
  }
  const Index checkpoint_every = v["checkpoint-every"].as<Index>();
  require(checkpoint_every >= 0, "--checkpoint-every must be >= 0");

  // Data.
  std::string data_dir;
  if (v.count("data-dir")) {
    data_dir = v["data-dir"].as<std::string>();
    require(fs::is_directory(data_dir), "--data-dir " + data_dir + ": no such directory");
  }
  const TensorDataset train_set = first(load_dataset(dataset, data_dir, "train"),
                                        v["train-subset"].as<Index>(), "--train-subset");
  const TensorDataset test_set =
      first(load_dataset(dataset, data_dir, "test"), v["test-subset"].as<Index>(), "--test-subset");
  spec.input = {.channels = info.channels,
                .height = info.height,
                .width = info.width,
                .classes = info.classes};
  if (training.schedule.kind == ScheduleKind::kCosine)
    training.schedule.total_iterations = spec.total_iterations(train_set.size());
  spec.validate(train_set.size());
  if (threads > 0) at::set_num_threads(threads);

  const RunStore runs(store);
  RunStoreLotteryArchive archive(
      runs.open("lottery", run_settings(spec, dataset, train_set, test_set, device)));
  const bool quiet = v["quiet"].as<bool>();
  const bool verbose = v["verbose"].as<bool>() && !quiet;
  if (!quiet) {
    std::cout << "cardinal lottery: " << to_string(spec.method) << ", " << spec.model << " on "
              << dataset << " (" << train_set.size() << " training, " << test_set.size()
              << " test examples), T = " << spec.total_iterations(train_set.size())
              << " iterations";
    if (spec.method != LotteryMethod::kImpReset)
      std::cout << ", k = " << spec.rewind_iteration(train_set.size());
    std::cout << "\n  run directory " << archive.run().path().string() << '\n' << std::flush;
  }

  LotteryOptions options;
  options.levels = levels;
  options.controls = controls;
  options.device = device;
  options.checkpoint_every = checkpoint_every;
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
    if (reused)
      line << "(reused)\n";
    else
      line << "(iterations " << s.begin_iteration << "-" << s.end_iteration << ", " << std::fixed
           << std::setprecision(1) << seconds << " s)\n";
    std::cout << line.str() << std::flush;
  };
  if (verbose) {
    options.on_evaluation = [](const std::string& stage, const CurveRow& row) {
      std::cout << "    [" << stage << "] iteration " << row.iteration << ": train loss "
                << row.train_loss << ", test loss " << row.test_loss << ", test accuracy "
                << row.test_accuracy << '\n'
                << std::flush;
    };
  }
  const LotteryResult result = run_lottery(spec, train_set, test_set, archive, options);

  write_file_atomically(archive.run().path() / "summary.csv", summary_csv(result, controls));
  std::cout << (quiet ? "" : "\n") << table(result, controls);
  if (!quiet)
    std::cout << "\n  summary " << (archive.run().path() / "summary.csv").string() << '\n';
  return 0;
}

}  // namespace

int lottery_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal lottery", lottery_main, args);
}

}  // namespace cardinal
