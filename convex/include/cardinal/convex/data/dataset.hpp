#pragma once

#include <Eigen/Core>
#include <string>

#include "cardinal/convex/design.hpp"

namespace cardinal {

/// A labelled data set as read from a file: design X (one row per sample), response y, and
/// where it came from.
struct Dataset {
  Design design;
  Eigen::VectorXd response;
  std::string source;  ///< the file name, for messages
};

}  // namespace cardinal
