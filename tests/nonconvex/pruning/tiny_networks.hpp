#pragma once

// Tiny networks and helpers shared by the pruning and training tests.

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/layer_reconstruction.hpp"

namespace cardinal::testing {

/// OMP that selects exactly its budget (no stop on the objective level), so that the pruners'
/// supports can be compared with OMP run on the explicit problem; and as a layer's row solver.
inline OrthogonalMatchingPursuit exact_budget_omp() {
  OrthogonalMatchingPursuitOptions options;
  options.stopping.objective_level = -std::numeric_limits<double>::infinity();
  return OrthogonalMatchingPursuit(options);
}

inline RowSolver exact_budget_omp_rows() {
  return [](const CovarianceProblem& problem, Index k) {
    return exact_budget_omp().minimize(problem, k).w;
  };
}

/// 20 → 16 → 4 with ReLU. Prunable: fc1.weight [16, 20] (320), fc2.weight [4, 16] (64).
struct TinyMlp : Network {
  TinyMlp()
      : fc1(register_module("fc1", torch::nn::Linear(20, 16))),
        fc2(register_module("fc2", torch::nn::Linear(16, 4))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return fc2(torch::relu(fc1(x))); }
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

/// Input [N, 1, 8, 8]; conv(1→4) BN ReLU pool, conv(4→8) ReLU pool, 32 → 10 → 3. Prunable:
/// conv1.weight (36), conv2.weight (288), fc1.weight (320), fc2.weight (30); 674 in all.
struct TinyConvNet : Network {
  TinyConvNet()
      : conv1(register_module("conv1",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)))),
        bn1(register_module("bn1", torch::nn::BatchNorm2d(4))),
        conv2(register_module("conv2",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 8, 3).padding(1)))),
        fc1(register_module("fc1", torch::nn::Linear(32, 10))),
        fc2(register_module("fc2", torch::nn::Linear(10, 3))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = torch::max_pool2d(torch::relu(bn1(conv1(x))), 2);
    h = torch::max_pool2d(torch::relu(conv2(h)), 2);
    return fc2(torch::relu(fc1(h.flatten(1))));
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

/// A CPU generator we own, so that tests never depend on torch's global seed.
inline at::Generator generator(std::uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

/// Standard-normal samples of the given shape from `gen`.
inline torch::Tensor normal(torch::IntArrayRef sizes, at::Generator& gen) {
  return at::randn(sizes, gen);
}

/// Overwrites every parameter of `network` with N(0, scale²) samples from a seeded generator.
inline void randomize(torch::nn::Module& network, std::uint64_t seed, double scale = 1.0) {
  at::Generator gen = generator(seed);
  const torch::NoGradGuard no_grad;
  for (auto& p : network.parameters()) p.copy_(normal(p.sizes(), gen) * scale);
}

/// A fresh directory under the system temporary directory, removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(std::filesystem::temp_directory_path() /
              ("cardinal-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cardinal::testing
