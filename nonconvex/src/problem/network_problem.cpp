#include "cardinal/nonconvex/problem/network_problem.hpp"

#include <ATen/ops/cross_entropy_loss.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/schedule.hpp"

namespace cardinal {
namespace {

torch::Device device_of(const Network& network) {
  const auto parameters = network.parameters();
  require(!parameters.empty(), "network problem: the network has no parameters");
  return parameters.front().device();
}

TensorDataset prepared(const TensorDataset& data, const NetworkProblemOptions& options,
                       const torch::Device& device, torch::Dtype dtype, const char* split) {
  require(data.inputs.defined() && data.size() > 0,
          std::string("network problem: the ") + split + " set is empty");
  TensorDataset out = data.to(device);
  if (options.restricted_training.normalization)
    out.inputs = normalize(out.inputs, *options.restricted_training.normalization);
  out.inputs = out.inputs.to(dtype);
  if (options.loss == NetworkLoss::kSquaredError) {
    require(out.labels.is_floating_point(),
            std::string("network problem: squared error needs real targets, the ") + split +
                " labels are integers");
    out.labels = out.labels.to(dtype);
  } else {
    require(
        out.labels.scalar_type() == torch::kLong,
        std::string("network problem: cross-entropy needs int64 class labels (") + split + " set)");
  }
  return out;
}

}  // namespace

NetworkProblem::NetworkProblem(std::shared_ptr<Network> network, TensorDataset train,
                               TensorDataset test, NetworkProblemOptions options,
                               TensorSpaceOptions space_options)
    : network_(std::move(network)),
      options_(std::move(options)),
      space_((require(network_ != nullptr, "network problem: no network"), *network_),
             std::move(space_options)) {
  require(options_.gradient_batch_size >= 0, "network problem: gradient batch size must be >= 0");
  require(options_.evaluation_batch_size >= 1,
          "network problem: evaluation batch size must be >= 1");
  require(options_.start_density > 0.0 && options_.start_density <= 1.0,
          "network problem: start density must be in (0, 1]");
  options_.restricted_training.validate();
  const torch::Device device = device_of(*network_);
  const torch::Dtype dtype = network_->parameters().front().scalar_type();
  train_ = prepared(train, options_, device, dtype, "training");
  test_ = prepared(test, options_, device, dtype, "test");

  if (options_.pruning_step) {
    options_.pruning_step->validate();
    require(space_.options().granularity == Granularity::kWeights,
            "network problem: a pruning step prunes weights, not neurons");
    calibration_ = train_.inputs.slice(
        0, 0, std::min(options_.pruning_step->calibration, static_cast<Index>(train_.size())));
  }

  start_ = space_.read(*network_);
  if (options_.start_density < 1.0) {
    TensorSpaceOptions per_tensor = space_.options();
    per_tensor.scope = BudgetScope::kPerBlock;
    const TensorSpace thresholding(*network_, per_tensor);
    const Index kept = std::max<Index>(
        1, std::llround(options_.start_density * static_cast<double>(space_.dimension())));
    thresholding.restrict(start_, thresholding.largest(start_, kept));
  }
}

torch::Tensor NetworkProblem::loss_of(const torch::Tensor& output,
                                      const torch::Tensor& labels) const {
  if (options_.loss == NetworkLoss::kCrossEntropy) return at::cross_entropy_loss(output, labels);
  const torch::Tensor residual = output.reshape(labels.sizes()) - labels;
  return 0.5 * residual.square().mean();
}

torch::Tensor NetworkProblem::batch_indices(Index draw) const {
  const BatchSampler sampler(train_.size(), {.batch_size = options_.gradient_batch_size,
                                             .drop_last = false,
                                             .shuffle = true,
                                             .seed = options_.data_seed});
  const Index per_epoch = sampler.batches_per_epoch();
  // An epoch's batches are drawn once, not at every step (a permutation of the whole training
  // set and a tensor per batch, several times the cost of a LeNet step).
  const Index epoch = draw / per_epoch;
  if (epoch != batches_epoch_) {
    batches_ = sampler.batches(epoch);
    for (torch::Tensor& b : batches_) b = b.to(train_.inputs.device());
    batches_epoch_ = epoch;
  }
  return batches_[static_cast<std::size_t>(draw % per_epoch)];
}

double NetworkProblem::loss_on(const TensorList& w, const torch::Tensor& indices,
                               TensorList* gradient) const {
  space_.write(w, *network_);
  network_->train();
  for (torch::Tensor& p : network_->parameters()) p.mutable_grad() = torch::Tensor();
  // Full passes go in chunks, each weighted by its share of the examples, so the sum of the
  // chunk gradients is the gradient of the mean loss.
  const int64_t n = indices.defined() ? indices.size(0) : train_.size();
  const int64_t chunk = indices.defined() ? n : options_.evaluation_batch_size;
  double total = 0.0;
  for (int64_t begin = 0; begin < n; begin += chunk) {
    const int64_t size = std::min(chunk, n - begin);
    const Batch batch = indices.defined() ? select_batch(train_, indices)
                                          : Batch{train_.inputs.narrow(0, begin, size),
                                                  train_.labels.narrow(0, begin, size)};
    torch::Tensor loss = loss_of(network_->forward(batch.inputs), batch.labels) *
                         (static_cast<double>(size) / static_cast<double>(n));
    if (gradient) {
      loss.backward();
    }
    total += loss.detach().to(torch::kDouble).item<double>();
  }
  if (gradient) {
    std::vector<torch::Tensor> g;
    for (const torch::Tensor& p : network_->parameters())
      g.push_back(p.grad().defined() ? p.grad().detach().clone() : torch::zeros_like(p));
    *gradient = TensorList(std::move(g));
  }
  return total;
}

double NetworkProblem::value_and_gradient(const TensorList& w, TensorList& g) const {
  current_ = options_.gradient_batch_size == 0 ? torch::Tensor() : batch_indices(draws_);
  ++draws_;
  return loss_on(w, current_, &g);
}

double NetworkProblem::value(const TensorList& w) const {
  if (options_.gradient_batch_size > 0 && !current_.defined()) current_ = batch_indices(0);
  torch::NoGradGuard no_grad;
  return loss_on(w, current_, nullptr);
}

double NetworkProblem::minimize_along(const TensorList& w, const TensorList& d) const {
  const double d_norm = std::sqrt(space_.dot(d, d));
  if (!(d_norm > 0.0)) return 0.0;
  if (options_.gradient_batch_size > 0 && !current_.defined()) current_ = batch_indices(0);
  auto at = [&](double eta) {
    TensorList point = w;
    space_.axpy(eta, d, point);
    return point;
  };
  TensorList gradient;
  const double phi0 = loss_on(w, current_, &gradient);
  const double slope = space_.dot(gradient, d);
  if (!(slope < 0.0)) return 0.0;  // not a descent direction on this batch
  const double h = std::sqrt(std::numeric_limits<double>::epsilon()) *
                   (1.0 + std::sqrt(space_.dot(w, w))) / d_norm;
  TensorList shifted_gradient;
  loss_on(at(h), current_, &shifted_gradient);
  const double curvature = (space_.dot(shifted_gradient, d) - slope) / h;
  double eta = curvature > 0.0 && std::isfinite(curvature) ? -slope / curvature : 1.0 / d_norm;
  torch::NoGradGuard no_grad;
  for (int halving = 0; halving < 40; ++halving, eta *= 0.5)
    if (loss_on(at(eta), current_, nullptr) < phi0) return eta;
  return 0.0;
}

TensorList NetworkProblem::minimize_on(const TensorSupport& a, const TensorList& w) const {
  const TrainingSpec& spec = options_.restricted_training;
  space_.write(w, *network_);
  MaskedOptimizer optimizer(*network_, space_.to_mask(a), spec.optimizer);
  const LearningRateSchedule schedule(spec.schedule);
  const BatchSampler sampler(
      train_.size(), {.batch_size = spec.batch_size,
                      .drop_last = false,
                      .shuffle = true,
                      .seed = options_.data_seed + 1 + static_cast<std::uint64_t>(solves_)});
  ++solves_;
  const Index per_epoch = sampler.batches_per_epoch();
  const Index steps = spec.total_iterations(train_.size());
  network_->train();
  std::vector<torch::Tensor> batches;
  for (Index t = 0; t < steps; ++t) {
    if (t % per_epoch == 0) batches = sampler.batches(t / per_epoch);
    const Batch batch = select_batch(
        train_, batches[static_cast<std::size_t>(t % per_epoch)].to(train_.inputs.device()));
    optimizer.zero_grad();
    loss_of(network_->forward(batch.inputs), batch.labels).backward();
    schedule.apply(optimizer.optimizer(), t);
    optimizer.step();
  }
  TensorList out = space_.read(*network_);
  space_.restrict(out, a);
  return out;
}

TensorSupport NetworkProblem::prune(TensorList& w, Index k) const {
  TensorSupport support = space_.largest(w, k);
  // Nothing to prune (the dense start of a gradual schedule): no layer problem to solve.
  if (!options_.pruning_step || k >= space_.dimension()) {
    space_.restrict(w, support);
    return support;
  }
  space_.write(w, *network_);
  const OneShotPruning pruned = options_.pruning_step->prune(
      *network_, calibration_, Mask::dense(*network_), space_.to_mask(support));
  w = space_.read(*network_);
  return space_.from_mask(pruned.mask);
}

Evaluation NetworkProblem::evaluate(const TensorList& w) const {
  space_.write(w, *network_);
  if (options_.loss == NetworkLoss::kCrossEntropy)
    return cardinal::evaluate(*network_, test_, options_.evaluation_batch_size, std::nullopt,
                              test_.inputs.device());
  torch::NoGradGuard no_grad;
  network_->eval();
  double total = 0.0;
  for (int64_t begin = 0; begin < test_.size(); begin += options_.evaluation_batch_size) {
    const int64_t size = std::min<int64_t>(options_.evaluation_batch_size, test_.size() - begin);
    total += loss_of(network_->forward(test_.inputs.narrow(0, begin, size)),
                     test_.labels.narrow(0, begin, size))
                 .item<double>() *
             static_cast<double>(size);
  }
  network_->train();
  return {total / static_cast<double>(test_.size()), std::numeric_limits<double>::quiet_NaN()};
}

}  // namespace cardinal
