#pragma once

#include <array>

namespace cardinal {

/// A command's name and its line in `cardinal --help`.
struct CommandName {
  const char* name;
  const char* summary;
};

inline constexpr CommandName kLotteryCommand = {
    "lottery", "lottery-ticket experiments on a network (IMP, rewinding, controls)"};
inline constexpr CommandName kSupermaskCommand = {
    "supermask", "Zhou et al. supermasks: mask criteria and learned masks"};

inline constexpr CommandName kPruneCommand = {
    "prune", "one-shot pruning of a trained network (magnitude, OBS, layer-wise solvers)"};

/// The commands the network module runs, in the order `cardinal --help` lists them.
inline constexpr std::array kNetworkCommandNames = {kLotteryCommand, kSupermaskCommand,
                                                    kPruneCommand};

}  // namespace cardinal
