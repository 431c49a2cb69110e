#pragma once

#include <torch/types.h>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {

/// The option groups every network command shares, so that `--model`, `--optimizer` or
/// `--device` mean the same in `cardinal lottery`, `cardinal solve --problem network` and
/// `cardinal supermask`.

/// "Network and data": --model, --dataset, --data-dir, --train-subset, --test-subset.
boost::program_options::options_description network_data_options();

/// "Validation": --validation N, for the commands that evaluate on a held-out set.
boost::program_options::options_description validation_options();

/// "Training": --iterations | --epochs, --batch-size, --optimizer, --lr, --momentum, --nesterov,
/// --weight-decay, --schedule, --milestones, --gamma, --final-lr, --warmup, --augment,
/// --evaluate-every.
boost::program_options::options_description training_options();

/// "Device": --device cpu|cuda|cuda:N, --threads N.
boost::program_options::options_description device_options();

/// The model, data set and loaded splits a network command works on.
struct NetworkData {
  std::string model;
  std::string dataset;
  ModelInput input;
  TensorDataset train;
  TensorDataset test;
  /// --validation N > 0: N examples held out of the training set (not in `train`).
  std::optional<TensorDataset> validation;

  /// The test set, and the validation set when there is one.
  EvaluationSets evaluation_sets() const { return {test, validation ? &*validation : nullptr}; }
};

/// Checks --model and --dataset against the known names (before anything is loaded) and loads
/// the two splits from --data-dir (or the data set's standard folder), keeping the first
/// --train-subset / --test-subset examples; with --validation N (where the command offers it),
/// holds N of the kept training examples out for validation, drawn by a fixed seed (the same
/// examples for every run seed). InvalidInput naming the option on bad input.
NetworkData load_network_data(const boost::program_options::variables_map& values);

/// The TrainingSpec the "Training" options describe, for `dataset` (its standard normalization)
/// and a training set of `train_size` examples (the cosine schedule's length). `default_epochs`
/// applies when neither --iterations nor --epochs is given; the data seed is `seed`.
TrainingSpec parse_training_spec(const boost::program_options::variables_map& values,
                                 const std::string& dataset, Index train_size, Index default_epochs,
                                 std::uint64_t seed);

/// --pruning-scope of the commands that prune by fractions (lottery, supermask): layerwise (every
/// layer loses its own fraction) or global (one ranking). `solve --problem network` splits a
/// budget instead and also knows erk (see solve_network.cpp).
PruningScope parse_pruning_scope(const boost::program_options::variables_map& values);

/// --device, checked (CUDA must be available for cuda); applies --threads when > 0.
torch::Device parse_device_options(const boost::program_options::variables_map& values);

/// What of the device defines a run's results, for its settings hash: "device" (cpu or cuda)
/// and, on a CPU with more than one thread, "cpu_threads" (OpenBLAS's threaded products round
/// differently for each thread count; see docs/networks.md).
nlohmann::json device_settings(const torch::Device& device);

/// Where training runs, for the header a command prints: "cuda:0", or on the CPU the thread
/// count and the BLAS that serves the matrix products (blas_backend()).
std::string describe_compute(const torch::Device& device);

/// A 64-bit FNV-1a digest (16 hex digits) of the examples' pixels and labels: it enters run
/// hashes so that the same settings pointed at different data files name another run.
std::string data_fingerprint(const TensorDataset& data);

/// The training settings that change results, as JSON (for run hashes and settings files).
nlohmann::json to_json(const TrainingSpec& spec);

}  // namespace cardinal
