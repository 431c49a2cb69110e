#include "train_commands.hpp"

#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <torch/optim/adam.h>

#include "cardinal/nonconvex/training/fused_adam.hpp"
#include "training_step.hpp"

namespace cardinal::bench {
namespace {

namespace po = boost::program_options;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

int hardware_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

po::variables_map parse(int argc, char** argv, const po::options_description& options) {
  po::variables_map v;
  po::store(po::command_line_parser(argc, argv).options(options).run(), v);
  po::notify(v);
  return v;
}

}  // namespace

int train_command(int argc, char** argv) {
  po::options_description o;
  o.add_options()("model", po::value<std::string>()->default_value("lenet300"), "model")(
      "batch", po::value<std::int64_t>()->default_value(60), "batch size")(
      "steps", po::value<int>()->default_value(100), "steps per timed block")(
      "repeats", po::value<int>()->default_value(5), "timed blocks per variant")(
      "threads", po::value<int>()->default_value(hardware_threads()), "LibTorch threads")(
      "density", po::value<double>()->default_value(0.2), "masked variant: kept fraction");
  const auto v = parse(argc, argv, o);
  set_torch_threads(v["threads"].as<int>());
  const std::string model = v["model"].as<std::string>();
  const auto batch = v["batch"].as<std::int64_t>();
  const int steps = v["steps"].as<int>(), repeats = v["repeats"].as<int>();
  TrainingStep dense(model, batch, 1.0, 1), masked(model, batch, v["density"].as<double>(), 1);
  for (int i = 0; i < 20; ++i) {
    dense.run();
    masked.run();
  }
  // Blocks alternate between the two variants so that both see the same machine load; between
  // them, the floor: LibTorch's SGEMM rate on a large product, i.e. the best its BLAS does with
  // these threads at this moment.
  Json dense_seconds = Json::array(), masked_seconds = Json::array(), gemm_seconds = Json::array();
  for (int r = 0; r < repeats; ++r) {
    for (auto [step, seconds] : {std::pair{&dense, &dense_seconds}, {&masked, &masked_seconds}}) {
      const auto start = Clock::now();
      for (int i = 0; i < steps; ++i) step->run();
      seconds->push_back(std::chrono::duration<double>(Clock::now() - start).count() / steps);
    }
    gemm_seconds.push_back(time_sgemm(1024, 1024, 1024, 1).front());
  }
  std::cout << Json{{"model", model},
                    {"batch", batch},
                    {"threads", v["threads"].as<int>()},
                    {"density", v["density"].as<double>()},
                    {"flops", dense.linear_flops()},
                    {"torch_version", torch_version()},
                    {"dense_step_seconds", dense_seconds},
                    {"masked_step_seconds", masked_seconds},
                    {"sgemm_flops", 2.0 * 1024.0 * 1024.0 * 1024.0},
                    {"sgemm_seconds", gemm_seconds}}
                   .dump()
            << '\n';
  return 0;
}

int adam_command(int argc, char** argv) {
  po::options_description o;
  o.add_options()("steps", po::value<int>()->default_value(200), "optimizer steps per block")(
      "repeats", po::value<int>()->default_value(5), "timed blocks per optimizer")(
      "threads", po::value<int>()->default_value(1), "LibTorch threads");
  const auto v = parse(argc, argv, o);
  set_torch_threads(v["threads"].as<int>());
  const int steps = v["steps"].as<int>(), repeats = v["repeats"].as<int>();
  // LeNet-300-100's parameters with fixed gradients: the optimizer step alone.
  auto parameters = [] {
    std::vector<torch::Tensor> p;
    for (std::vector<std::int64_t> shape :
         {std::vector<std::int64_t>{300, 784}, {300}, {100, 300}, {100}, {10, 100}, {10}}) {
      p.push_back(torch::randn(shape).requires_grad_(true));
      p.back().mutable_grad() = torch::randn(shape);
    }
    return p;
  };
  const auto options = torch::optim::AdamOptions(1.2e-3);
  torch::optim::Adam reference(parameters(), options);
  FusedAdam fused(parameters(), options);
  Json reference_seconds = Json::array(), fused_seconds = Json::array();
  for (int i = 0; i < 20; ++i) {
    reference.step();
    fused.step();
  }
  for (int r = 0; r < repeats; ++r) {
    for (auto [optimizer, seconds] :
         {std::pair<torch::optim::Optimizer*, Json*>{&reference, &reference_seconds},
          {&fused, &fused_seconds}}) {
      const auto start = Clock::now();
      for (int i = 0; i < steps; ++i) optimizer->step();
      seconds->push_back(std::chrono::duration<double>(Clock::now() - start).count() / steps);
    }
  }
  std::cout << Json{{"parameters", 266610},
                    {"threads", v["threads"].as<int>()},
                    {"one_pass", FusedAdam::one_pass_available()},
                    {"torch_version", torch_version()},
                    {"torch_adam_step_seconds", reference_seconds},
                    {"fused_adam_step_seconds", fused_seconds}}
                   .dump()
            << '\n';
  return 0;
}

int sgemm_command(int argc, char** argv) {
  po::options_description o;
  o.add_options()("threads", po::value<int>()->default_value(hardware_threads()),
                  "most threads to use")("repeats", po::value<int>()->default_value(10),
                                         "timed samples per shape and thread count");
  const auto v = parse(argc, argv, o);
  const int most = v["threads"].as<int>(), repeats = v["repeats"].as<int>();
  Json gemm = Json::array();
  for (int threads : {1, most}) {
    set_torch_threads(threads);
    for (const auto& [m, k, n] :
         std::vector<std::array<std::int64_t, 3>>{{1024, 1024, 1024}, {60, 784, 300}}) {
      gemm.push_back({{"threads", threads},
                      {"m", m},
                      {"k", k},
                      {"n", n},
                      {"flops", 2.0 * static_cast<double>(m * k * n)},
                      {"seconds", time_sgemm(m, k, n, repeats)}});
    }
    if (most == 1) break;
  }
  std::cout << Json{{"torch_version", torch_version()}, {"torch_sgemm", gemm}}.dump() << '\n';
  return 0;
}

}  // namespace cardinal::bench
