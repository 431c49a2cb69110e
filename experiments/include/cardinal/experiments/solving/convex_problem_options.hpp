#pragma once

#include <Eigen/Core>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cardinal/convex/design.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"

namespace cardinal {

/// The "Problem" options shared by the commands that build a convex problem from a data file or
/// a synthetic instance (--problem, --data, --format, --label-column, --features, --synthetic,
/// --samples, --dimension, --planted, --correlation, --signal, --noise, --sparse-design, --seed,
/// --ridge, --intercept, --normalize, --precision), with the defaults of `cardinal solve`.
/// `--problem` lists `network` only for a command that takes it (`with_network`).
boost::program_options::options_description problem_options_description(bool with_network = false);

/// The "Solver" options (--solver, --sparsity, --max-iterations, --step, --replacement-steps,
/// --debias, --path-length, --min-ratio, ..., and the stopping criteria); network notes with
/// `with_network`.
boost::program_options::options_description solver_options_description(bool with_network = false);

/// The options of the stopping criteria beside --max-iterations, one per StoppingCriteria
/// field: --objective-level, --relative-decrease, --step-tolerance, --gradient-tolerance.
void add_stopping_criteria_options(boost::program_options::options_description& options);

/// --max-iterations and the stopping criteria options.
StoppingCriteria stopping_criteria(const boost::program_options::variables_map& values);

/// The --problem value, checked: true for logistic, false for least squares.
bool parse_problem_kind(const boost::program_options::variables_map& values);

/// A design and response read from --data or drawn by --synthetic.
struct LoadedData {
  Design design;
  Eigen::VectorXd response;
  std::string source;  ///< the data file, or "synthetic"
  /// Synthetic instances only: {"support", "values", "seed"} of the planted vector.
  nlohmann::json planted;
  /// Synthetic instances only: the planted vector w* (size p), in the units of the design.
  Eigen::VectorXd planted_vector;
};

/// Loads the data the options describe, the design stored as --precision says (float32: every
/// entry rounded to float, see Design; only for a dense design). Throws InvalidInput for bad
/// options or data.
LoadedData load_problem_data(const boost::program_options::variables_map& values, bool logistic);

/// The solver settings the options describe, validated.
SolverSettings solver_settings(const boost::program_options::variables_map& values);

}  // namespace cardinal
