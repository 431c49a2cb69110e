#include "cardinal/experiments/network/network_options.hpp"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/nonconvex/data/data_location.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/validation_split.hpp"
#include "cardinal/nonconvex/training/blas_backend.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

/// The largest --lr and --final-lr: a larger rate overflows the weights to infinity in the
/// first steps, whatever the network.
constexpr double kMaxLearningRate = 1e3;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<Index> parse_milestones(const std::string& text) {
  std::vector<Index> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    out.push_back(parse_option_number<Index>("--milestones", item, {.min = 0}));
  require(!out.empty(), "--milestones must be comma-separated iterations >= 0, got '" + text + "'");
  return out;
}

/// The seed of the validation split: fixed, so that every seed and arm of an experiment holds out
/// the same examples.
constexpr std::uint64_t kValidationSeed = 0;

TensorDataset first(const TensorDataset& data, Index count, const std::string& option) {
  if (count == 0) return data;
  require(count > 0 && count <= data.size(), option + " must be in [0, " +
                                                 std::to_string(data.size()) + "], got " +
                                                 std::to_string(count));
  std::vector<int64_t> indices(static_cast<std::size_t>(count));
  for (Index i = 0; i < count; ++i) indices[static_cast<std::size_t>(i)] = i;
  return data.subset(indices);
}

}  // namespace

// One option per line reads better than the formatter's packing of the chained calls.
// clang-format off
po::options_description network_data_options() {
  po::options_description options("Network and data");
  options.add_options()
      ("model", po::value<std::string>()->default_value("lenet300"),
       ("network: " + joined(known_models())).c_str())
      ("dataset", po::value<std::string>()->default_value("fashion-mnist"),
       ("data set: " + joined(known_datasets())).c_str())
      ("data-dir", po::value<std::string>(),
       "folder holding the data set files (default: $CARDINAL_DATA_DIR/NAME, "
       "/usr/share/datasets/NAME, ~/.local/share/cardinal/NAME, the first that holds it)")
      ("train-subset", number<Index>({.min = 0})->default_value(0),
       "train on the first N training examples only (0: all)")
      ("test-subset", number<Index>({.min = 0})->default_value(0),
       "evaluate on the first N test examples only (0: all)");
  return options;
}

po::options_description validation_options() {
  po::options_description options("Validation");
  options.add_options()
      ("validation", number<Index>({.min = 0})->default_value(0),
       "hold out N training examples (the same N for every seed) and evaluate on them with the "
       "test set: the early-stopping iteration is the one of minimum validation loss (0: none)");
  return options;
}

po::options_description training_options() {
  po::options_description options("Training");
  options.add_options()
      ("iterations", number<Index>({.min = 1}), "training length T in iterations (batches)")
      ("epochs", number<Index>({.min = 1}), "training length T in epochs")
      ("batch-size", number<Index>({.min = 1})->default_value(128), "examples per iteration")
      ("optimizer", po::value<std::string>()->default_value("sgd"), "sgd | adam")
      ("lr", number<double>({.min = 0.0, .max = kMaxLearningRate, .exclusive_min = true}), "learning rate (default: 0.1 for sgd, 0.0012 for adam)")
      ("momentum", number<double>({.min = 0.0, .max = 1.0})->default_value(0.0), "sgd momentum")
      ("nesterov", po::bool_switch(), "sgd: Nesterov momentum")
      ("weight-decay", number<double>({.min = 0.0})->default_value(0.0), "L2 weight decay")
      ("schedule", po::value<std::string>()->default_value("constant"),
       "constant | step | cosine")
      ("milestones", po::value<std::string>(),
       "step: comma-separated iterations where the rate is multiplied by --gamma")
      ("gamma", number<double>({.min = 0.0, .exclusive_min = true})->default_value(0.1), "step: factor per milestone")
      ("final-lr", number<double>({.min = 0.0, .max = kMaxLearningRate})->default_value(0.0), "cosine: rate at the end")
      ("warmup", number<Index>({.min = 0})->default_value(0), "linear warm-up iterations")
      ("augment", po::bool_switch(), "pad-crop-flip augmentation of training batches")
      ("evaluate-every", number<Index>({.min = 0})->default_value(0),
       "test-set evaluation every N iterations (0: at the start and the end)");
  return options;
}

po::options_description device_options() {
  po::options_description options("Device");
  options.add_options()
      ("device", po::value<std::string>()->default_value("cpu"), "cpu | cuda | cuda:N")
      ("threads", number<int>({.min = 0, .max = max_threads()})->default_value(1),
       "CPU threads of LibTorch and its BLAS (0: LibTorch's default). A threaded BLAS rounds "
       "differently for each thread count: one thread gives the same bits on every machine, and "
       "a run on more is stored as another run");
  return options;
}
// clang-format on

NetworkData load_network_data(const po::variables_map& v) {
  NetworkData data;
  data.model = v["model"].as<std::string>();
  const std::vector<std::string> models = known_models();
  require(std::find(models.begin(), models.end(), data.model) != models.end(),
          "unknown --model '" + data.model + "' (known: " + joined(models) + ")");
  data.dataset = v["dataset"].as<std::string>();
  const std::vector<std::string> datasets = known_datasets();
  require(std::find(datasets.begin(), datasets.end(), data.dataset) != datasets.end(),
          "unknown --dataset '" + data.dataset + "' (known: " + joined(datasets) + ")");
  const DatasetInfo info = dataset_info(data.dataset);
  data.input = {.channels = info.channels,
                .height = info.height,
                .width = info.width,
                .classes = info.classes};
  const std::string data_dir =
      locate_dataset(data.dataset, v.count("data-dir") ? v["data-dir"].as<std::string>() : "",
                     DataSearchPath::from_environment())
          .string();
  data.train = first(load_dataset(data.dataset, data_dir, "train"), v["train-subset"].as<Index>(),
                     "--train-subset");
  data.test = first(load_dataset(data.dataset, data_dir, "test"), v["test-subset"].as<Index>(),
                    "--test-subset");
  if (const Index held_out = v.count("validation") ? v["validation"].as<Index>() : 0;
      held_out > 0) {
    require(held_out < data.train.size(),
            "--validation must be less than the " + std::to_string(data.train.size()) +
                " training examples, got " + std::to_string(held_out));
    TrainValidationSplit split = split_validation(data.train, held_out, kValidationSeed);
    data.train = std::move(split.train);
    data.validation = std::move(split.validation);
  }
  return data;
}

TrainingSpec parse_training_spec(const po::variables_map& v, const std::string& dataset,
                                 Index train_size, Index default_epochs, std::uint64_t seed) {
  TrainingSpec training;
  require(!(v.count("iterations") && v.count("epochs")), "give --iterations or --epochs, not both");
  if (v.count("iterations")) {
    training.length = TrainingLength::iterations(v["iterations"].as<Index>());
    require(training.length.amount >= 1, "--iterations must be >= 1");
  } else {
    training.length =
        TrainingLength::epochs(v.count("epochs") ? v["epochs"].as<Index>() : default_epochs);
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
  training.normalization = standard_normalization(dataset);
  training.data_seed = seed;
  if (training.schedule.kind == ScheduleKind::kCosine)
    training.schedule.total_iterations = training.total_iterations(train_size);
  training.validate();
  return training;
}

PruningScope parse_pruning_scope(const po::variables_map& v) {
  const std::string scope = v["pruning-scope"].as<std::string>();
  require(scope == "layerwise" || scope == "global",
          "--pruning-scope must be layerwise or global, got '" + scope + "'");
  return scope == "global" ? PruningScope::kGlobal : PruningScope::kLayerwise;
}

torch::Device parse_device_options(const po::variables_map& v) {
  const std::string text = v["device"].as<std::string>();
  const int threads = v["threads"].as<int>();
  require(text == "cpu" || text == "cuda" || text.starts_with("cuda:"),
          "--device must be cpu, cuda or cuda:N, got '" + text + "'");
  if (threads > 0) at::set_num_threads(threads);
  if (text == "cpu") return torch::kCPU;
  require(torch::cuda::is_available(), "--device " + text + ": CUDA is not available here");
  try {
    return torch::Device(text);
  } catch (const std::exception&) {
    throw InvalidInput("--device: cannot parse '" + text + "'");
  }
}

nlohmann::json device_settings(const torch::Device& device) {
  nlohmann::json settings = {{"device", device.is_cuda() ? "cuda" : "cpu"}};
  // Left out at one thread, so that single-threaded runs keep the identity they always had.
  if (device.is_cpu() && at::get_num_threads() > 1) settings["cpu_threads"] = at::get_num_threads();
  return settings;
}

std::string describe_compute(const torch::Device& device) {
  if (!device.is_cpu()) return device.str();
  const int threads = at::get_num_threads();
  return "cpu, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + ", BLAS " +
         blas_backend().describe();
}

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

nlohmann::json to_json(const TrainingSpec& t) {
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
  return {{"batch_size", t.batch_size}, {"optimizer", optimizer},
          {"schedule", schedule},       {"evaluate_every", t.evaluate_every},
          {"augment", t.augment},       {"normalization", "standard"},
          {"data_seed", t.data_seed}};
}

}  // namespace cardinal
