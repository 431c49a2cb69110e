#pragma once

#include "cardinal/nonconvex/models/network.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cardinal {

/// The shape of one input image and the number of classes a model is built for.
struct ModelInput {
  int64_t channels = 1;
  int64_t height = 28;
  int64_t width = 28;
  int64_t classes = 10;
};

/// The names make_model accepts: lenet300, mlpnet, lenet5, conv2, conv4, conv6, vgg11, vgg16,
/// vgg19, resnet20, resnet32, resnet56.
std::vector<std::string> known_models();

/// A freshly initialized model `name` for inputs of shape `input` (see lenet.hpp, convnet.hpp,
/// resnet.hpp). Throws InvalidInput listing the known names for an unknown name, or naming the
/// model and the size when the input is too small for it.
std::shared_ptr<Network> make_model(const std::string& name, const ModelInput& input);

}  // namespace cardinal
