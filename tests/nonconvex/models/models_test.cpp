// The model zoo: output shapes, parameter counts from the layer formulas, initialization and
// the prunable tensors.
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/models/parameter_counts.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cardinal {
namespace {

// Parameter counts of single layers, from their definitions.
int64_t conv(int64_t in, int64_t out, int64_t kernel, bool bias) {
  return out * in * kernel * kernel + (bias ? out : 0);
}
int64_t batch_norm(int64_t channels) {
  return 2 * channels;
}
int64_t linear(int64_t in, int64_t out) {
  return in * out + out;
}

const ModelInput kMnist{1, 28, 28, 10};
const ModelInput kCifar{3, 32, 32, 10};

int64_t lenet5_count() {
  // 28 → conv pad 2 → 28 → pool 14 → conv 5×5 → 10 → pool 5.
  return conv(1, 6, 5, true) + conv(6, 16, 5, true) + linear(16 * 5 * 5, 120) + linear(120, 84) +
         linear(84, 10);
}

int64_t convnet_count(int blocks) {
  int64_t total = 0, in = 3;
  const int64_t widths[] = {64, 128, 256};
  for (int b = 0; b < blocks; ++b) {
    total += conv(in, widths[b], 3, true) + conv(widths[b], widths[b], 3, true);
    in = widths[b];
  }
  const int64_t side = 32 >> blocks;
  return total + linear(in * side * side, 256) + linear(256, 256) + linear(256, 10);
}

std::vector<int64_t> vgg_widths(int depth) {
  // Convolution widths of the CIFAR VGGs (max pools omitted).
  switch (depth) {
    case 11:
      return {64, 128, 256, 256, 512, 512, 512, 512};
    case 16:
      return {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    default:
      return {64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512};
  }
}

int64_t vgg_count(int depth) {
  int64_t total = 0, in = 3;
  for (int64_t width : vgg_widths(depth)) {
    total += conv(in, width, 3, true) + batch_norm(width);
    in = width;
  }
  return total + linear(512, 10);
}

int64_t resnet_count(int depth) {
  const int64_t n = (depth - 2) / 6;
  int64_t total = conv(3, 16, 3, false) + batch_norm(16), in = 16;
  for (int64_t width : {16, 32, 64}) {
    for (int64_t b = 0; b < n; ++b) {
      total += conv(in, width, 3, false) + batch_norm(width) + conv(width, width, 3, false) +
               batch_norm(width);
      if (in != width) total += conv(in, width, 1, false) + batch_norm(width);  // projection
      in = width;
    }
  }
  return total + linear(64, 10);
}

struct Case {
  std::string name;
  ModelInput input;
  int64_t parameters;
};

std::vector<Case> cases() {
  return {{"lenet300", kMnist, 266610},           {"mlpnet", kMnist, 784 * 40 + 40 * 20 + 20 * 10},
          {"lenet5", kMnist, lenet5_count()},     {"conv2", kCifar, convnet_count(1)},
          {"conv4", kCifar, convnet_count(2)},    {"conv6", kCifar, convnet_count(3)},
          {"vgg11", kCifar, vgg_count(11)},       {"vgg16", kCifar, vgg_count(16)},
          {"vgg19", kCifar, vgg_count(19)},       {"resnet20", kCifar, resnet_count(20)},
          {"resnet32", kCifar, resnet_count(32)}, {"resnet56", kCifar, resnet_count(56)}};
}

TEST(Models, KnownCountsFromTheLiterature) {
  EXPECT_EQ(lenet5_count(), 61706);
  EXPECT_EQ(convnet_count(1), 4301642);  // Frankle & Carbin: Conv-2 4.3M
  EXPECT_EQ(convnet_count(2), 2425930);  // Conv-4 2.4M
  EXPECT_EQ(convnet_count(3), 2262602);  // Conv-6 (the paper's table says 1.7M; see docs)
  EXPECT_EQ(resnet_count(20), 272474);   // OpenLTH cifar_resnet_20
}

TEST(Models, ForwardShapeAndParameterCount) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    torch::manual_seed(0);
    auto model = make_model(c.name, c.input);
    const auto counts = parameter_counts(*model);
    EXPECT_EQ(total_parameters(counts), c.parameters);
    int64_t direct = 0, multi_dimensional = 0, prunable = 0;
    for (const auto& p : model->parameters()) {
      direct += p.numel();
      multi_dimensional += p.dim() >= 2 ? p.numel() : 0;
    }
    EXPECT_EQ(direct, c.parameters);
    // Prunable = every conv/linear kernel; the output layer comes last.
    for (const LayerCount& count : counts) prunable += count.prunable ? count.parameters : 0;
    EXPECT_EQ(prunable, multi_dimensional);
    EXPECT_EQ(total_parameters(counts, /*prunable_only=*/true), prunable);
    // The output layer's parameters come last (MLPNet has no biases).
    const bool biases = c.name != "mlpnet";
    EXPECT_EQ(counts.back().name, biases ? "fc.bias" : "fc.weight");
    EXPECT_EQ(counts.back().prunable, !biases);
    const auto prunable_list = prunable_tensors(*model);
    ASSERT_FALSE(prunable_list.empty());
    EXPECT_EQ(prunable_list.back().name, "fc.weight");

    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({2, c.input.channels, c.input.height, c.input.width});
    const torch::Tensor y = model->forward(x);
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 10}));
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
}

TEST(Models, TrainModeForwardAndOtherShapes) {
  torch::manual_seed(0);
  auto resnet = make_model("resnet20", kCifar);
  resnet->train();
  EXPECT_EQ(resnet->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 10}));
  // LeNets and the conv networks adapt their first linear layer to the image size.
  auto lenet5 = make_model("lenet5", {3, 32, 32, 100});
  EXPECT_EQ(total_parameters(parameter_counts(*lenet5)),
            conv(3, 6, 5, true) + conv(6, 16, 5, true) + linear(16 * 6 * 6, 120) + linear(120, 84) +
                linear(84, 100));
  EXPECT_EQ(lenet5->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 100}));
  auto mlp = make_model("lenet300", kCifar);
  EXPECT_EQ(total_parameters(parameter_counts(*mlp)),
            linear(3072, 300) + linear(300, 100) + linear(100, 10));
  auto conv2 = make_model("conv2", kMnist);
  EXPECT_EQ(conv2->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(Models, InitializationIsBitIdenticalForTheSameSeed) {
  for (const std::string name : {"lenet300", "conv4", "vgg11", "resnet20"}) {
    SCOPED_TRACE(name);
    const ModelInput input = name == "lenet300" ? kMnist : kCifar;
    torch::manual_seed(123);
    auto a = make_model(name, input);
    torch::manual_seed(123);
    auto b = make_model(name, input);
    torch::manual_seed(124);
    auto c = make_model(name, input);
    const auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    bool any_difference = false;
    for (size_t i = 0; i < pa.size(); ++i) {
      EXPECT_TRUE(torch::equal(pa[i].value(), pb[i].value())) << pa[i].key();
      if (pa[i].value().dim() >= 2) any_difference |= !torch::equal(pa[i].value(), pc[i].value());
    }
    EXPECT_TRUE(any_difference);
  }
}

TEST(Models, KaimingNormalWeightsAndUnitBatchNorm) {
  torch::manual_seed(5);
  auto mlp = make_model("lenet300", kMnist);
  for (const auto& item : mlp->named_parameters()) {
    const torch::Tensor& p = item.value();
    if (p.dim() < 2) continue;
    const double expected = std::sqrt(2.0 / static_cast<double>(p.size(1)));  // fan-in
    EXPECT_NEAR(p.std().item<double>() / expected, 1.0, 0.1) << item.key();
    EXPECT_NEAR(p.mean().item<double>(), 0.0, 0.3 * expected) << item.key();
  }
  const torch::Tensor bias = mlp->named_parameters()["fc1.bias"];
  EXPECT_LE(bias.abs().max().item<double>(), 1.0 / std::sqrt(784.0));  // LibTorch default
  EXPECT_GT(bias.abs().max().item<double>(), 0.0);

  auto vgg = make_model("vgg11", kCifar);
  const auto params = vgg->named_parameters();
  const torch::Tensor conv5 = params["conv5.weight"];  // 512 × 256 × 3 × 3
  EXPECT_NEAR(conv5.std().item<double>() / std::sqrt(2.0 / (256 * 9)), 1.0, 0.02);
  EXPECT_TRUE(torch::equal(params["bn3.weight"], torch::ones({256})));
  EXPECT_TRUE(torch::equal(params["bn3.bias"], torch::zeros({256})));
}

TEST(Models, PrunableTensorsAreTheConvAndLinearWeightsOutputLast) {
  const auto names = [](const Network& network) {
    std::vector<std::string> out;
    for (const NamedTensor& t : prunable_tensors(network)) out.push_back(t.name);
    return out;
  };
  EXPECT_EQ(names(*make_model("lenet300", kMnist)),
            (std::vector<std::string>{"fc1.weight", "fc2.weight", "fc.weight"}));
  EXPECT_EQ(names(*make_model("lenet5", kMnist)),
            (std::vector<std::string>{"conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight",
                                      "fc.weight"}));
  std::vector<std::string> conv6;
  for (int i = 1; i <= 6; ++i) conv6.push_back("conv" + std::to_string(i) + ".weight");
  conv6.insert(conv6.end(), {"fc1.weight", "fc2.weight", "fc.weight"});
  EXPECT_EQ(names(*make_model("conv6", kCifar)), conv6);

  std::vector<std::string> vgg11;
  for (int i = 1; i <= 8; ++i) vgg11.push_back("conv" + std::to_string(i) + ".weight");
  vgg11.push_back("fc.weight");
  EXPECT_EQ(names(*make_model("vgg11", kCifar)), vgg11);

  std::vector<std::string> resnet20{"conv.weight"};
  for (int b = 1; b <= 9; ++b) {
    const std::string block = "block" + std::to_string(b) + ".";
    resnet20.push_back(block + "conv1.weight");
    resnet20.push_back(block + "conv2.weight");
    if (b == 4 || b == 7) resnet20.push_back(block + "shortcut.weight");
  }
  resnet20.push_back("fc.weight");
  EXPECT_EQ(names(*make_model("resnet20", kCifar)), resnet20);
}

TEST(Models, UnknownNamesAndTooSmallInputsAreRejected) {
  try {
    make_model("alexnet", kCifar);
    ADD_FAILURE() << "no exception";
  } catch (const InvalidInput& error) {
    const std::string message = error.what();
    for (const std::string& name : known_models()) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
    EXPECT_NE(message.find("alexnet"), std::string::npos);
  }
  EXPECT_THROW(make_model("vgg16", kMnist), InvalidInput);  // 28×28 is too small
  EXPECT_THROW(make_model("conv6", {3, 4, 4, 10}), InvalidInput);
  EXPECT_THROW(make_model("lenet5", {1, 8, 8, 10}), InvalidInput);
  EXPECT_THROW(make_model("resnet20", {3, 32, 32, 0}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
