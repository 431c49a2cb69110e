"""cardinal.network against the command line: pruning a torch.nn.Module defined in Python gives the
masks and weights `cardinal prune` stores for the same trained weights, calibration examples and
options, bit for bit; an IMP step gives the mask `cardinal lottery` stores; bad input raises the
command line's message."""

import gc
import json
import math
import os
import pathlib
import signal
import sys
import threading
import time
import tracemalloc

import pytest

torch = pytest.importorskip("torch", reason="python3-torch is not installed")

try:
    import cardinal.network as cn
except ImportError as error:  # built without python3-torch at configure time
    pytest.skip(f"cardinal.network is not built ({error})", allow_module_level=True)

import cardinal
from conftest import run_cardinal

# The committed Fashion-MNIST fixture: 32 training and 16 test images.
DATA = pathlib.Path(__file__).parents[1] / "data/nonconvex/fashion-mnist-gz"
TINY = ["--dataset", "fashion-mnist", "--data-dir", DATA, "--batch-size", "8", "--threads", "1"]

MODELS = {"lenet300": cn.lenet300, "mlpnet": cn.mlpnet, "lenet5": cn.LeNet5}


@pytest.fixture(autouse=True)
def one_thread():
    # The command line runs with --threads 1: the same matrix products, rounded the same way.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def pruned_count(fraction, remaining):
    """cardinal's count rule (pruning_spec.hpp): round(f·r) with ties away from zero."""
    return math.floor(fraction * remaining + 0.5)


def calibration(n):
    inputs, labels = cn.load_data("fashion-mnist", "train", data_dir=DATA, count=n)
    return inputs, labels


def cli_prune(tmp_path, model, *flags, name="run"):
    out = tmp_path / name
    run_cardinal(
        "prune", "--model", model, *TINY, "--iterations", "6", "--seed", "4", *flags,
        "--output", out, "-q",
    )
    return out


def dense_model(run, model):
    module = MODELS[model]()
    state, masks = cn.load_run(run, weights="dense")
    assert masks is None
    module.load_state_dict(state)
    return module


def assert_same_tensors(a, b):
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize(
    "model,flags",
    [
        ("mlpnet", ["--method", "layerwise", "--sparsity", "0.9", "--calibration", "32"]),
        ("mlpnet", ["--method", "obs", "--sparsity", "0.8", "--calibration", "20",
                    "--allocation", "uniform"]),
        ("lenet300", ["--method", "magnitude", "--sparsity", "0.95", "--calibration", "8"]),
        ("mlpnet", ["--method", "layerwise", "--solver", "iht", "--budget", "layer",
                    "--max-iterations", "20", "--sparsity", "0.7", "--calibration", "16",
                    "--calibration-inputs", "parallel", "--ridge", "0.1"]),
        ("lenet5", ["--method", "layerwise", "--sparsity", "0.8", "--calibration", "12",
                    "--max-patches", "500"]),
    ],
    ids=["mlpnet-layerwise", "mlpnet-obs", "lenet300-magnitude", "mlpnet-layer-iht",
         "lenet5-layerwise"],
)
def test_prune_equals_the_command_line(tmp_path, model, flags):
    run = cli_prune(tmp_path, model, *flags)
    module = dense_model(run, model)
    options = dict(zip(flags[::2], flags[1::2]))
    n = int(options.pop("--calibration"))
    keywords = {k[2:].replace("-", "_"): v for k, v in options.items()}
    keywords["sparsity"] = float(keywords["sparsity"])
    inputs, _ = calibration(n)

    result = cn.prune(module, inputs, **keywords)

    stored_state, stored_masks = cn.load_run(run)
    assert_same_tensors(result.masks, stored_masks)
    assert_same_tensors(dict(module.state_dict()), stored_state)
    # The per-layer report is layers.csv's.
    layers = cardinal.load_run_table(run.parent, run.name, "layers.csv")
    assert [l["layer"] for l in result.layers] == list(layers["layer"])
    assert [l["kept"] for l in result.layers] == list(layers["kept"])
    for ours, theirs in zip(result.layers, layers["reconstruction_error"]):
        assert ours["reconstruction_error"] == theirs
    assert result.masks[cn.prunable_names(module)[-1]].dtype == torch.bool


@pytest.mark.parametrize(
    "model,flags",
    [
        ("mlpnet", ["--method", "fisher", "--solver", "omp", "--sparsity", "0.9"]),
        ("mlpnet", ["--method", "fisher", "--solver", "iht", "--max-iterations", "30",
                    "--sparsity", "0.8", "--ridge", "0.05"]),
        ("mlpnet", ["--method", "fisher", "--solver", "iht", "--start", "magnitude",
                    "--max-iterations", "30", "--sparsity", "0.8", "--ridge", "0.05"]),
        ("mlpnet", ["--method", "woodfisher", "--sparsity", "0.9", "--woodfisher-steps", "3"]),
        ("lenet300", ["--method", "woodfisher", "--sparsity", "0.95"]),
    ],
    ids=["mlpnet-fisher-omp", "mlpnet-fisher-iht", "mlpnet-fisher-iht-magnitude-start",
         "mlpnet-woodfisher", "lenet300-woodfisher"],
)
def test_fisher_equals_the_command_line(tmp_path, model, flags):
    run = cli_prune(tmp_path, model, *flags, "--calibration", "12")
    module = dense_model(run, model)
    module.fc1.weight.grad = torch.full_like(module.fc1.weight, 3.0)
    module.train()
    keywords = {k[2:].replace("-", "_"): v for k, v in zip(flags[::2], flags[1::2])}
    keywords["sparsity"] = float(keywords["sparsity"])
    inputs, labels = calibration(12)

    result = cn.prune(module, inputs, labels=labels, **keywords)

    stored_state, stored_masks = cn.load_run(run)
    assert_same_tensors(result.masks, stored_masks)
    assert_same_tensors(dict(module.state_dict()), stored_state)
    layers = cardinal.load_run_table(run.parent, run.name, "layers.csv")
    assert [l["kept"] for l in result.layers] == list(layers["kept"])
    assert [l["reconstruction_error"] for l in result.layers] == list(
        layers["reconstruction_error"])
    summary = json.loads((run / "summary.json").read_text())["fisher"]
    assert result.fisher["examples"] == summary["examples"] == 12
    assert result.fisher["damping"] == summary["damping"]
    assert result.fisher["objective"] == summary["objective"]
    # The budget is global: the layers keep what the Fisher solution decides, not a fixed share.
    total = sum(m.numel() for m in result.masks.values())
    kept = total - pruned_count(keywords["sparsity"], total)
    assert sum(l["kept"] for l in result.layers) == kept
    # The gradients and the training mode are as they were (the model is taken in evaluation mode).
    assert torch.equal(module.fc1.weight.grad, torch.full_like(module.fc1.weight, 3.0))
    assert module.fc.weight.grad is None
    assert module.training and module.fc1.training


def test_fisher_input_errors():
    inputs, labels = calibration(6)
    module = cn.mlpnet()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(cardinal.InvalidInput, match="^Fisher pruning needs the calibration "
                                                    "examples' labels$"):
        cn.prune(module, inputs, sparsity=0.5, method="fisher")
    with pytest.raises(cardinal.InvalidInput, match="^Fisher model: 6 examples but 5 labels$"):
        cn.prune(module, inputs, labels=labels[:5], sparsity=0.5, method="woodfisher")
    with pytest.raises(TypeError, match="labels must be a tensor of class indices"):
        cn.prune(module, inputs, labels=labels.float(), sparsity=0.5, method="fisher")
    with pytest.raises(cardinal.InvalidInput, match="labels apply to method fisher and "
                                                    "woodfisher only, not 'layerwise'"):
        cn.prune(module, inputs, labels=labels, sparsity=0.5)
    assert_same_tensors(dict(module.state_dict()), before)
    # The Fisher model is built for fully connected networks: a convolution is named.
    with pytest.raises(cardinal.InvalidInput, match="conv1.weight is a convolution's weight"):
        cn.prune(cn.LeNet5(), inputs, labels=labels, sparsity=0.5, method="fisher")
    # A weight that does not require gradients has no per-example gradient.
    module.fc2.weight.requires_grad_(False)
    with pytest.raises(cardinal.InvalidInput, match="no gradient with respect to fc2.weight"):
        cn.prune(module, inputs, labels=labels, sparsity=0.5, method="fisher")
    assert_same_tensors(dict(module.state_dict()), before)


def test_imp_step_equals_the_lottery_mask(tmp_path):
    store = tmp_path / "store"
    run_cardinal(
        "lottery", "--model", "mlpnet", *TINY, "--iterations", "4", "--levels", "2",
        "--prune-fraction", "0.3", "--output-fraction", "0.15", "--pruning-scope", "global",
        "--store", store, "-q",
    )
    (run,) = [p for p in store.iterdir() if p.is_dir() and p.name.startswith("lottery-")]
    module = cn.mlpnet()
    for level in (0, 1):
        state, masks = cn.load_run(run, level=level)
        module.load_state_dict(state)
        step = cn.imp_step(module, masks, fraction=0.3, scope="global", output_fraction=0.15)
        _, stored = cn.load_run(run, level=level + 1)
        assert_same_tensors(step, stored)
        # The step is a real one: it removed weights the previous mask kept.
        assert sum(int(m.sum()) for m in step.values()) < sum(int(m.sum()) for m in masks.values())
    # The last complete level is the default; the store of one run reads as the run.
    _, last = cn.load_run(run)
    assert_same_tensors(last, cn.load_run(run, level=2)[1])
    assert_same_tensors(last, cn.load_run(store)[1])
    assert_same_tensors(last, cn.load_run(store, run.name)[1])


@pytest.mark.parametrize(
    "pruner,flags",
    [
        ("layerwise", ["--pruner-solver", "iht", "--pruner-iterations", "20"]),
        ("obs", []),
        ("obs", ["--pruner-allocation", "reconstruction"]),
    ],
)
def test_imp_step_with_a_pruner_equals_the_lottery_mask(tmp_path, pruner, flags):
    store = tmp_path / "store"
    run_cardinal(
        "lottery", "--model", "mlpnet", *TINY, "--iterations", "4", "--levels", "1",
        "--pruner", pruner, *flags, "--calibration", "16", "--pruner-ridge", "0.05",
        "--store", store, "-q",
    )
    module = cn.mlpnet()
    state, masks = cn.load_run(store, level=0)
    module.load_state_dict(state)
    inputs, _ = calibration(16)
    # The module takes the pruner's options by the names of cardinal prune's flags.
    prune_names = {"--pruner-solver": "solver", "--pruner-iterations": "max_iterations",
                   "--pruner-allocation": "allocation"}
    keywords = {prune_names[k]: v for k, v in zip(flags[::2], flags[1::2])}
    step = cn.imp_step(module, masks, pruner=pruner, calibration=inputs, ridge=0.05, **keywords)
    _, stored = cn.load_run(store, level=1)
    assert_same_tensors(step, stored)
    # Not magnitude's choice, and the weights reconstructed in place.
    module.load_state_dict(state)
    assert not all(torch.equal(a, b) for a, b in zip(cn.imp_step(module, masks).values(),
                                                      step.values()))
    reconstructed = cn.mlpnet()
    reconstructed.load_state_dict(state)
    cn.imp_step(reconstructed, masks, pruner=pruner, calibration=inputs, ridge=0.05, **keywords)
    assert not torch.equal(reconstructed.fc2.weight[stored["fc2.weight"]],
                           module.fc2.weight[stored["fc2.weight"]])
    # values="kept": the pruner's masks, the module's own weights on them.
    kept = cn.mlpnet()
    kept.load_state_dict(state)
    kept_masks = cn.imp_step(kept, masks, pruner=pruner, calibration=inputs, ridge=0.05,
                             values="kept", **keywords)
    assert_same_tensors(kept_masks, stored)
    for name, mask in stored.items():
        assert torch.equal(dict(kept.named_parameters())[name].detach(), state[name] * mask)
    with pytest.raises(cardinal.InvalidInput, match="needs calibration examples"):
        cn.imp_step(module, masks, pruner=pruner)
    with pytest.raises(cardinal.InvalidInput, match="--pruner must be magnitude, layerwise or obs"):
        cn.imp_step(module, masks, pruner="nosuch", calibration=inputs)


def test_imp_step_layerwise_counts():
    torch.manual_seed(0)
    module = cn.mlpnet()
    masks = cn.imp_step(module, fraction=0.5, scope="layerwise", output_fraction=None)
    for name, param in module.named_parameters():
        kept = int(masks[name].sum())
        assert kept == param.numel() - pruned_count(0.5, param.numel())
        # The kept weights are the largest in magnitude.
        assert param.detach().abs()[masks[name]].min() >= param.detach().abs()[~masks[name]].max()


def test_apply_masks_zeroes_or_reparametrizes():
    torch.manual_seed(1)
    module = cn.mlpnet()
    masks = cn.imp_step(module, fraction=0.6)
    cn.apply_masks(module, masks)
    for name, param in module.named_parameters():
        assert torch.all(param[~masks[name]] == 0)
        assert torch.all(param[masks[name]] != 0)
    other = cn.mlpnet()
    cn.apply_masks(other, masks, reparametrize=True)
    assert torch.equal(other.fc1.weight_mask, masks["fc1.weight"].to(other.fc1.weight.dtype))
    assert torch.all(other.fc1.weight[~masks["fc1.weight"]] == 0)


def test_pruning_leaves_torch_random_stream_alone():
    module = cn.lenet300()
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    cn.imp_step(module, fraction=0.2)
    assert torch.equal(torch.rand(3), expected)


def test_parameter_names_match_cardinal_models(tmp_path):
    for model, make in MODELS.items():
        run = cli_prune(tmp_path, model, "--method", "magnitude", "--sparsity", "0.5",
                        "--calibration", "2", name=model)
        state, masks = cn.load_run(run)
        module = make()
        module.load_state_dict(state)  # strict: the same names and shapes
        assert list(masks) == cn.prunable_names(module)


def test_conv_model_prunes_layerwise():
    torch.manual_seed(2)
    module = cn.LeNet5()
    inputs, _ = calibration(16)
    result = cn.prune(module, inputs, sparsity=0.75, method="layerwise", allocation="uniform")
    for name, param in module.named_parameters():
        if name in result.masks:
            mask = result.masks[name]
            assert mask.shape == param.shape
            assert int(mask.sum()) == param.numel() - pruned_count(0.75, param.numel())
            assert torch.all(param[~mask] == 0)
    conv1 = next(l for l in result.layers if l["layer"] == "conv1.weight")
    assert conv1["calibration_rows"] == 16 * 28 * 28 and conv1["columns"] == 25
    assert 0 < conv1["relative_error"] < 1


def test_sequential_container_names():
    torch.manual_seed(3)
    module = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10)
    )
    inputs, _ = calibration(8)
    result = cn.prune(module, inputs, sparsity=0.5, method="obs")
    assert list(result.masks) == ["1.weight", "3.weight"]
    total = 784 * 16 + 16 * 10
    kept = int(result.masks["1.weight"].sum()) + int(result.masks["3.weight"].sum())
    assert kept == total - pruned_count(0.5, total)


# Bad input: the command line's messages, as cardinal.InvalidInput (a ValueError).


def message_of(tmp_path, *flags):
    result = run_cardinal("prune", "--model", "mlpnet", *TINY, "--iterations", "1",
                          *flags, "--output", tmp_path / "bad", check=False)
    assert result.returncode != 0
    prefix = "cardinal prune: error: "
    (line,) = [l for l in result.stderr.splitlines() if l.startswith(prefix)]
    return line[len(prefix):]


@pytest.mark.parametrize(
    "flags",
    [
        ["--sparsity", "1.5"],
        ["--sparsity", "0.5", "--method", "nosuch"],
        ["--sparsity", "0.5", "--method", "obs", "--solver", "fgs"],
        ["--sparsity", "0.5", "--ridge", "-1"],
        ["--sparsity", "0.5", "--solver", "omp", "--budget", "layer"],
    ],
)
def test_bad_options_raise_the_command_line_message(tmp_path, flags):
    expected = message_of(tmp_path, *flags)
    keywords = {flags[i][2:].replace("-", "_"): flags[i + 1] for i in range(0, len(flags), 2)}
    keywords["sparsity"] = float(keywords["sparsity"])
    inputs, _ = calibration(4)
    module = cn.mlpnet()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(cardinal.InvalidInput) as error:
        cn.prune(module, inputs, **keywords)
    assert str(error.value) == expected
    assert_same_tensors(dict(module.state_dict()), before)  # nothing pruned


def test_unknown_keyword():
    inputs, _ = calibration(4)
    with pytest.raises(cardinal.InvalidInput, match="unrecognised option '--no-such-flag=3'"):
        cn.prune(cn.mlpnet(), inputs, sparsity=0.5, no_such_flag=3)


def test_calibration_of_the_wrong_shape():
    module = cn.mlpnet()
    with pytest.raises(cardinal.InvalidInput) as error:
        cn.prune(module, torch.zeros(5, 3), sparsity=0.5)
    assert str(error.value) == "layer-wise pruning: a layer reads 3 inputs but its weight has 784 columns"
    # A forward pass that fails in Python (8×8 images are too small for LeNet-5's conv2): its
    # message after the command line's, and the module as it was (conv1 was pruned first).
    module = cn.LeNet5()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(cardinal.InvalidInput) as error:
        cn.prune(module, torch.zeros(5, 1, 8, 8), sparsity=0.5)
    message = str(error.value)
    assert message.startswith(
        "layer-wise pruning: the network cannot read calibration examples of shape [5, 1, 8, 8]: "
    )
    assert_same_tensors(dict(module.state_dict()), before)
    with pytest.raises(cardinal.InvalidInput, match="a convolution's input must be a batch"):
        cn.prune(module, torch.zeros(5, 3), sparsity=0.5)
    module = cn.mlpnet()
    with pytest.raises(TypeError, match="calibration must be a floating-point tensor"):
        cn.prune(module, torch.zeros(5, 784, dtype=torch.long), sparsity=0.5)


def test_module_without_prunable_layer():
    for module in (torch.nn.Sequential(torch.nn.ReLU()), torch.nn.Sequential()):
        with pytest.raises(cardinal.InvalidInput, match="the module has no prunable layer"):
            cn.prune(module, torch.zeros(2, 4), sparsity=0.5)
        with pytest.raises(cardinal.InvalidInput, match="the module has no prunable layer"):
            cn.imp_step(module)
    with pytest.raises(cardinal.InvalidInput, match="Embedding"):
        cn.imp_step(torch.nn.Sequential(torch.nn.Embedding(10, 4)))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        cn.imp_step(object())


@pytest.mark.parametrize("fraction", [-0.1, 1.5, math.nan])
def test_imp_fraction_outside_the_unit_interval(fraction):
    with pytest.raises(cardinal.InvalidInput, match=r"pruning fraction must be in \[0, 1\]"):
        cn.imp_step(cn.mlpnet(), fraction=fraction)
    with pytest.raises(cardinal.InvalidInput, match=r"pruning output_fraction must be in \[0, 1\]"):
        cn.imp_step(cn.mlpnet(), fraction=0.2, output_fraction=fraction)


def test_masks_that_do_not_match():
    module = cn.mlpnet()
    masks = cn.imp_step(module)
    del masks["fc.weight"]
    with pytest.raises(cardinal.InvalidInput, match="the masks have no entry for fc.weight"):
        cn.imp_step(module, masks)
    masks = cn.imp_step(module)
    masks["fc1.weight"] = masks["fc1.weight"][:3]
    with pytest.raises(cardinal.InvalidInput, match="fc1.weight"):
        cn.apply_masks(module, masks)


def test_load_run_of_a_network_solve(tmp_path):
    out = tmp_path / "solve"
    run_cardinal("solve", "--problem", "network", "--model", "mlpnet", *TINY, "--solver", "iht",
                 "--step", "0.05", "--sparsity", "0.1", "--max-iterations", "3", "--seed", "2",
                 "--output", out, "-q")
    solution = json.loads((out / "solution.json").read_text())
    state, masks = cn.load_run(out)
    module = cn.mlpnet()
    module.load_state_dict(state)  # strict: cardinal's names and shapes
    assert list(masks) == cn.prunable_names(module)
    assert sum(int(m.sum()) for m in masks.values()) == solution["weights_remaining"] == 3236
    params = dict(module.named_parameters())
    for name, mask in masks.items():
        assert torch.all(params[name][~mask] == 0), name
    assert sum(int((params[n] != 0).sum()) for n in masks) == solution["nonzero_weights"]
    # The weights are the solver's: the module classifies the test split as the run reported.
    inputs, labels = cn.load_data("fashion-mnist", "test", data_dir=DATA)
    module.eval()
    with torch.no_grad():
        outputs = module(inputs)
    assert (outputs.argmax(1) == labels).double().mean().item() == solution["test_accuracy"]
    loss = torch.nn.functional.cross_entropy(outputs, labels).item()
    assert loss == pytest.approx(solution["test_loss"], rel=1e-6)
    with pytest.raises(cardinal.InvalidInput, match="stores one set of weights"):
        cn.load_run(out, weights="dense")
    with pytest.raises(cardinal.InvalidInput, match="has no levels"):
        cn.load_run(out, level=1)


def test_load_run_errors(tmp_path):
    with pytest.raises(cardinal.InvalidInput, match="no run at"):
        cn.load_run(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(cardinal.InvalidInput, match="neither a prune run, a lottery run nor"):
        cn.load_run(tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken/pruned.mask").write_text("not a mask")
    (tmp_path / "broken/pruned.snapshot").write_text("not a snapshot")
    with pytest.raises(cardinal.InvalidInput, match="pruned.snapshot"):
        cn.load_run(tmp_path / "broken")


def test_import_cardinal_loads_no_libtorch():
    import subprocess
    import sys

    code = (
        "import cardinal\n"
        "maps = open('/proc/self/maps').read()\n"
        "print('libtorch' in maps, 'torch' in __import__('sys').modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("method", ["layerwise", "obs", "magnitude"])
def test_nan_weights_or_examples(method):
    inputs, _ = calibration(8)
    module = cn.mlpnet()
    with torch.no_grad():
        module.fc2.weight[3, 5] = math.nan
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(cardinal.InvalidInput, match="covariance rows: H, B and c must be finite"):
        cn.prune(module, inputs, sparsity=0.5, method=method)
    for name, value in module.state_dict().items():
        assert torch.equal(value.nan_to_num(7.0), before[name].nan_to_num(7.0)), name
    inputs[2, 0, 4, 4] = math.nan
    with pytest.raises(cardinal.InvalidInput, match="must be finite"):
        cn.prune(cn.mlpnet(), inputs, sparsity=0.5, method=method)


def test_imp_step_ranks_nan_as_infinite():
    # magnitude_pruning.hpp: a NaN weight ranks as an infinite one (kept), as in the lottery.
    module = cn.mlpnet()
    with torch.no_grad():
        module.fc2.weight[3, 5] = math.nan
    masks = cn.imp_step(module, fraction=0.9)
    assert bool(masks["fc2.weight"][3, 5])


def test_keyboard_interrupt_in_the_forward_pass_stays_one():
    class Interrupted(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 3)
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, x):
            x = self.fc1(x)
            raise KeyboardInterrupt

    module = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        cn.prune(module, torch.zeros(3, 4), sparsity=0.5)


def slow_to_prune(rows):
    """Two layers: the first prunes in milliseconds, the second (rows × 1000 weights, half of
    each row kept) takes about 0.1 s a row with OMP (500 forward steps) and 0.2 s with OBS (500
    removals) on one core."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(16, 1000), torch.nn.ReLU(), torch.nn.Linear(1000, rows)
    )
    inputs = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
    return module, inputs


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
@pytest.mark.parametrize("method", ["layerwise", "obs"])
def test_ctrl_c_interrupts_a_long_prune(method):
    # About 80 s (OMP) or 200 s (OBS) uninterrupted on two cores. OMP polls the interruption
    # check every forward step; OBS's rows have no iterations and are polled between rows.
    module, inputs = slow_to_prune(1000)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    main = threading.main_thread().ident
    timer = threading.Timer(0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        cn.prune(module, inputs, sparsity=0.5, method=method, allocation="uniform")
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 5.0, f"interrupted after {elapsed:.1f} s"
    # The first layer was pruned before the signal: the weights are put back.
    assert_same_tensors(dict(module.state_dict()), before)
    # The module and the extension work after an interrupt.
    small, inputs = slow_to_prune(2)
    result = cn.prune(small, inputs, sparsity=0.5, method=method, allocation="uniform")
    assert [l["kept"] for l in result.layers] == [8000, 1000]


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
def test_ctrl_c_interrupts_a_long_imp_step():
    module, inputs = slow_to_prune(1000)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    main = threading.main_thread().ident
    timer = threading.Timer(0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        cn.imp_step(module, fraction=0.5, output_fraction=None, pruner="layerwise",
                    calibration=inputs)
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 5.0, f"interrupted after {elapsed:.1f} s"
    assert_same_tensors(dict(module.state_dict()), before)


def test_prune_releases_the_gil():
    module, inputs = slow_to_prune(8)
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (cn.prune(module, inputs, sparsity=0.5, allocation="uniform"), done.set())
    )
    ticks = 0
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert ticks >= 20, f"the main thread ran {ticks} times during a prune of about 0.5 s"


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not pathlib.Path("/proc/self/statm").exists(), reason="needs /proc")
def test_no_reference_leaks_over_10000_calls():
    torch.manual_seed(5)
    module = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    inputs = torch.randn(8, 6)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    masks = cn.imp_step(module, fraction=0.5)
    wrong = {"0.weight": masks["0.weight"]}

    def cheap(count):
        for _ in range(count):
            cn.apply_masks(module, masks)
            cn.imp_step(module, masks, fraction=0.2)
            try:
                cn.apply_masks(module, wrong)
            except cardinal.InvalidInput:
                pass

    def solves(count):  # a few milliseconds each: fewer of them
        for _ in range(count):
            cn.prune(module, inputs, sparsity=0.5, method="magnitude")
            cn.prune(module, inputs, sparsity=0.5)
            cn.prune(module, inputs, labels=labels, sparsity=0.5, method="woodfisher")
            cn.imp_step(module, masks, pruner="obs", calibration=inputs)
            try:
                cn.prune(module, inputs[:, :4], sparsity=0.5)
            except cardinal.InvalidInput:
                pass

    watched = [*module.parameters(), *masks.values(), inputs, labels, module]

    def references():
        gc.collect()
        return [sys.getrefcount(t) for t in watched]

    cheap(100)
    solves(10)
    refs = references()
    rss = rss_bytes()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    cheap(10_000)
    solves(300)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    assert references() == refs
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert growth < 64 * 1024, f"{growth} bytes of Python objects still allocated after the calls"
    rss_growth = rss_bytes() - rss
    assert rss_growth < 8 * 2**20, f"the process grew by {rss_growth / 2**20:.1f} MiB"
