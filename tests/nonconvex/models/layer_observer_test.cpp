// forward_observing: every model shows each prunable layer its input, once, in forward order.
#include "cardinal/nonconvex/models/layer_observer.hpp"

#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <vector>

#include "cardinal/nonconvex/models/factory.hpp"

namespace cardinal {
namespace {

const torch::Tensor* weight_of(const torch::nn::Module& layer) {
  if (const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(&layer))
    return &linear->weight;
  if (const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(&layer)) return &conv->weight;
  return nullptr;
}

TEST(LayerObserver, EveryModelShowsEachPrunableLayerItsInputOnceInOrder) {
  for (const std::string& name : known_models()) {
    SCOPED_TRACE(name);
    const bool cifar = name.rfind("vgg", 0) == 0 || name.rfind("resnet", 0) == 0;
    const ModelInput input = cifar ? ModelInput{3, 32, 32, 10} : ModelInput{1, 28, 28, 10};
    torch::manual_seed(1);
    auto model = make_model(name, input);
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({2, input.channels, input.height, input.width});

    std::vector<const torch::Tensor*> seen;
    const torch::Tensor observed =
        forward_observing(*model, x, [&](const torch::nn::Module& layer, const torch::Tensor& in) {
          const torch::Tensor* weight = weight_of(layer);
          ASSERT_NE(weight, nullptr);
          seen.push_back(weight);
          // The input is what the layer reads: C_in channels, or d_in features.
          EXPECT_EQ(in.size(weight->dim() == 4 ? 1 : -1), weight->size(1));
          EXPECT_EQ(in.size(0), 2);
        });
    const std::vector<NamedTensor> prunable = prunable_tensors(*model);
    ASSERT_EQ(seen.size(), prunable.size());
    for (std::size_t l = 0; l < seen.size(); ++l)
      EXPECT_TRUE(seen[l]->is_same(prunable[l].tensor)) << prunable[l].name;
    // Observing changes nothing.
    EXPECT_TRUE(torch::equal(observed, model->forward(x)));
  }
}

TEST(LayerObserver, AnObserverEndsThePassByThrowingAndIsRemovedAfterwards) {
  torch::manual_seed(2);
  auto model = make_model("lenet5", ModelInput{});
  const torch::Tensor x = torch::randn({1, 1, 28, 28});
  int calls = 0;
  struct Stop {};
  EXPECT_THROW(forward_observing(*model, x,
                                 [&](const torch::nn::Module&, const torch::Tensor&) {
                                   ++calls;
                                   throw Stop{};
                                 }),
               Stop);
  EXPECT_EQ(calls, 1);
  model->forward(x);  // no observer left behind
  EXPECT_EQ(calls, 1);
  // Observations nest: the inner observer sees the inner pass only.
  int outer = 0, inner = 0;
  forward_observing(*model, x, [&](const torch::nn::Module&, const torch::Tensor&) {
    ++outer;
    if (outer == 1)
      forward_observing(*model, x,
                        [&](const torch::nn::Module&, const torch::Tensor&) { ++inner; });
  });
  EXPECT_EQ(outer, 5);
  EXPECT_EQ(inner, 5);
}

}  // namespace
}  // namespace cardinal
