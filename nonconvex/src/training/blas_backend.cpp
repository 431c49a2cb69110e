#include "cardinal/nonconvex/training/blas_backend.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

namespace cardinal {
namespace {

/// The canonical path of the shared object that defines `address`; empty if none does.
std::string defining_object(void* address) {
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code error;
  const auto canonical = std::filesystem::canonical(info.dli_fname, error);
  return error ? std::string(info.dli_fname) : canonical.string();
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

std::string BlasBackend::name() const {
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kOpenBlas:
      return "OpenBLAS";
    case Kind::kAtlas:
      return "ATLAS";
    case Kind::kReference:
      return "reference BLAS";
    case Kind::kMkl:
      return "MKL";
    case Kind::kOther:
      return "other";
  }
  return "other";
}

std::string BlasBackend::describe() const {
  if (kind == Kind::kNone) return "none (sgemm_ is not loaded)";
  std::string out = name();
  if (!configuration.empty()) out += " (" + configuration + ")";
  return out + " " + library;
}

BlasBackend blas_backend() {
  BlasBackend backend;
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  backend.library = defining_object(sgemm);
  if (backend.library.empty()) return backend;

  // OpenBLAS is recognised by openblas_get_config in the object or its dependencies, whatever
  // the file is called: Debian's .../openblas-openmp/libblas.so.3 is a thin BLAS interface over
  // libopenblas.so.0.
  using ConfigFunction = char* (*)();
  bool openblas = false;
  if (void* handle = dlopen(backend.library.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
    if (auto config = reinterpret_cast<ConfigFunction>(dlsym(handle, "openblas_get_config"))) {
      openblas = true;
      backend.configuration = config();
    }
    dlclose(handle);
  }
  if (openblas) {
    backend.kind = BlasBackend::Kind::kOpenBlas;
    while (!backend.configuration.empty() && backend.configuration.back() == ' ')
      backend.configuration.pop_back();
  } else if (contains(backend.library, "atlas")) {
    backend.kind = BlasBackend::Kind::kAtlas;
  } else if (contains(backend.library, "mkl")) {
    backend.kind = BlasBackend::Kind::kMkl;
  } else if (contains(backend.library, "/blas/")) {
    // Debian's reference implementation (libblas3) lives in .../blas/libblas.so.3.
    backend.kind = BlasBackend::Kind::kReference;
  } else {
    backend.kind = BlasBackend::Kind::kOther;
  }
  return backend;
}

}  // namespace cardinal
