#include "cardinal/convex/parallel.hpp"

#include <atomic>

namespace cardinal {
namespace {

std::atomic<int> configured{0};  // 0: every hardware thread

}  // namespace

int configured_threads() {
  const int threads = configured.load();
  if (threads > 0) return threads;
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 256);
}

void set_configured_threads(int threads) {
  configured.store(threads <= 0 ? 0 : std::min(threads, 256));
}

}  // namespace cardinal
