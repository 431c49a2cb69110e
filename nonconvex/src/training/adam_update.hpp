#pragma once

#include <cstdint>

namespace cardinal::detail {

/// The constants of one Adam step, already rounded to float as ATen rounds its scalars.
struct AdamStepConstants {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float sqrt_bias_correction2, eps, minus_step_size, weight_decay;
};

/// Whether the CPU has what adam_update() is compiled for (AVX2 and FMA).
bool adam_update_supported();

/// One Adam step over n contiguous floats, in place. Call only where adam_update_supported().
void adam_update(float* weight, const float* gradient, float* exp_avg, float* exp_avg_sq,
                 std::int64_t n, const AdamStepConstants& c);

}  // namespace cardinal::detail
