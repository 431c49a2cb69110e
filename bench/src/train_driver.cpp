// cardinal-bench-train: times cardinal's side of the network comparison (LibTorch training
// steps) and LibTorch's GEMM rate. Prints one JSON document.
//
//   cardinal-bench-train train [--model lenet300] [--batch 60] [--steps N] [--repeats R]
//                              [--threads T] [--density D]
//   cardinal-bench-train sgemm [--threads T] [--repeats R]
//   cardinal-bench-train adam [--steps N] [--repeats R] [--threads T]
//   cardinal-bench-train level [--iterations N] [--threads T] [--data-dir MNIST]
//
// It links only the network module, not Ceres, so that nothing but libblas.so.3 can serve
// LibTorch's GEMM calls: the same BLAS as PyTorch in Python. Ceres brings ATLAS's
// libf77blas.so.3 into a process; the build makes every program need libblas.so.3 first so that
// its sgemm_ wins (root CMakeLists.txt), and compare.py's network section checks that with a
// process that links Ceres (`cardinal-bench train`).
#include <exception>
#include <iostream>
#include <string>

#include "train_commands.hpp"

int main(int argc, char** argv) {
  using namespace cardinal::bench;
  const std::string usage = "usage: cardinal-bench-train {train,sgemm,level,adam} [options]";
  if (argc < 2) {
    std::cerr << usage << '\n';
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "train") return train_command(argc - 1, argv + 1);
    if (command == "sgemm") return sgemm_command(argc - 1, argv + 1);
    if (command == "level") return level_command(argc - 1, argv + 1);
    if (command == "adam") return adam_command(argc - 1, argv + 1);
    std::cerr << usage << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cardinal-bench-train " << command << ": " << e.what() << '\n';
    return 1;
  }
}
