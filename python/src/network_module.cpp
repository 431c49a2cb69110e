// The network half of the Python module: cardinal._network. Imported by cardinal.network after
// `import torch`, so that this extension and PyTorch share python3-torch's one LibTorch and a
// tensor crosses the boundary as the same at::Tensor (no copy).
//
// A torch.nn.Module written in Python is pruned by the command line's own code
// (prune_one_shot, prune_magnitude, Mask) through PythonNetwork: a cardinal Network whose
// Linear and Conv2d layers are C++ modules holding the Python module's own weight tensors, and
// whose forward pass is the Python module's, each layer's forward pre-hook showing its input to
// the layer observer (layer_observer.hpp) as apply_layer does in cardinal's own models.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <c10/util/Exception.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <boost/program_options.hpp>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/interruption.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network/pruning_solvers.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "python_interruption.hpp"

namespace py = pybind11;
namespace po = boost::program_options;

namespace cardinal {
namespace {

/// Raised in Python by a layer's pre-hook to end a forward pass that the observer ended (by
/// throwing); PythonNetwork::forward rethrows the observer's own exception.
struct ForwardStopped : std::exception {
  const char* what() const noexcept override { return "forward pass ended by cardinal"; }
};

std::vector<int64_t> int_pair(const py::handle& value) {
  if (py::isinstance<py::int_>(value)) {
    const auto v = value.cast<int64_t>();
    return {v, v};
  }
  return value.cast<std::vector<int64_t>>();
}

/// A LibTorch Linear or Conv2d whose weight and bias are the Python layer's own tensors: the same
/// variables, not copies sharing their storage, so that pruning writes into the Python module and
/// the gradients of its forward pass (the Fisher model's) are theirs.
template <class Impl>
class SharedLayer final : public Impl {
 public:
  template <class Options>
  SharedLayer(const Options& options, const at::Tensor& weight, const py::object& bias)
      : Impl(options) {
    this->weight = this->parameters_["weight"] = weight;
    if (!bias.is_none()) this->bias = this->parameters_["bias"] = bias.cast<at::Tensor>();
  }
};

/// The options of a C++ Conv2d like the Python torch.nn.Conv2d `layer`.
torch::nn::Conv2dOptions conv2d_options(const py::handle& layer, const at::Tensor& weight) {
  const auto groups = layer.attr("groups").cast<int64_t>();
  torch::nn::Conv2dOptions options(weight.size(1) * groups, weight.size(0),
                                   {weight.size(2), weight.size(3)});
  options.stride(int_pair(layer.attr("stride")))
      .dilation(int_pair(layer.attr("dilation")))
      .groups(groups)
      .bias(!layer.attr("bias").is_none());
  const py::object padding = layer.attr("padding");
  if (py::isinstance<py::str>(padding)) {
    if (padding.cast<std::string>() == "same")
      options.padding(torch::kSame);
    else
      options.padding(torch::kValid);
  } else {
    const std::vector<int64_t> p = int_pair(padding);
    options.padding(torch::ExpandingArray<2>({p[0], p[1]}));
  }
  const auto mode = layer.attr("padding_mode").cast<std::string>();
  if (mode == "reflect")
    options.padding_mode(torch::kReflect);
  else if (mode == "replicate")
    options.padding_mode(torch::kReplicate);
  else if (mode == "circular")
    options.padding_mode(torch::kCircular);
  return options;
}

/// A cardinal Network over a Python torch.nn.Module (see the top of this file). The prunable
/// tensors are the weights of the module's Linear and Conv2d layers, under their Python names
/// and in the module's order; they are the Python tensors themselves, so that pruning writes
/// into the Python module.
class PythonNetwork final : public Network {
 public:
  /// `layers`: (qualified name, module, "linear" | "conv2d") for each prunable layer, in the
  /// order of module.named_modules().
  PythonNetwork(py::object module, const std::vector<py::tuple>& layers)
      : module_(std::move(module)) {
    // Constructing LibTorch layers draws their initial weights from the default generator,
    // PyTorch's too: its state is put back, so that pruning leaves torch's random stream alone.
    struct RestoreGenerator {
      at::Generator generator = at::detail::getDefaultCPUGenerator();
      at::Tensor state = [this] {
        std::lock_guard<std::mutex> lock(generator.mutex());
        return generator.get_state();
      }();
      ~RestoreGenerator() {
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(state);
      }
    } restore_generator;
    std::map<std::string, std::shared_ptr<torch::nn::Module>> containers;
    for (const py::tuple& entry : layers) {
      const auto name = entry[0].cast<std::string>();
      const py::object layer = entry[1];
      const auto kind = entry[2].cast<std::string>();
      const at::Tensor weight = layer.attr("weight").cast<at::Tensor>();
      const py::object bias = layer.attr("bias");
      std::shared_ptr<torch::nn::Module> cpp;
      if (kind == "linear")
        cpp = std::make_shared<SharedLayer<torch::nn::LinearImpl>>(
            torch::nn::LinearOptions(weight.size(1), weight.size(0)).bias(!bias.is_none()), weight,
            bias);
      else
        cpp = std::make_shared<SharedLayer<torch::nn::Conv2dImpl>>(conv2d_options(layer, weight),
                                                                   weight, bias);
      // "features.0" is registered as the child "0" of a container "features".
      torch::nn::Module* parent = this;
      std::string prefix;
      std::size_t start = 0;
      for (std::size_t dot = name.find('.'); dot != std::string::npos;
           start = dot + 1, dot = name.find('.', start)) {
        const std::string part = name.substr(start, dot - start);
        prefix += (prefix.empty() ? "" : ".") + part;
        auto& container = containers[prefix];
        if (!container) {
          container = std::make_shared<torch::nn::Module>();
          parent->register_module(part, container);
        }
        parent = container.get();
      }
      parent->register_module(name.substr(start), cpp);
      layers_.push_back(cpp);
    }
    Module::train(module_.attr("training").cast<bool>());
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    py::gil_scoped_acquire gil;
    stopped_ = nullptr;
    try {
      return module_(input).cast<at::Tensor>();
    } catch (py::error_already_set& error) {
      if (stopped_) std::rethrow_exception(std::exchange(stopped_, nullptr));
      // KeyboardInterrupt and SystemExit go back to Python as they are.
      if (!error.matches(PyExc_Exception)) throw;
      // As a LibTorch model's failure reads: calibration_gram names the examples' shape.
      throw c10::Error(py::str(error.value()).cast<std::string>(), "");
    }
  }

  /// The Python module follows: evaluation mode while the layer inputs are read.
  void train(bool on) override {
    Module::train(on);
    py::gil_scoped_acquire gil;
    module_.attr("train")(on);
  }

  /// Layer i's pre-hook: shows its input to the observer; an observer that ends the pass has its
  /// exception kept for forward() and the pass ended in Python by ForwardStopped.
  void notify(std::size_t i, const at::Tensor& input) {
    require(i < layers_.size(), "no layer " + std::to_string(i));
    try {
      notify_layer_input(*layers_[i], input);
    } catch (...) {
      stopped_ = std::current_exception();
      throw ForwardStopped{};
    }
  }

 private:
  py::object module_;
  std::vector<std::shared_ptr<torch::nn::Module>> layers_;
  std::exception_ptr stopped_;
};

using TensorMap = std::map<std::string, at::Tensor>;

py::dict mask_dict(const Mask& mask) {
  py::dict out;
  for (Index i = 0; i < mask.size(); ++i)
    out[py::str(mask.names()[static_cast<std::size_t>(i)])] = mask.keep(i);
  return out;
}

/// A Mask over `network`'s prunable tensors from Python's name → tensor dict.
Mask mask_from(const Network& network, const TensorMap& masks) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> keep;
  for (const NamedTensor& t : prunable_tensors(network)) {
    const auto found = masks.find(t.name);
    require(found != masks.end(), "the masks have no entry for " + t.name);
    names.push_back(t.name);
    keep.push_back(found->second.detach().to(torch::kCPU));
  }
  require(masks.size() == names.size(), "the masks have " + std::to_string(masks.size()) +
                                            " entries for " + std::to_string(names.size()) +
                                            " prunable tensors");
  Mask mask(std::move(names), std::move(keep));
  mask.check_matches(network);
  return mask;
}

/// The pruning flags of `cardinal prune` that apply to a network in memory (not --weights,
/// --calibration (a count of training examples: here the examples themselves), --theory,
/// --retrain, --seed or --dense-cache), with the command's defaults and checks.
po::variables_map parse_prune_arguments(const std::vector<std::string>& args) {
  static const po::options_description options = [] {
    static const std::unordered_set<std::string> kKeys = {"method",
                                                          "solver",
                                                          "woodfisher-steps",
                                                          "sparsity",
                                                          "allocation",
                                                          "budget",
                                                          "calibration-inputs",
                                                          "max-patches",
                                                          "ridge",
                                                          "max-iterations",
                                                          "splice",
                                                          "max-exchange",
                                                          "start"};
    const po::options_description all = prune_command_options();
    po::options_description in_memory;
    for (const auto& option : all.options())
      if (kKeys.contains(option->long_name())) in_memory.add(option);
    return in_memory;
  }();
  po::variables_map values;
  po::store(po::command_line_parser(args).options(options).run(), values);
  po::notify(values);
  require(values.count("sparsity") == 1, "--sparsity is required");
  return values;
}

py::dict layer_dict(const LayerPruningReport& l) {
  py::dict d;
  d["layer"] = l.name;
  d["rows"] = l.rows;
  d["columns"] = l.columns;
  d["weights"] = l.rows * l.columns;
  d["kept"] = l.kept;
  d["reconstruction_error"] = l.error;
  d["relative_error"] = l.relative_error;
  d["damped_error"] = l.damped_error;
  d["seconds"] = l.seconds;
  d["calibration_rows"] = l.calibration_rows;
  d["calibration_rows_available"] = l.calibration_available;
  return d;
}

/// `cardinal prune` on a network in memory: prune_one_shot with the options the flags describe.
py::dict prune(PythonNetwork& network, const at::Tensor& calibration,
               const std::optional<at::Tensor>& labels, const std::vector<std::string>& args) {
  const OneShotPruningOptions options = parse_one_shot_pruning(parse_prune_arguments(args));
  std::optional<OneShotPruning> pruned;
  {
    py::gil_scoped_release release;
    ScopedInterruptionCheck interruptible(python_interruption_check);
    pruned = prune_one_shot(network, calibration, options, labels ? *labels : at::Tensor());
  }
  py::dict out;
  out["method"] = to_string(options.method);
  out["masks"] = mask_dict(pruned->mask);
  py::list layers;
  for (const LayerPruningReport& l : pruned->layers) layers.append(layer_dict(l));
  out["layers"] = layers;
  if (pruned->fisher) {
    py::dict f;
    f["examples"] = pruned->fisher->examples;
    f["damping"] = pruned->fisher->damping;
    f["objective"] = pruned->fisher->objective;
    out["fisher"] = f;
  }
  return out;
}

/// One round of iterative pruning as the lottery runner prunes between levels (prune_trained in
/// lottery_run.cpp): magnitude pruning inside `masks`, or with a pruner (layerwise, obs) as many
/// weights per layer as magnitude pruning keeps, chosen by the pruner inside `masks` on the
/// calibration examples (PruningStep::prune; `args` its flags, as prune's, --allocation
/// reconstruction being the lottery's --pruner-allocation reconstruction; `values` its
/// --pruner-values).
py::dict imp_step(PythonNetwork& network, const std::optional<TensorMap>& masks, double fraction,
                  std::optional<double> output_fraction, const std::string& scope,
                  const std::string& pruner, const std::optional<at::Tensor>& calibration,
                  const std::string& values, std::vector<std::string> args) {
  require(scope == "global" || scope == "layerwise",
          "--pruning-scope must be global or layerwise, got '" + scope + "'");
  require(pruner == "magnitude" || pruner == "layerwise" || pruner == "obs",
          "--pruner must be magnitude, layerwise or obs, got '" + pruner + "'");
  require(pruner != "magnitude" || (args.empty() && !calibration && values == "reconstructed"),
          "the pruner's options and calibration examples apply to --pruner layerwise and obs "
          "only");
  require(pruner == "magnitude" || calibration.has_value(),
          "--pruner " + pruner + " needs calibration examples");
  PruningSpec spec;
  spec.fraction = fraction;
  spec.output_fraction = output_fraction;
  spec.scope = scope == "global" ? PruningScope::kGlobal : PruningScope::kLayerwise;
  const Mask previous = masks ? mask_from(network, *masks) : Mask::dense(network);
  Mask magnitude = prune_magnitude(network, previous, spec);
  if (pruner == "magnitude") return mask_dict(magnitude);
  // prune_within does not read --sparsity: a placeholder passes the checks. It reads
  // --allocation reconstruction (the rows share the step's total), and no other allocation.
  args.insert(args.begin(), {"--method=" + pruner, "--sparsity=0.5"});
  PruningStep step;
  step.options = parse_one_shot_pruning(parse_prune_arguments(args));
  step.values = parse_pruned_values(values);
  std::optional<OneShotPruning> pruned;
  {
    py::gil_scoped_release release;
    ScopedInterruptionCheck interruptible(python_interruption_check);
    pruned = step.prune(network, *calibration, previous, magnitude);
  }
  return mask_dict(pruned->mask);
}

void apply_masks(PythonNetwork& network, const TensorMap& masks) {
  mask_from(network, masks).apply(network);
}

py::list prunable_names(const PythonNetwork& network) {
  py::list out;
  for (const NamedTensor& t : prunable_tensors(network)) out.append(t.name);
  return out;
}

py::tuple load_snapshot(const std::string& path) {
  const Snapshot snapshot = Snapshot::load(path);
  py::dict parameters, buffers;
  for (const NamedTensor& t : snapshot.parameters()) parameters[py::str(t.name)] = t.tensor;
  for (const NamedTensor& t : snapshot.buffers()) buffers[py::str(t.name)] = t.tensor;
  return py::make_tuple(parameters, buffers);
}

py::dict load_mask(const std::string& path) {
  return mask_dict(Mask::load(path));
}

/// Split `split` of a known data set as the network commands read it: inputs N×C×H×W in [0, 1]
/// (normalized by the data set's standard statistics when `normalized`), labels.
py::tuple load_data(const std::string& name, const std::string& split, const std::string& data_dir,
                    bool normalized) {
  require(split == "train" || split == "test", "split must be train or test, got '" + split + "'");
  TensorDataset data;
  {
    py::gil_scoped_release release;
    data = load_dataset(name, data_dir, split);
  }
  const at::Tensor inputs =
      normalized ? normalize(data.inputs, standard_normalization(name)) : data.inputs;
  return py::make_tuple(inputs, data.labels);
}

}  // namespace
}  // namespace cardinal

PYBIND11_MODULE(_network, m) {
  m.doc() = "cardinal's network pruners on torch.nn.Module (see docs/python.md)";
  // The one InvalidInput of the package: the convex extension's.
  static py::object invalid_input = py::module_::import("cardinal._cardinal").attr("InvalidInput");
  py::register_exception<cardinal::ForwardStopped>(m, "ForwardStopped");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cardinal::InvalidInput& e) {
      PyErr_SetString(invalid_input.ptr(), e.what());
    } catch (const po::error& e) {
      PyErr_SetString(invalid_input.ptr(), e.what());
    }
  });
  using cardinal::PythonNetwork;
  py::class_<PythonNetwork, std::shared_ptr<PythonNetwork>>(m, "PythonNetwork")
      .def(py::init<py::object, const std::vector<py::tuple>&>(), py::arg("module"),
           py::arg("layers"))
      .def("notify", &PythonNetwork::notify)
      .def("prunable_names", &cardinal::prunable_names);
  m.def("prune", &cardinal::prune, py::arg("network"), py::arg("calibration"), py::arg("labels"),
        py::arg("args"));
  m.def("imp_step", &cardinal::imp_step, py::arg("network"), py::arg("masks"), py::arg("fraction"),
        py::arg("output_fraction"), py::arg("scope"), py::arg("pruner"), py::arg("calibration"),
        py::arg("values"), py::arg("args"));
  m.def("apply_masks", &cardinal::apply_masks, py::arg("network"), py::arg("masks"));
  m.def("load_snapshot", &cardinal::load_snapshot, py::arg("path"));
  m.def("load_mask", &cardinal::load_mask, py::arg("path"));
  m.def("load_data", &cardinal::load_data, py::arg("name"), py::arg("split"), py::arg("data_dir"),
        py::arg("normalized"));
}
