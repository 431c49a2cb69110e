#pragma once

#include <cstddef>
#include <vector>

namespace cardinal::bench {

/// Seconds for `threads` threads together to read `bytes` bytes at `data` once, each thread
/// streaming its own contiguous share with wide loads and independent integer accumulators (so
/// that neither the arithmetic nor denormal operands hold it back, whatever the bytes are).
/// Reading a solver's own data this way gives the floor of one pass over it on this machine,
/// at this moment. The threads are started before the clock starts.
double time_streaming_read(const void* data, std::size_t bytes, int threads);

/// One measurement of the rate at which `threads` threads together stream a buffer from memory.
struct BandwidthSample {
  int threads = 1;
  double bytes = 0.0;    ///< bytes read in one timed pass (all threads together)
  double seconds = 0.0;  ///< wall time of that pass
  double gigabytes_per_second() const { return bytes / seconds * 1e-9; }
};

/// time_streaming_read on a buffer of `bytes` (far larger than the last-level cache), `repeats`
/// times after one untimed pass.
std::vector<BandwidthSample> measure_read_bandwidth(std::size_t bytes, int threads, int repeats);

}  // namespace cardinal::bench
