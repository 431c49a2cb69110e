// Compiled with -mavx2 -mfma -fno-math-errno -ffp-contract=off (nonconvex/CMakeLists.txt): the
// loop vectorizes, std::fma is the FMA instruction, and no rounding is added or removed behind the
// code's back. Each line is one ATen kernel of torch::optim::Adam::step, in its order:
//   grad.add(p, wd)                 fmadd(p, wd, grad)
//   exp_avg.mul_(b1).add_(g, 1-b1)  fmadd(g, 1-b1, exp_avg * b1)
//   exp_avg_sq.mul_(b2)
//     .addcmul_(g, g, 1-b2)         fmadd((1-b2) * g, g, exp_avg_sq * b2)
//   (sqrt(v) / sqrt(bc2)).add_(eps)
//   p.addcdiv_(m, denom, -lr/bc1)   p + (-lr/bc1 * m) / denom
#include "adam_update.hpp"

#include <cmath>

namespace cardinal::detail {

bool adam_update_supported() {
#if defined(__x86_64__) && defined(__FMA__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;  // not built for FMA: std::fma would be a library call, slower than ATen
#endif
}

void adam_update(float* __restrict weight, const float* __restrict gradient,
                 float* __restrict exp_avg, float* __restrict exp_avg_sq, std::int64_t n,
                 const AdamStepConstants& c) {
  const AdamStepConstants k = c;
  if (k.weight_decay != 0.0f) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float g = std::fma(weight[i], k.weight_decay, gradient[i]);
      const float m = std::fma(g, k.one_minus_beta1, exp_avg[i] * k.beta1);
      const float v = std::fma(k.one_minus_beta2 * g, g, exp_avg_sq[i] * k.beta2);
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      weight[i] =
          weight[i] + (k.minus_step_size * m) / (std::sqrt(v) / k.sqrt_bias_correction2 + k.eps);
    }
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = gradient[i];
    const float m = std::fma(g, k.one_minus_beta1, exp_avg[i] * k.beta1);
    const float v = std::fma(k.one_minus_beta2 * g, g, exp_avg_sq[i] * k.beta2);
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    weight[i] =
        weight[i] + (k.minus_step_size * m) / (std::sqrt(v) / k.sqrt_bias_correction2 + k.eps);
  }
}

}  // namespace cardinal::detail
