#include "cardinal/nonconvex/training/blas_backend.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace cardinal {
namespace {

/// The system's selected libblas.so.3 (Debian's alternatives), canonical; empty if there is none.
std::string selected_system_blas() {
  for (const char* path : {"/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/libblas.so.3"}) {
    std::error_code error;
    const auto canonical = std::filesystem::canonical(path, error);
    if (!error) return canonical.string();
  }
  return {};
}

TEST(BlasBackend, NamesTheObjectThatDefinesSgemm) {
  // This process links LibTorch, whose dense layers call sgemm_.
  const BlasBackend backend = blas_backend();
  ASSERT_NE(backend.kind, BlasBackend::Kind::kNone);
  ASSERT_TRUE(std::filesystem::exists(backend.library)) << backend.library;
  void* handle = dlopen(backend.library.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(handle, nullptr) << backend.library << " is not loaded";
  // The object named defines the very sgemm_ that calls in this process resolve to.
  EXPECT_EQ(dlsym(handle, "sgemm_"), dlsym(RTLD_DEFAULT, "sgemm_"));
  dlclose(handle);
  EXPECT_NE(backend.describe().find(backend.library), std::string::npos);
}

// Ceres brings ATLAS's libf77blas.so.3, whose sgemm_ once served LibTorch (2.2x slower steps).
// Where the system selects OpenBLAS, a cardinal process must run on it.
TEST(BlasBackend, TrainingRunsOnOpenBlasWhereTheSystemSelectsIt) {
  const std::string system = selected_system_blas();
  if (system.find("openblas") == std::string::npos)
    GTEST_SKIP() << "the system BLAS is not OpenBLAS here (" << system << ")";
  const BlasBackend backend = blas_backend();
  EXPECT_EQ(backend.kind, BlasBackend::Kind::kOpenBlas) << backend.describe();
  EXPECT_NE(backend.configuration.find("OpenBLAS"), std::string::npos) << backend.configuration;
}

}  // namespace
}  // namespace cardinal
