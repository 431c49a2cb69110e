// The model registry, parameter counts and the shared initialization.
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/convnet.hpp"
#include "cardinal/nonconvex/models/initialization.hpp"
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/nonconvex/models/parameter_counts.hpp"
#include "cardinal/nonconvex/models/resnet.hpp"

#include <torch/nn/init.h>

#include <set>

namespace cardinal {

void initialize_kaiming_normal(torch::nn::Module& network) {
  torch::NoGradGuard no_grad;
  for (const auto& module : network.modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      torch::nn::init::kaiming_normal_(linear->weight, 0, torch::kFanIn, torch::kReLU);
    } else if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0, torch::kFanIn, torch::kReLU);
    } else if (auto* norm = module->as<torch::nn::BatchNorm2d>()) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
}

std::vector<std::string> known_models() {
  return {"lenet300", "mlpnet", "lenet5", "conv2",    "conv4",    "conv6",
          "vgg11",    "vgg16",  "vgg19",  "resnet20", "resnet32", "resnet56"};
}

std::shared_ptr<Network> make_model(const std::string& name, const ModelInput& input) {
  require(input.channels > 0 && input.height > 0 && input.width > 0 && input.classes > 0,
          name + ": input channels, height, width and classes must be positive");
  const auto [c, h, w, k] = input;
  if (name == "lenet300")
    return std::make_shared<MultilayerPerceptron>(c * h * w, std::vector<int64_t>{300, 100}, k);
  if (name == "mlpnet")
    return std::make_shared<MultilayerPerceptron>(c * h * w, std::vector<int64_t>{40, 20}, k,
                                                  /*bias=*/false);
  if (name == "lenet5") return std::make_shared<LeNet5>(c, h, w, k);
  if (name == "conv2") return std::make_shared<ConvNet>(1, c, h, w, k);
  if (name == "conv4") return std::make_shared<ConvNet>(2, c, h, w, k);
  if (name == "conv6") return std::make_shared<ConvNet>(3, c, h, w, k);
  if (name == "vgg11") return std::make_shared<Vgg>(Vgg::plan(11), c, h, w, k);
  if (name == "vgg16") return std::make_shared<Vgg>(Vgg::plan(16), c, h, w, k);
  if (name == "vgg19") return std::make_shared<Vgg>(Vgg::plan(19), c, h, w, k);
  if (name == "resnet20") return std::make_shared<CifarResNet>(20, c, k);
  if (name == "resnet32") return std::make_shared<CifarResNet>(32, c, k);
  if (name == "resnet56") return std::make_shared<CifarResNet>(56, c, k);
  std::string names;
  for (const std::string& known : known_models()) names += (names.empty() ? "" : ", ") + known;
  throw InvalidInput("unknown model '" + name + "' (known: " + names + ")");
}

std::vector<LayerCount> parameter_counts(const Network& network) {
  std::set<std::string> prunable;
  for (const NamedTensor& tensor : prunable_tensors(network)) prunable.insert(tensor.name);
  std::vector<LayerCount> counts;
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    counts.push_back({item.key(), item.value().numel(), prunable.count(item.key()) > 0});
  }
  return counts;
}

int64_t total_parameters(const std::vector<LayerCount>& counts, bool prunable_only) {
  int64_t total = 0;
  for (const LayerCount& count : counts) {
    if (count.prunable || !prunable_only) total += count.parameters;
  }
  return total;
}

}  // namespace cardinal
