// The training loop: seeded batches, a learning-rate schedule, masked steps, evaluations,
// snapshots at a rewind point and resumable checkpoints.
#include "cardinal/nonconvex/training/trainer.hpp"

#include <ATen/ops/cross_entropy_loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/augmentation.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer_state_key.hpp"

namespace cardinal {
namespace {

constexpr std::string_view kCurveHeader = "iteration,epoch,train_loss,test_loss,test_accuracy";
constexpr std::string_view kValidationColumns = ",validation_loss,validation_accuracy";

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

bool parse_index(std::string_view text, Index& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

bool parse_double(const std::string& text, double& out) {
  if (text == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

torch::Tensor prepare(torch::Tensor inputs, const std::optional<Normalization>& normalization) {
  return normalization ? normalize(inputs, *normalization) : inputs;
}

/// Whether a tensor on `actual` is on `requested` ("cuda" means any CUDA device).
bool on(const torch::Device& actual, const torch::Device& requested) {
  return actual.type() == requested.type() &&
         (!requested.has_index() || actual.index() == requested.index());
}

TensorDataset on_device(const TensorDataset& dataset, const torch::Device& device) {
  return on(dataset.inputs.device(), device) && on(dataset.labels.device(), device)
             ? dataset
             : dataset.to(device);
}

/// The optimizer state of every parameter that has one, as "<parameter>/<field>" tensors.
Snapshot capture_optimizer_state(const Network& network, torch::optim::Optimizer& optimizer) {
  std::vector<NamedTensor> tensors;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    if (t.defined()) tensors.push_back({name, t.detach().clone()});
  };
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    const auto it = optimizer.state().find(optimizer_state_key(item.value()));
    if (it == optimizer.state().end()) continue;
    const std::string& name = item.key();
    if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(it->second.get())) {
      add(name + "/momentum_buffer", sgd->momentum_buffer());
    } else if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) {
      add(name + "/step", torch::tensor(static_cast<int64_t>(adam->step()), torch::kInt64));
      add(name + "/exp_avg", adam->exp_avg());
      add(name + "/exp_avg_sq", adam->exp_avg_sq());
      add(name + "/max_exp_avg_sq", adam->max_exp_avg_sq());
    }
  }
  return Snapshot(std::move(tensors), {});
}

/// Replaces the optimizer's state by the one capture_optimizer_state() saved.
void restore_optimizer_state(const Network& network, torch::optim::Optimizer& optimizer,
                             const Snapshot& saved) {
  std::map<std::string, std::map<std::string, torch::Tensor>> fields;
  for (const auto& [name, tensor] : saved.parameters()) {
    const auto slash = name.rfind('/');
    require(slash != std::string::npos, "optimizer checkpoint: malformed entry " + name);
    fields[name.substr(0, slash)][name.substr(slash + 1)] = tensor;
  }
  const bool sgd = dynamic_cast<torch::optim::SGD*>(&optimizer) != nullptr;
  optimizer.state().clear();
  Index restored = 0;
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    const auto it = fields.find(item.key());
    if (it == fields.end()) continue;
    auto field = [&](const std::string& f) {
      const auto at = it->second.find(f);
      return at == it->second.end() ? torch::Tensor()
                                    : at->second.to(item.value().device()).clone();
    };
    if (sgd) {
      auto state = std::make_unique<torch::optim::SGDParamState>();
      state->momentum_buffer(field("momentum_buffer"));
      optimizer.state()[optimizer_state_key(item.value())] = std::move(state);
    } else {
      auto state = std::make_unique<torch::optim::AdamParamState>();
      const torch::Tensor step = field("step");
      require(step.defined(), "optimizer checkpoint: no Adam step for " + item.key());
      state->step(step.cpu().item<int64_t>());
      state->exp_avg(field("exp_avg"));
      state->exp_avg_sq(field("exp_avg_sq"));
      state->max_exp_avg_sq(field("max_exp_avg_sq"));
      optimizer.state()[optimizer_state_key(item.value())] = std::move(state);
    }
    ++restored;
  }
  require(restored == static_cast<Index>(fields.size()),
          "optimizer checkpoint names parameters the network does not have");
}

}  // namespace

TrainingLength TrainingLength::parse(std::string_view text, std::string_view option) {
  Unit unit = Unit::kIterations;
  std::string_view number = text;
  if (text.ends_with("it")) {
    number = text.substr(0, text.size() - 2);
  } else if (text.ends_with("ep")) {
    number = text.substr(0, text.size() - 2);
    unit = Unit::kEpochs;
  }
  Index amount = 0;
  require(parse_index(number, amount) && amount >= 0,
          std::string(option) +
              " must be a count of iterations (\"500it\" or \"500\") or of epochs " +
              "(\"2ep\"), got \"" + std::string(text) + "\"");
  return {amount, unit};
}

Index TrainingLength::in_iterations(Index iterations_per_epoch) const {
  return unit == Unit::kIterations ? amount : amount * iterations_per_epoch;
}

std::string TrainingLength::to_string() const {
  return std::to_string(amount) + (unit == Unit::kIterations ? "it" : "ep");
}

void TrainingSpec::validate() const {
  require(length.amount >= 0, "training length must be >= 0");
  require(batch_size >= 1, "training batch size must be >= 1, got " + std::to_string(batch_size));
  require(evaluation_batch_size >= 1, "evaluation batch size must be >= 1");
  require(evaluate_every >= 0, "evaluate_every must be >= 0");
  optimizer.validate();
  LearningRateSchedule{schedule};  // validates
  if (normalization) {
    require(!normalization->mean.empty() && normalization->mean.size() == normalization->std.size(),
            "normalization needs one mean and one standard deviation per channel");
  }
}

Index TrainingSpec::iterations_per_epoch(Index dataset_size) const {
  return BatchSampler(dataset_size, {.batch_size = batch_size, .drop_last = false})
      .batches_per_epoch();
}

Index TrainingSpec::total_iterations(Index dataset_size) const {
  return length.in_iterations(iterations_per_epoch(dataset_size));
}

std::string TrainingCurve::to_csv() const {
  const bool validation =
      std::any_of(rows.begin(), rows.end(), [](const CurveRow& r) { return r.validation_loss; });
  std::string out(kCurveHeader);
  if (validation) out += kValidationColumns;
  out += '\n';
  for (const CurveRow& r : rows) {
    out += std::to_string(r.iteration) + ',' + format_double(r.epoch) + ',' +
           format_double(r.train_loss) + ',' + format_double(r.test_loss) + ',' +
           format_double(r.test_accuracy);
    if (validation) {
      out += ',' + (r.validation_loss ? format_double(*r.validation_loss) : std::string()) + ',' +
             (r.validation_accuracy ? format_double(*r.validation_accuracy) : std::string());
    }
    out += '\n';
  }
  return out;
}

TrainingCurve TrainingCurve::from_csv(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string line;
  const std::string with_validation = std::string(kCurveHeader) + std::string(kValidationColumns);
  require(std::getline(in, line) && (line == kCurveHeader || line == with_validation),
          source + ": not a training curve (expected header " + std::string(kCurveHeader) +
              ", optionally followed by " + std::string(kValidationColumns) + ")");
  const bool validation = line == with_validation;
  const std::size_t columns = validation ? 7 : 5;
  TrainingCurve curve;
  for (Index number = 2; std::getline(in, line); ++number) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    // getline drops an empty last field: a row without validation values ends in ",,".
    if (validation && !line.empty() && line.back() == ',') cells.emplace_back();
    CurveRow row;
    bool ok = cells.size() == columns && parse_index(cells[0], row.iteration) &&
              parse_double(cells[1], row.epoch) && parse_double(cells[2], row.train_loss) &&
              parse_double(cells[3], row.test_loss) && parse_double(cells[4], row.test_accuracy);
    if (ok && validation && !(cells[5].empty() && cells[6].empty())) {
      double loss = 0.0, accuracy = 0.0;
      ok = parse_double(cells[5], loss) && parse_double(cells[6], accuracy);
      row.validation_loss = loss;
      row.validation_accuracy = accuracy;
    }
    require(ok, source + ": malformed curve row at line " + std::to_string(number));
    curve.rows.push_back(row);
  }
  return curve;
}

std::optional<CurveRow> TrainingCurve::early_stop() const {
  std::optional<CurveRow> best;
  auto criterion = [](const CurveRow& r) {
    return r.validation_loss ? *r.validation_loss : r.test_loss;
  };
  for (const CurveRow& r : rows)
    if (!best || criterion(r) < criterion(*best)) best = r;
  return best;
}

Evaluation evaluate(Network& network, const TensorDataset& dataset, Index batch_size,
                    const std::optional<Normalization>& normalization,
                    const torch::Device& device) {
  require(batch_size >= 1, "evaluation batch size must be >= 1");
  require(dataset.size() > 0, "cannot evaluate on an empty data set");
  const TensorDataset data = on_device(dataset, device);
  const bool was_training = network.is_training();
  network.eval();
  const torch::NoGradGuard no_grad;
  const torch::TensorOptions on_data = torch::TensorOptions(data.inputs.device());
  torch::Tensor loss_sum = torch::zeros({}, on_data.dtype(torch::kFloat64));
  torch::Tensor correct = torch::zeros({}, on_data.dtype(torch::kInt64));
  for (Index begin = 0; begin < data.size(); begin += batch_size) {
    const Index end = std::min(begin + batch_size, data.size());
    const torch::Tensor inputs = prepare(data.inputs.slice(0, begin, end), normalization);
    const torch::Tensor labels = data.labels.slice(0, begin, end);
    const torch::Tensor logits = network.forward(inputs);
    loss_sum += at::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).to(torch::kFloat64);
    correct += logits.argmax(1).eq(labels).sum();
  }
  network.train(was_training);
  const auto n = static_cast<double>(data.size());
  return {loss_sum.item<double>() / n, static_cast<double>(correct.item<int64_t>()) / n};
}

TrainingCurve train(Network& network, MaskedOptimizer& optimizer, const TensorDataset& train_set,
                    const EvaluationSets& evaluation, const TrainingSpec& spec,
                    const torch::Device& device, const TrainingCallbacks& callbacks,
                    TrainingRange range, const TrainingCheckpoint* resume) {
  spec.validate();
  require(train_set.size() > 0, "cannot train on an empty training set");
  for (const auto& p : network.parameters())
    require(on(p.device(), device), "train: the network is not on device " + device.str());

  const Index per_epoch = spec.iterations_per_epoch(train_set.size());
  const Index total = spec.total_iterations(train_set.size());
  const Index end = range.end < 0 ? total : range.end;
  const Index begin = resume ? resume->iteration : range.begin;
  require(0 <= range.begin && range.begin <= end, "train: range [" + std::to_string(range.begin) +
                                                      ", " + std::to_string(end) +
                                                      ") is empty or negative");
  require(begin <= end, "train: checkpoint at iteration " + std::to_string(begin) +
                            " is past the end " + std::to_string(end));

  const TensorDataset train_data = on_device(train_set, device);
  const TensorDataset test_data = on_device(evaluation.test, device);
  const std::optional<TensorDataset> validation_data =
      evaluation.validation ? std::optional(on_device(*evaluation.validation, device))
                            : std::nullopt;
  const BatchSampler sampler(
      train_data.size(),
      {.batch_size = spec.batch_size, .drop_last = false, .shuffle = true, .seed = spec.data_seed});
  const CropFlipAugmentation augmentation(spec.data_seed);
  const LearningRateSchedule schedule(spec.schedule);

  TrainingCurve curve;
  // Training losses of the steps since the last row, summed on the device (no sync per step).
  // A checkpoint saves the running sum, so a resumed run adds the same terms in the same order.
  torch::Tensor loss_sum =
      torch::zeros({}, torch::TensorOptions(train_data.inputs.device()).dtype(torch::kFloat64));
  Index loss_count = 0;
  if (resume) {
    require(resume->iteration >= range.begin, "train: checkpoint at iteration " +
                                                  std::to_string(resume->iteration) +
                                                  " is before the range begins");
    restore(network, resume->network);
    restore_optimizer_state(network, optimizer.optimizer(), resume->optimizer);
    curve = resume->curve;
    loss_sum.fill_(resume->loss_sum);
    loss_count = resume->loss_count;
  }

  auto record = [&](Index iteration) {
    const Evaluation e =
        evaluate(network, test_data, spec.evaluation_batch_size, spec.normalization, device);
    const double train_loss = loss_count > 0
                                  ? loss_sum.item<double>() / static_cast<double>(loss_count)
                                  : std::numeric_limits<double>::quiet_NaN();
    CurveRow row{iteration, static_cast<double>(iteration) / static_cast<double>(per_epoch),
                 train_loss, e.loss, e.accuracy};
    if (validation_data) {
      const Evaluation v = evaluate(network, *validation_data, spec.evaluation_batch_size,
                                    spec.normalization, device);
      row.validation_loss = v.loss;
      row.validation_accuracy = v.accuracy;
    }
    curve.rows.push_back(row);
    loss_sum.zero_();
    loss_count = 0;
    if (callbacks.on_evaluation) callbacks.on_evaluation(curve.rows.back());
  };
  auto evaluation_due = [&](Index t) {
    return t == range.begin || t == end ||
           (spec.evaluate_every > 0 && t % spec.evaluate_every == 0);
  };

  network.train();
  Index cached_epoch = -1;
  std::vector<torch::Tensor> batches;
  for (Index t = begin;; ++t) {
    const bool resumed_here = resume != nullptr && t == begin;
    if (t == callbacks.snapshot_iteration && callbacks.on_snapshot)
      callbacks.on_snapshot(take_snapshot(network));
    if (!resumed_here && evaluation_due(t)) record(t);
    if (t == end) break;
    if (!resumed_here && t > range.begin && callbacks.checkpoint_every > 0 &&
        t % callbacks.checkpoint_every == 0 && callbacks.on_checkpoint) {
      callbacks.on_checkpoint({t, take_snapshot(network),
                               capture_optimizer_state(network, optimizer.optimizer()), curve,
                               loss_sum.item<double>(), loss_count});
    }

    const Index epoch = t / per_epoch;
    const Index batch = t % per_epoch;
    if (epoch != cached_epoch) {
      batches = sampler.batches(epoch);
      cached_epoch = epoch;
    }
    const Batch data = select_batch(train_data, batches[static_cast<std::size_t>(batch)]);
    torch::Tensor inputs = data.inputs;
    if (spec.augment) inputs = augmentation(inputs, epoch, batch);
    inputs = prepare(inputs, spec.normalization);

    optimizer.zero_grad();
    const torch::Tensor loss = at::cross_entropy_loss(network.forward(inputs), data.labels);
    loss.backward();
    schedule.apply(optimizer.optimizer(), t);
    optimizer.step();
    loss_sum += loss.detach().to(torch::kFloat64);
    ++loss_count;
  }
  return curve;
}

TrainingCurve train(Network& network, const Mask& mask, const TensorDataset& train_set,
                    const EvaluationSets& evaluation, const TrainingSpec& spec,
                    const torch::Device& device, const TrainingCallbacks& callbacks,
                    TrainingRange range) {
  MaskedOptimizer optimizer(network, mask, spec.optimizer);
  return train(network, optimizer, train_set, evaluation, spec, device, callbacks, range);
}

}  // namespace cardinal
