#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cardinal {

/// (file name, JSON text) of every experiments/definitions/*.json, generated at configure time.
const std::vector<std::pair<std::string, std::string>>& builtin_definition_texts();

}  // namespace cardinal
