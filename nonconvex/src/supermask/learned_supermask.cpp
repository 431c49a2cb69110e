// Learned supermasks: frozen weights, Bernoulli masks sampled from trained scores, and a
// straight-through score gradient.
#include "cardinal/nonconvex/supermask/learned_supermask.hpp"

#include <ATen/Context.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <utility>

#include "../data/portable_random.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/augmentation.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"
#include "cardinal/nonconvex/training/schedule.hpp"

namespace cardinal {
namespace {

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

/// Whether a tensor on `actual` is on `requested` ("cuda" means any CUDA device).
bool on(const torch::Device& actual, const torch::Device& requested) {
  return actual.type() == requested.type() &&
         (!requested.has_index() || actual.index() == requested.index());
}

/// A fresh generator of `device`'s type seeded with `seed`.
at::Generator seeded_generator(const torch::Device& device, std::uint64_t seed) {
  at::Generator generator = at::globalContext().defaultGenerator(device).clone();
  const std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(seed);
  return generator;
}

/// Keep-tensors u < σ(s), one u ~ U[0, 1) per entry, drawn tensor by tensor from `generator`
/// on the scores' device.
std::vector<torch::Tensor> bernoulli_keep(const std::vector<torch::Tensor>& scores,
                                          at::Generator& generator) {
  std::vector<torch::Tensor> keep;
  for (const torch::Tensor& s : scores) {
    const torch::Tensor u = torch::rand(s.sizes(), generator, s.options().requires_grad(false));
    keep.push_back(u.lt(torch::sigmoid(s.detach())));
  }
  return keep;
}

/// Restores, on destruction (normal or by exception), what learn_supermask changes in the
/// network: the prunable tensors' values, every parameter's requires_grad flag and gradient,
/// and the training mode.
class FrozenNetwork {
 public:
  explicit FrozenNetwork(Network& network)
      : network_(network), was_training_(network.is_training()) {
    for (const auto& [name, tensor] : prunable_tensors(network)) {
      prunable_.push_back(tensor);
      frozen_.push_back(tensor.detach().clone());
    }
    for (auto& p : network.parameters()) {
      parameters_.push_back(p);
      requires_grad_.push_back(p.requires_grad());
    }
    // Only the prunable tensors need gradients (they give ∂L/∂w_eff).
    for (auto& p : parameters_) p.set_requires_grad(false);
    for (auto& w : prunable_) w.set_requires_grad(true);
  }
  FrozenNetwork(const FrozenNetwork&) = delete;
  FrozenNetwork& operator=(const FrozenNetwork&) = delete;

  ~FrozenNetwork() {
    const torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < prunable_.size(); ++i) prunable_[i].copy_(frozen_[i]);
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      parameters_[i].mutable_grad() = torch::Tensor();
      parameters_[i].set_requires_grad(requires_grad_[i]);
    }
    network_.train(was_training_);
  }

  /// Sets every prunable tensor to w ⊙ keep and clears its gradient.
  void set_masked(const std::vector<torch::Tensor>& keep) {
    const torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < prunable_.size(); ++i) {
      prunable_[i].copy_(frozen_[i] * keep[i].to(frozen_[i].scalar_type()));
      prunable_[i].mutable_grad() = torch::Tensor();
    }
  }

  const std::vector<torch::Tensor>& prunable() const { return prunable_; }
  const std::vector<torch::Tensor>& frozen() const { return frozen_; }

 private:
  Network& network_;
  bool was_training_;
  std::vector<torch::Tensor> prunable_;
  std::vector<torch::Tensor> frozen_;
  std::vector<torch::Tensor> parameters_;
  std::vector<bool> requires_grad_;
};

double density(const std::vector<torch::Tensor>& keep) {
  double kept = 0.0, total = 0.0;
  for (const torch::Tensor& k : keep) {
    kept += static_cast<double>(k.sum().item<int64_t>());
    total += static_cast<double>(k.numel());
  }
  return total > 0.0 ? kept / total : 1.0;
}

TensorDataset on_device(const TensorDataset& dataset, const torch::Device& device) {
  return on(dataset.inputs.device(), device) && on(dataset.labels.device(), device)
             ? dataset
             : dataset.to(device);
}

}  // namespace

void SupermaskSpec::validate() const {
  training.validate();
  require(
      std::isfinite(initial_probability) && initial_probability > 0.0 && initial_probability < 1.0,
      "supermask initial probability must be in (0, 1), got " +
          std::to_string(initial_probability));
}

std::string SupermaskCurve::to_csv() const {
  std::string out = "iteration,epoch,train_loss,test_loss,test_accuracy,mask_density\n";
  for (const SupermaskCurveRow& r : rows) {
    out += std::to_string(r.iteration) + ',' + format_double(r.epoch) + ',' +
           format_double(r.train_loss) + ',' + format_double(r.test_loss) + ',' +
           format_double(r.test_accuracy) + ',' + format_double(r.mask_density) + '\n';
  }
  return out;
}

Mask LearnedSupermask::expected_mask() const {
  std::vector<torch::Tensor> keep;
  for (const torch::Tensor& s : scores) keep.push_back(s.gt(0).cpu().contiguous());
  return Mask(names, std::move(keep));
}

Mask LearnedSupermask::sampled_mask(std::uint64_t seed) const {
  at::Generator generator = seeded_generator(torch::kCPU, seed);
  std::vector<torch::Tensor> cpu;
  for (const torch::Tensor& s : scores) cpu.push_back(s.cpu());
  return Mask(names, bernoulli_keep(cpu, generator));
}

Evaluation evaluate_masked(Network& network, const Mask& mask, const TensorDataset& dataset,
                           Index batch_size, const std::optional<Normalization>& normalization,
                           const torch::Device& device) {
  mask.check_matches(network);
  std::vector<torch::Tensor> prunable, saved;
  for (const auto& [name, tensor] : prunable_tensors(network)) {
    prunable.push_back(tensor);
    saved.push_back(tensor.detach().clone());
  }
  mask.apply(network);
  Evaluation result;
  try {
    result = evaluate(network, dataset, batch_size, normalization, device);
  } catch (...) {
    const torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < prunable.size(); ++i) prunable[i].copy_(saved[i]);
    throw;
  }
  const torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < prunable.size(); ++i) prunable[i].copy_(saved[i]);
  return result;
}

LearnedSupermask learn_supermask(
    Network& network, const TensorDataset& train_set, const TensorDataset& test_set,
    const SupermaskSpec& spec, const torch::Device& device,
    const std::function<void(const SupermaskCurveRow&)>& on_evaluation) {
  spec.validate();
  const TrainingSpec& training = spec.training;
  require(train_set.size() > 0, "cannot learn a supermask on an empty training set");
  for (const auto& p : network.parameters())
    require(on(p.device(), device),
            "learn_supermask: the network is not on device " + device.str());

  const TensorDataset train_data = on_device(train_set, device);
  const TensorDataset test_data = on_device(test_set, device);
  const Index per_epoch = training.iterations_per_epoch(train_data.size());
  const Index total = training.total_iterations(train_data.size());
  const BatchSampler sampler(train_data.size(), {.batch_size = training.batch_size,
                                                 .drop_last = false,
                                                 .shuffle = true,
                                                 .seed = training.data_seed});
  const CropFlipAugmentation augmentation(training.data_seed);
  const LearningRateSchedule schedule(training.schedule);

  LearnedSupermask result;
  FrozenNetwork frozen(network);
  const double s0 = std::log(spec.initial_probability / (1.0 - spec.initial_probability));
  std::vector<torch::Tensor> scores;
  for (const auto& [name, tensor] : prunable_tensors(network)) {
    result.names.push_back(name);
    scores.push_back(torch::full(tensor.sizes(), s0,
                                 torch::TensorOptions(tensor.device()).dtype(torch::kFloat32))
                         .set_requires_grad(true));
  }
  std::unique_ptr<torch::optim::Optimizer> optimizer = make_optimizer(scores, training.optimizer);

  torch::Tensor loss_sum =
      torch::zeros({}, torch::TensorOptions(train_data.inputs.device()).dtype(torch::kFloat64));
  Index loss_count = 0;
  auto record = [&](Index iteration) {
    std::vector<torch::Tensor> keep;
    for (const torch::Tensor& s : scores) keep.push_back(s.detach().gt(0));
    frozen.set_masked(keep);
    const Evaluation e = evaluate(network, test_data, training.evaluation_batch_size,
                                  training.normalization, device);
    const double train_loss = loss_count > 0
                                  ? loss_sum.item<double>() / static_cast<double>(loss_count)
                                  : std::numeric_limits<double>::quiet_NaN();
    result.curve.rows.push_back({iteration,
                                 static_cast<double>(iteration) / static_cast<double>(per_epoch),
                                 train_loss, e.loss, e.accuracy, density(keep)});
    loss_sum.zero_();
    loss_count = 0;
    if (on_evaluation) on_evaluation(result.curve.rows.back());
  };

  network.train();
  Index cached_epoch = -1;
  std::vector<torch::Tensor> batches;
  for (Index t = 0;; ++t) {
    if (t == 0 || t == total || (training.evaluate_every > 0 && t % training.evaluate_every == 0))
      record(t);
    if (t == total) break;

    const Index epoch = t / per_epoch;
    const Index batch = t % per_epoch;
    if (epoch != cached_epoch) {
      batches = sampler.batches(epoch);
      cached_epoch = epoch;
    }
    const Batch data = select_batch(train_data, batches[static_cast<std::size_t>(batch)]);
    torch::Tensor inputs = data.inputs;
    if (training.augment) inputs = augmentation(inputs, epoch, batch);
    if (training.normalization) inputs = normalize(inputs, *training.normalization);

    at::Generator generator = seeded_generator(
        device, splitmix64(splitmix64(spec.sample_seed) ^ static_cast<std::uint64_t>(t)));
    frozen.set_masked(bernoulli_keep(scores, generator));
    const torch::Tensor loss = at::cross_entropy_loss(network.forward(inputs), data.labels);
    loss.backward();
    {
      const torch::NoGradGuard no_grad;
      for (std::size_t i = 0; i < scores.size(); ++i) {
        const torch::Tensor g = frozen.prunable()[i].grad();
        const torch::Tensor p = torch::sigmoid(scores[i]);
        scores[i].mutable_grad() =
            g.defined() ? g * frozen.frozen()[i] * p * (1 - p) : torch::zeros_like(scores[i]);
      }
    }
    schedule.apply(*optimizer, t);
    optimizer->step();
    loss_sum += loss.detach().to(torch::kFloat64);
    ++loss_count;
  }
  for (const torch::Tensor& s : scores) result.scores.push_back(s.detach().cpu().clone());
  return result;
}

}  // namespace cardinal
