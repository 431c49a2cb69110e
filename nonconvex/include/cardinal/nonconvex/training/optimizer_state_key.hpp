#pragma once

#include <torch/optim/optimizer.h>

#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace cardinal {

/// The key type of torch::optim's per-parameter state map: the text of the parameter's
/// TensorImpl address up to LibTorch 1.13 (Debian's), the address itself in LibTorch 2.
using OptimizerStateKey =
    std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

/// The key under which torch::optim keeps the state of `parameter`, on either LibTorch.
template <typename Key = OptimizerStateKey>
Key optimizer_state_key(const torch::Tensor& parameter) {
  void* impl = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;  // c10::guts::to_string's format, which LibTorch 1.13 keys by
    text << impl;
    return text.str();
  } else {
    return impl;
  }
}

}  // namespace cardinal
