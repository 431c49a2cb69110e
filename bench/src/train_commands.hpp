#pragma once

namespace cardinal::bench {

/// `train [--model lenet300] [--batch 60] [--steps N] [--repeats R] [--threads T] [--density D]`:
/// times blocks of N training steps (TrainingStep), alternating a dense and a masked model, with
/// LibTorch's SGEMM rate on a 1024³ product measured between the blocks (the floor of the step).
/// Prints one JSON document; returns the exit status.
int train_command(int argc, char** argv);

/// `level [--iterations 50000] [--batch 60] [--evaluate-every 100] [--validation 5000]
/// [--threads 1] [--data-dir MNIST]`: one lottery-ticket level of LeNet-300-100 at Frankle &
/// Carbin's setting (Adam 1.2e-3) through cardinal's train(), with its floor measured in the same
/// process: iterations × the bare step + the evaluations' products at the SGEMM rate.
int level_command(int argc, char** argv);

/// `sgemm [--threads T] [--repeats R]`: LibTorch's single-precision GEMM rate on 1024³ and on
/// LeNet-300-100's first-layer shape at batch 60 (60×784 times 784×300), with 1 and T threads.
int sgemm_command(int argc, char** argv);

/// `adam [--steps N] [--repeats R] [--threads 1]`: the optimizer step alone on LeNet-300-100's
/// parameters, torch::optim::Adam against FusedAdam in alternating blocks.
int adam_command(int argc, char** argv);

}  // namespace cardinal::bench
