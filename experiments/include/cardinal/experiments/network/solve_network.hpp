#pragma once

// `cardinal solve --problem network` is declared with the rest of the network module's entry
// points in network_module.hpp.
#include "cardinal/experiments/network_module.hpp"
