#include "machine_limits.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CARDINAL_X86_KERNELS 1
#endif

namespace cardinal::bench {
namespace {

/// Wrapping sum of the 64-bit words at a[0..count).
std::uint64_t sum_words_portable(const unsigned char* a, std::size_t count) {
  std::uint64_t s[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8)
    for (int k = 0; k < 8; ++k) {
      std::uint64_t word;
      std::memcpy(&word, a + 8 * (i + static_cast<std::size_t>(k)), 8);
      s[k] += word;
    }
  for (; i < count; ++i) {
    std::uint64_t word;
    std::memcpy(&word, a + 8 * i, 8);
    s[0] += word;
  }
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

#ifdef CARDINAL_X86_KERNELS
__attribute__((target("avx2"))) std::uint64_t sum_words_avx2(const unsigned char* a,
                                                             std::size_t count) {
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const auto* p = reinterpret_cast<const __m256i*>(a + 8 * i);
    s0 = _mm256_add_epi64(s0, _mm256_loadu_si256(p));
    s1 = _mm256_add_epi64(s1, _mm256_loadu_si256(p + 1));
    s2 = _mm256_add_epi64(s2, _mm256_loadu_si256(p + 2));
    s3 = _mm256_add_epi64(s3, _mm256_loadu_si256(p + 3));
  }
  std::uint64_t lanes[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes),
                      _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + sum_words_portable(a + 8 * i, count - i);
}

std::uint64_t sum_words_sse2(const unsigned char* a, std::size_t count) {
  __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const auto* p = reinterpret_cast<const __m128i*>(a + 8 * i);
    s0 = _mm_add_epi64(s0, _mm_loadu_si128(p));
    s1 = _mm_add_epi64(s1, _mm_loadu_si128(p + 1));
    s2 = _mm_add_epi64(s2, _mm_loadu_si128(p + 2));
    s3 = _mm_add_epi64(s3, _mm_loadu_si128(p + 3));
  }
  std::uint64_t lanes[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes),
                   _mm_add_epi64(_mm_add_epi64(s0, s1), _mm_add_epi64(s2, s3)));
  return lanes[0] + lanes[1] + sum_words_portable(a + 8 * i, count - i);
}
#endif

std::uint64_t sum_words(const unsigned char* a, std::size_t count) {
#ifdef CARDINAL_X86_KERNELS
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2 ? sum_words_avx2(a, count) : sum_words_sse2(a, count);
#else
  return sum_words_portable(a, count);
#endif
}

}  // namespace

double time_streaming_read(const void* data, std::size_t bytes, int threads) {
  threads = std::max(1, threads);
  const auto* base = static_cast<const unsigned char*>(data);
  const std::size_t words = bytes / 8;
  using Clock = std::chrono::steady_clock;
  std::atomic<std::uint64_t> sink{0};
  std::barrier sync(threads);
  Clock::time_point start;
  double seconds = 0.0;
  auto worker = [&](int t) {
    const std::size_t begin =
        words * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
    const std::size_t end =
        words * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
    sync.arrive_and_wait();  // every thread is running
    if (t == 0) start = Clock::now();
    sync.arrive_and_wait();
    sink.fetch_add(sum_words(base + 8 * begin, end - begin));
    sync.arrive_and_wait();
    if (t == 0) seconds = std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(worker, t);
  worker(0);
  for (std::thread& h : helpers) h.join();
  return seconds;
}

std::vector<BandwidthSample> measure_read_bandwidth(std::size_t bytes, int threads, int repeats) {
  const std::vector<double> buffer(bytes / sizeof(double), 1.0);
  const std::size_t read = buffer.size() * sizeof(double);
  time_streaming_read(buffer.data(), read, threads);
  std::vector<BandwidthSample> samples;
  for (int r = 0; r < repeats; ++r)
    samples.push_back(
        {threads, static_cast<double>(read), time_streaming_read(buffer.data(), read, threads)});
  return samples;
}

}  // namespace cardinal::bench
