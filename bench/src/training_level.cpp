// `cardinal-bench-train level`: one lottery-ticket level of LeNet-300-100 at Frankle & Carbin's
// setting, trained by cardinal's own train() and set against its floor measured in the same
// process: the iterations times the bare step, plus the evaluations' matrix products at the
// measured SGEMM rate.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cardinal/bridge/trace.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/data/validation_split.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/training/blas_backend.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"
#include "train_commands.hpp"
#include "training_step.hpp"

namespace cardinal::bench {
namespace {

namespace po = boost::program_options;
using Json = nlohmann::json;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// MNIST's training set with the validation images held out, or random images of its shape.
TrainValidationSplit level_data(const std::string& data_dir, std::int64_t validation) {
  if (!data_dir.empty())
    return split_validation(load_dataset("mnist", data_dir, "train"), validation, 0);
  torch::manual_seed(0);
  TensorDataset all{torch::rand({60000, 1, 28, 28}), torch::randint(0, 10, {60000}, torch::kLong),
                    10, "mnist-shaped random"};
  return split_validation(all, validation, 0);
}

}  // namespace

int level_command(int argc, char** argv) {
  po::options_description o;
  o.add_options()("iterations", po::value<std::int64_t>()->default_value(50000),
                  "training iterations of the level")(
      "batch", po::value<std::int64_t>()->default_value(60), "batch size")(
      "evaluate-every", po::value<std::int64_t>()->default_value(100),
      "validation evaluation every N iterations")(
      "validation", po::value<std::int64_t>()->default_value(5000), "held-out images")(
      "threads", po::value<int>()->default_value(1), "LibTorch threads")(
      "data-dir", po::value<std::string>()->default_value(""),
      "MNIST folder (default: random images of MNIST's shape; the cost is the same)")(
      "step-blocks", po::value<int>()->default_value(5), "timed blocks of bare steps")(
      "block-steps", po::value<int>()->default_value(200), "steps per block");
  po::variables_map v;
  po::store(po::command_line_parser(argc, argv).options(o).run(), v);
  po::notify(v);
  const int threads = v["threads"].as<int>();
  set_torch_threads(threads);
  const std::int64_t iterations = v["iterations"].as<std::int64_t>();
  const std::int64_t batch = v["batch"].as<std::int64_t>();
  const std::int64_t every = v["evaluate-every"].as<std::int64_t>();

  const TrainValidationSplit data =
      level_data(v["data-dir"].as<std::string>(), v["validation"].as<std::int64_t>());
  torch::manual_seed(1);
  const std::shared_ptr<Network> network = make_model("lenet300", ModelInput{});
  TrainingSpec spec;
  spec.length = TrainingLength::iterations(iterations);
  spec.batch_size = batch;
  spec.optimizer = {.kind = OptimizerKind::kAdam, .lr = 1.2e-3};
  spec.schedule.base_lr = 1.2e-3;
  spec.evaluate_every = every;
  spec.data_seed = 1;

  const Stopwatch level_start;
  const TrainingCurve curve =
      train(*network, Mask::dense(*network), data.train, data.validation, spec, torch::kCPU);
  const double level_seconds = level_start.seconds();

  // The floor, measured after the level under the same load: the bare Adam step on a fixed
  // batch, and the SGEMM rate of a large product.
  TrainingStep step("lenet300", batch, 1.0, 1, "adam");
  for (int i = 0; i < 20; ++i) step.run();
  std::vector<double> step_seconds;
  for (int b = 0; b < v["step-blocks"].as<int>(); ++b) {
    const Stopwatch start;
    for (int i = 0; i < v["block-steps"].as<int>(); ++i) step.run();
    step_seconds.push_back(start.seconds() / v["block-steps"].as<int>());
  }
  std::vector<double> gemm_seconds;
  for (int r = 0; r < 3; ++r) gemm_seconds.push_back(time_sgemm(1024, 1024, 1024, 1).front());
  const double sgemm_rate = 2.0 * 1024.0 * 1024.0 * 1024.0 / median(gemm_seconds);

  const auto evaluations = static_cast<std::int64_t>(curve.rows.size());
  // Forward products of LeNet-300-100 per image: 784·300 + 300·100 + 100·10 multiply-adds.
  const double evaluation_flops = 2.0 * 266200.0 * static_cast<double>(data.validation.size());
  const double floor = static_cast<double>(iterations) * median(step_seconds) +
                       static_cast<double>(evaluations) * evaluation_flops / sgemm_rate;
  std::cout << Json{{"model", "lenet300"},
                    {"data", data.train.name},
                    {"iterations", iterations},
                    {"batch", batch},
                    {"evaluate_every", every},
                    {"validation", data.validation.size()},
                    {"evaluations", evaluations},
                    {"threads", threads},
                    {"blas", blas_backend().describe()},
                    {"level_seconds", level_seconds},
                    {"step_seconds", step_seconds},
                    {"evaluation_flops", evaluation_flops},
                    {"sgemm_flops_per_second", sgemm_rate},
                    {"floor_seconds", floor},
                    {"level_over_floor", level_seconds / floor},
                    {"final_validation_accuracy", curve.rows.back().test_accuracy}}
                   .dump()
            << '\n';
  return 0;
}

}  // namespace cardinal::bench
