"""cardinal's network pruners on a torch.nn.Module defined in Python, and runs' stored networks.

The pruning is the command line's own code (the extension ``cardinal._network``): ``prune`` is
``cardinal prune`` on a module in memory, keyword for flag; ``imp_step`` is the magnitude round
``cardinal lottery`` prunes between levels. ``torch`` is imported first, so that the extension
uses PyTorch's LibTorch and tensors cross without copies. See docs/python.md.
"""

import dataclasses
import json
import pathlib

import torch

from . import _network
from ._cardinal import InvalidInput
from ._runs import run_directory
from ._solve import _flags

__all__ = [
    "LeNet5",
    "MultilayerPerceptron",
    "Pruning",
    "apply_masks",
    "imp_step",
    "lenet300",
    "load_data",
    "load_mask",
    "load_run",
    "load_snapshot",
    "mlpnet",
    "prunable_names",
    "prune",
]


def _prunable_layers(module):
    """(name, layer, kind) of each Linear and Conv2d of `module`, in named_modules() order."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module (got {type(module).__name__})")
    layers = []
    for name, layer in module.named_modules():
        if isinstance(layer, torch.nn.Linear):
            kind = "linear"
        elif isinstance(layer, torch.nn.Conv2d):
            kind = "conv2d"
        else:
            weight = layer._parameters.get("weight")
            if weight is not None and weight.dim() >= 2:
                raise InvalidInput(
                    f"{name or 'the module'} ({type(layer).__name__}) has a weight of "
                    f"{weight.dim()} dimensions; cardinal prunes the weights of Linear and "
                    "Conv2d layers only"
                )
            continue
        if name == "":
            raise InvalidInput(
                "the module is itself a single layer; wrap it (torch.nn.Sequential(layer)) so "
                "that its weight has a name"
            )
        layers.append((name, layer, kind))
    if not layers:
        raise InvalidInput("the module has no prunable layer (a Linear or Conv2d weight)")
    return layers


class _Network:
    """The module as a cardinal Network while the `with` block runs: each layer's forward
    pre-hook shows its input to cardinal's layer observer. The module's training modes and
    gradients are as they were afterwards (the pruners switch to evaluation mode; the Fisher
    model runs backward passes). With `restore_on_error`, a failure midway (examples a later
    layer cannot read, Ctrl-C) puts the prunable weights back as they were."""

    def __init__(self, module, restore_on_error=False):
        self.layers = _prunable_layers(module)
        self.network = _network.PythonNetwork(module, self.layers)
        self.handles = []
        self.modes = [(m, m.training) for m in module.modules()]
        self.grads = [(p, p.grad) for p in module.parameters()]
        self.saved = None
        if restore_on_error:
            self.saved = [layer.weight.detach().clone() for _, layer, _ in self.layers]

    def __enter__(self):
        network = self.network
        for p, _ in self.grads:  # set aside: the Fisher model's backward passes zero them
            p.grad = None

        def hook(index):
            return lambda layer, inputs: network.notify(index, inputs[0])

        self.handles = [
            layer.register_forward_pre_hook(hook(i)) for i, (_, layer, _) in enumerate(self.layers)
        ]
        return network

    def __exit__(self, kind, value, traceback):
        for handle in self.handles:
            handle.remove()
        self.handles = []
        for m, training in self.modes:
            m.training = training
        for p, grad in self.grads:
            p.grad = grad
        if kind is not None and self.saved is not None:
            with torch.no_grad():
                for (_, layer, _), saved in zip(self.layers, self.saved):
                    layer.weight.copy_(saved)
        return False


def prunable_names(module):
    """The names of `module`'s prunable weights (its Linear and Conv2d layers), in the order of
    cardinal's masks: the keys of the masks ``prune`` and ``imp_step`` return."""
    with _Network(module) as network:
        return network.prunable_names()


@dataclasses.dataclass
class Pruning:
    """What ``cardinal prune`` records: the mask of each prunable weight (bool tensors keyed by
    parameter name, as pruned.mask holds them) and each layer's row of layers.csv
    (``pandas.DataFrame(pruning.layers)`` is the table)."""

    method: str
    masks: dict
    layers: list
    fisher: dict | None = None


def _check_tensor(value, name):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (got {type(value).__name__})")
    if not value.is_floating_point() and name == "calibration":
        raise TypeError(f"calibration must be a floating-point tensor (got {value.dtype})")
    if name == "labels" and (value.is_floating_point() or value.is_complex() or
                             value.dtype == torch.bool):
        raise TypeError(f"labels must be a tensor of class indices, an integer dtype (got "
                        f"{value.dtype})")


def prune(module, calibration, *, sparsity, method="layerwise", labels=None, **options):
    """Prunes `module` in place as ``cardinal prune`` prunes a trained network, and returns the
    masks (a ``Pruning``).

    `calibration` holds the examples each layer's inputs are read on (N examples as the module
    reads them, normalized as in training: ``cardinal prune --calibration N`` uses the first N
    training examples, ``load_data`` gives them). ``sparsity`` is the fraction of the weights
    removed, in (0, 1); ``method`` is magnitude | magnitude-layerwise | obs | layerwise | fisher |
    woodfisher (the Fisher methods need the examples' ``labels``). Every other flag of
    ``cardinal prune``'s pruning options is a keyword, with the command's default: ``solver="omp"``,
    ``allocation="global"``, ``budget="row"``, ``calibration_inputs="sequential"``,
    ``ridge=0.01``, ``max_patches=50000``, ``max_iterations=1000``, ``woodfisher_steps=1``, ``start="zero"``.

    The module's Linear and Conv2d weights are replaced by the pruned ones (exactly zero where not
    kept), layer by layer in module order; biases and other parameters are left alone; on an
    error the weights are put back. A layer must be called as a module (its forward pre-hooks
    run) for its inputs to be read.
    """
    _check_tensor(calibration, "calibration")
    if labels is not None:
        _check_tensor(labels, "labels")
        if method not in ("fisher", "woodfisher"):
            raise InvalidInput(f"labels apply to method fisher and woodfisher only, not '{method}'")
    args = _flags({"sparsity": sparsity, "method": method, **options})
    with _Network(module, restore_on_error=True) as network:
        result = _network.prune(network, calibration, labels, args)
    return Pruning(
        method=result["method"],
        masks=result["masks"],
        layers=result["layers"],
        fisher=result.get("fisher"),
    )


def imp_step(
    module,
    masks=None,
    *,
    fraction=0.2,
    scope="layerwise",
    output_fraction=0.1,
    pruner="magnitude",
    calibration=None,
    values="reconstructed",
    **options,
):
    """One round of iterative pruning, as ``cardinal lottery`` prunes between levels (its
    defaults): of the weights `masks` keeps (all when None), removes the `fraction` of smallest
    |w| (the output layer: `output_fraction`, None for `fraction`), in each layer (scope
    "layerwise") or ranked over all layers ("global"). Weights the masks remove stay removed.
    Returns the new masks; the module is not changed (``apply_masks`` applies them).

    With ``pruner="layerwise"`` or ``"obs"`` (``--pruner``), each layer keeps as many weights as
    magnitude pruning leaves it, chosen inside `masks` by that pruner on the `calibration`
    examples, which then also reconstructs the module's weights in place, as the lottery does
    (``values="kept"``, ``--pruner-values kept``: the kept weights keep their values instead);
    ``options`` are its flags as keywords (``solver``, ``calibration_inputs``, ``ridge``,
    ``max_iterations``, ``splice``; ``allocation="reconstruction"``, ``--pruner-allocation
    reconstruction``: the rows of all the layers share the step's total by their OBS error
    paths instead of each layer keeping magnitude's count)."""
    if calibration is not None:
        _check_tensor(calibration, "calibration")
    with _Network(module, restore_on_error=pruner != "magnitude") as network:
        return _network.imp_step(
            network,
            masks,
            float(fraction),
            None if output_fraction is None else float(output_fraction),
            scope,
            pruner,
            calibration,
            values,
            _flags(options),
        )


def apply_masks(module, masks, *, reparametrize=False):
    """Applies masks (bool tensors keyed by parameter name, one per prunable weight) to `module`.

    By default the weights are zeroed in place where the masks remove them (w ← w ⊙ m, outside
    autograd), as cardinal applies its masks; training afterwards may make them nonzero again
    unless the gradients are masked too. With ``reparametrize=True`` each weight is instead
    reparametrized by ``torch.nn.utils.prune.custom_from_mask`` (weight = weight_orig * mask on
    every forward pass), which keeps the pruned weights at zero through training."""
    if not reparametrize:
        with _Network(module) as network:
            _network.apply_masks(network, masks)
        return module
    from torch.nn.utils import prune as torch_prune

    names = prunable_names(module)
    unknown = sorted(set(masks) - set(names))
    if unknown or len(masks) != len(names):
        raise InvalidInput(
            f"the masks have {len(masks)} entries for {len(names)} prunable tensors"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    layers = dict(module.named_modules())
    for name in names:
        layer = layers[name.rsplit(".", 1)[0]]
        torch_prune.custom_from_mask(layer, "weight", masks[name].to(layer.weight.device))
    return module


def load_snapshot(path):
    """The parameters and buffers of a cardinal snapshot file (dense.snapshot, end.snapshot, ...),
    as one state dict keyed by the names of cardinal's models."""
    parameters, buffers = _network.load_snapshot(str(path))
    return {**parameters, **buffers}


def load_mask(path):
    """A cardinal mask file (pruned.mask, mask.mask) as bool tensors keyed by parameter name."""
    return _network.load_mask(str(path))


def _last_complete_level(run):
    levels = sorted(
        int(p.name.split("-", 1)[1])
        for p in run.glob("level-*")
        if p.name.split("-", 1)[1].isdigit() and (p / "DONE.json").exists()
    )
    if not levels:
        raise InvalidInput(f"the lottery run {run} has no complete level")
    return levels[-1]


def load_run(run, run_id=None, *, level=None, weights=None):
    """The weights and masks a run stored: ``(state_dict, masks)``, keyed by the parameter names of
    cardinal's models (``lenet300()``, ``mlpnet()``, ``LeNet5()`` here have the same names, so
    ``model.load_state_dict(state_dict)`` works).

    `run` is a run directory, or a store with `run_id` one of its runs (a run of an experiment:
    the files its command wrote, under output/). A ``cardinal prune`` run
    gives its pruned.snapshot and pruned.mask (``weights="dense"``: its dense.snapshot and no
    masks). A ``cardinal lottery`` run gives level `level` (default: the last complete one):
    its ``weights`` snapshot ("end", the default; "start"; or "rewind", level 0 only) and its mask.
    A ``cardinal solve --problem network`` run gives the solver's weights.snapshot and mask.mask.
    """
    if run_id is not None:
        path = run_directory(run, run_id)
    else:
        path = pathlib.Path(run)
        if not path.is_dir():
            raise InvalidInput(f"no run at {path}")
    if (path / "output").is_dir():  # a run of an experiment: the command's files
        path = path / "output"
    lottery = [p for p in path.glob("lottery-*") if p.is_dir()]
    if len(lottery) == 1 and not any(path.glob("level-*")):  # a lottery store of one run
        path = lottery[0]
    if (path / "pruned.mask").exists():
        weights = weights or "pruned"
        if weights not in ("pruned", "dense"):
            raise InvalidInput(f"a prune run stores pruned or dense weights, not '{weights}'")
        if level is not None:
            raise InvalidInput("a prune run has no levels")
        state = load_snapshot(path / f"{weights}.snapshot")
        return state, (load_mask(path / "pruned.mask") if weights == "pruned" else None)
    if (path / "weights.snapshot").exists() and (path / "mask.mask").exists():
        if weights is not None:
            raise InvalidInput(
                f"a network solve run stores one set of weights (weights.snapshot), not '{weights}'"
            )
        if level is not None:
            raise InvalidInput("a network solve run has no levels")
        return load_snapshot(path / "weights.snapshot"), load_mask(path / "mask.mask")
    if any(path.glob("level-*")):
        weights = weights or "end"
        if weights not in ("start", "end", "rewind"):
            raise InvalidInput(f"a lottery level stores start, end or rewind weights, not '{weights}'")
        level = _last_complete_level(path) if level is None else int(level)
        stage = path / f"level-{level}"
        if not (stage / "DONE.json").exists():
            raise InvalidInput(f"level {level} of the lottery run {path} is not complete")
        return load_snapshot(stage / f"{weights}.snapshot"), load_mask(stage / "mask.mask")
    raise InvalidInput(
        f"{path} is neither a prune run, a lottery run nor a network solve run of cardinal"
    )


def load_data(dataset="mnist", split="train", *, data_dir=None, count=None, normalized=True):
    """Split `split` of a data set as the network commands read it: ``(inputs, labels)``, inputs
    N×C×H×W, normalized by the data set's standard statistics as training normalizes them (the
    calibration examples of ``cardinal prune --calibration N`` are ``inputs[:N]`` of the training
    split). `data_dir` as ``--data-dir`` (default: the data set's standard folders)."""
    inputs, labels = _network.load_data(dataset, split, "" if data_dir is None else str(data_dir),
                                        normalized)
    if count is not None:
        inputs, labels = inputs[:count], labels[:count]
    return inputs, labels


class MultilayerPerceptron(torch.nn.Module):
    """cardinal's fully connected ReLU network on the flattened input (nonconvex/models/lenet.hpp):
    layers fc1, fc2, ... and the output layer fc, the same parameter names and forward pass.
    PyTorch's default initialization (cardinal's models use Kaiming-normal): load weights with
    ``load_state_dict``."""

    def __init__(self, inputs, hidden, classes, bias=True):
        super().__init__()
        width = inputs
        self.hidden = []
        for i, h in enumerate(hidden):
            layer = torch.nn.Linear(width, h, bias=bias)
            self.add_module(f"fc{i + 1}", layer)
            self.hidden.append(layer)
            width = h
        self.fc = torch.nn.Linear(width, classes, bias=bias)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden:
            x = layer(x).relu()
        return self.fc(x)


def lenet300(inputs=784, classes=10):
    """LeNet-300-100 (cardinal's ``--model lenet300``)."""
    return MultilayerPerceptron(inputs, [300, 100], classes)


def mlpnet(inputs=784, classes=10):
    """MLPNet, 784-40-20-10 without biases (cardinal's ``--model mlpnet``)."""
    return MultilayerPerceptron(inputs, [40, 20], classes, bias=False)


class LeNet5(torch.nn.Module):
    """cardinal's LeNet-5 (``--model lenet5``): conv1 6@5×5 pad 2, ReLU, max-pool 2, conv2 16@5×5,
    ReLU, max-pool 2, fc1 120, fc2 84, fc; the same names and forward pass."""

    def __init__(self, channels=1, height=28, width=28, classes=10):
        super().__init__()
        rows, cols = (height // 2 - 4) // 2, (width // 2 - 4) // 2
        self.conv1 = torch.nn.Conv2d(channels, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * rows * cols, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc = torch.nn.Linear(84, classes)

    def forward(self, x):
        x = torch.max_pool2d(self.conv1(x).relu(), 2)
        x = torch.max_pool2d(self.conv2(x).relu(), 2).flatten(1)
        x = self.fc1(x).relu()
        x = self.fc2(x).relu()
        return self.fc(x)
