#include "cardinal/nonconvex/models/layer_observer.hpp"

namespace cardinal {
namespace {

thread_local const LayerInputObserver* current_observer = nullptr;

}  // namespace

void notify_layer_input(const torch::nn::Module& layer, const torch::Tensor& input) {
  if (current_observer != nullptr && *current_observer) (*current_observer)(layer, input);
}

torch::Tensor forward_observing(Network& network, const torch::Tensor& input,
                                const LayerInputObserver& observer) {
  struct Restore {
    const LayerInputObserver* previous;
    ~Restore() { current_observer = previous; }
  } restore{current_observer};
  current_observer = &observer;
  return network.forward(input);
}

}  // namespace cardinal
