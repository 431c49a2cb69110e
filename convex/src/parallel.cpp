#include "cardinal/convex/parallel.hpp"

#include <cerrno>
#include <cstdlib>

namespace cardinal {

int configured_threads() {
  long wanted = 0;
  if (const char* text = std::getenv("CARDINAL_NUM_THREADS")) {
    char* end = nullptr;
    errno = 0;
    wanted = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0) wanted = 0;
  }
  if (wanted <= 0) wanted = static_cast<long>(std::thread::hardware_concurrency());
  return static_cast<int>(std::clamp(wanted, 1L, 256L));
}

}  // namespace cardinal
