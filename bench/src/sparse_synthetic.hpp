#pragma once

#include <cstdint>

#include "cardinal/bridge/index.hpp"
#include "dataset_files.hpp"

namespace cardinal::bench {

/// A sparse design shaped like a text-classification corpus (rcv1: n = 20,242 documents,
/// p = 47,236 terms, 0.16% of the entries stored): every entry is stored independently with
/// probability `density`, stored values are uniform in (0, 1] (term weights), and every row is
/// then scaled to unit Euclidean norm, as rcv1's tf-idf rows are. The response is X w* with
/// `sparsity` planted ±1 coefficients, or ±1 labels drawn from the logistic model.
struct SparseSpec {
  Index samples = 20242;
  Index features = 47236;
  double density = 0.0016;
  Index sparsity = 100;
  bool logistic = false;
  std::uint64_t seed = 1;
};

/// Deterministic for a fixed spec (its own transforms of a std::mt19937_64 stream).
BenchDataset make_sparse_synthetic(const SparseSpec& spec);

}  // namespace cardinal::bench
