#include "cardinal/nonconvex/data/validation_split.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "portable_random.hpp"

namespace cardinal {

TrainValidationSplit split_validation(const TensorDataset& dataset, int64_t count, uint64_t seed) {
  require(count > 0 && count < dataset.size(),
          dataset.name + ": the validation split needs 0 < count < " +
              std::to_string(dataset.size()) + " examples; got " + std::to_string(count));
  std::mt19937_64 engine = detail::make_engine(seed, /*stream=*/0);
  std::vector<int64_t> order = detail::random_permutation(dataset.size(), engine);
  std::vector<int64_t> validation(order.begin(), order.begin() + count);
  std::vector<int64_t> train(order.begin() + count, order.end());
  std::sort(validation.begin(), validation.end());
  std::sort(train.begin(), train.end());
  return {dataset.subset(train), dataset.subset(validation)};
}

}  // namespace cardinal
