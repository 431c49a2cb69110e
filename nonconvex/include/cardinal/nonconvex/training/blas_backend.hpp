#pragma once

#include <string>

namespace cardinal {

/// The BLAS that serves this process's single-precision matrix products: the shared object in
/// which the dynamic linker resolves `sgemm_`, the Fortran symbol LibTorch calls for every dense
/// layer's forward and backward pass. This is what runs, not what was linked: with several BLAS
/// libraries loaded (Ceres brings ATLAS's), the first in the global lookup order wins.
struct BlasBackend {
  enum class Kind { kNone, kOpenBlas, kAtlas, kReference, kMkl, kOther };
  Kind kind = Kind::kNone;
  /// The canonical path of the object defining sgemm_ (empty for kNone).
  std::string library;
  /// OpenBLAS's build description (openblas_get_config(): version, kernel, threading), else
  /// empty.
  std::string configuration;

  /// "OpenBLAS", "ATLAS", "reference BLAS", "MKL", "other" or "none".
  std::string name() const;
  /// One line for logs and run records: the name, the configuration and the library.
  std::string describe() const;
};

/// Probes the running process (dlsym and dladdr on sgemm_).
BlasBackend blas_backend();

}  // namespace cardinal
