#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

/// The physical memory of this machine in bytes (0 where the system does not say).
inline std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

namespace detail {
inline std::atomic<std::uint64_t>& memory_limit_storage() {
  static std::atomic<std::uint64_t> limit{
      physical_memory() > 0 ? physical_memory() : std::numeric_limits<std::uint64_t>::max()};
  return limit;
}
}  // namespace detail

/// The most bytes one input (a file read whole, a decompressed stream, a design matrix and the
/// vectors a solver keeps beside it) may take in memory: the `--max-memory` of the `cardinal`
/// program, by default the machine's physical memory. Sizes are computed from headers and file
/// sizes before anything is allocated, so that a corrupt or hostile input fails with its size
/// named instead of exhausting memory.
inline std::uint64_t max_memory() {
  return detail::memory_limit_storage().load();
}

/// Sets max_memory() for this process.
inline void set_max_memory(std::uint64_t bytes) {
  detail::memory_limit_storage().store(bytes);
}

/// `bytes` in the largest binary unit that keeps it at least 1 ("512 B", "1.5 GiB").
inline std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return text;
}

/// Throws InvalidInput when `bytes` (a double, so that an overflowing product still compares
/// correctly) exceeds max_memory(), naming `what` and both sizes.
inline void require_memory(double bytes, const std::string& what) {
  const auto limit = static_cast<double>(max_memory());
  require(bytes <= limit, what + " needs " + format_bytes(bytes) +
                              " of memory, above the limit of " + format_bytes(limit) +
                              " (--max-memory)");
}

}  // namespace cardinal
