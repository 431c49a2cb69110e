#include "tensor_file.hpp"

#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/atomic_file.hpp"

namespace cardinal::detail {
namespace {

namespace fs = std::filesystem;

// Tensor payloads are copied as host bytes; the format is little-endian.
static_assert(std::endian::native == std::endian::little,
              "the tensor file format assumes a little-endian host");

constexpr std::string_view kMagic = "CARDTNSR";
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kMaxDimensions = 16;

// Stable on-disk codes, independent of c10::ScalarType's numbering.
constexpr std::array<std::pair<std::uint8_t, torch::ScalarType>, 10> kDtypeCodes{{
    {1, torch::kBool},
    {2, torch::kUInt8},
    {3, torch::kInt8},
    {4, torch::kInt16},
    {5, torch::kInt32},
    {6, torch::kInt64},
    {7, torch::kFloat16},
    {8, torch::kBFloat16},
    {9, torch::kFloat32},
    {10, torch::kFloat64},
}};

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

/// Bounds-checked reading of a file image; every failure names the file.
class Reader {
 public:
  Reader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InvalidInput(what_ + ": " + problem);
  }

  std::string_view take(std::size_t n) {
    if (n > bytes_.size() - offset_) {
      std::ostringstream message;
      message << "truncated (needs " << n << " bytes at offset " << offset_ << ", file has "
              << bytes_.size() << ")";
      fail(message.str());
    }
    const std::string_view out = bytes_.substr(offset_, n);
    offset_ += n;
    return out;
  }

  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }

  std::string get_string() { return std::string(take(get<std::uint32_t>())); }

  std::size_t offset() const { return offset_; }

 private:
  std::string_view bytes_;
  std::string what_;
  std::size_t offset_ = 0;
};

std::uint8_t dtype_code(torch::ScalarType type, const std::string& name) {
  for (const auto& [code, scalar_type] : kDtypeCodes)
    if (scalar_type == type) return code;
  throw InvalidInput("cannot store tensor " + name + ": unsupported dtype " +
                     std::string(c10::toString(type)));
}

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput(what + ": cannot open (" + std::strerror(errno) + ")");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InvalidInput(what + ": read error");
  return bytes;
}

}  // namespace

void write_tensor_file(const std::string& path, std::string_view kind,
                       const std::vector<NamedTensor>& tensors) {
  std::string out;
  out.append(kMagic);
  put<std::uint32_t>(out, kVersion);
  put_string(out, kind);
  put<std::uint64_t>(out, tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    put_string(out, name);
    put<std::uint8_t>(out, dtype_code(t.scalar_type(), name));
    put<std::uint8_t>(out, static_cast<std::uint8_t>(t.dim()));
    for (const std::int64_t size : t.sizes()) put<std::int64_t>(out, size);
    const std::uint64_t nbytes = t.numel() * t.element_size();
    put<std::uint64_t>(out, nbytes);
    out.append(static_cast<const char*>(t.data_ptr()), nbytes);
  }
  put<std::uint64_t>(out, fnv1a(out));
  write_file_atomically(path, out);
}

std::vector<NamedTensor> read_tensor_file(const std::string& path, std::string_view kind) {
  const std::string what = std::string(kind) + " file " + path;
  const std::string bytes = read_file(path, what);
  Reader in(bytes, what);
  if (bytes.size() < kMagic.size() || std::string_view(bytes).substr(0, kMagic.size()) != kMagic)
    in.fail("not a cardinal tensor file (bad magic)");
  in.take(kMagic.size());
  if (const auto version = in.get<std::uint32_t>(); version != kVersion)
    in.fail("unsupported version " + std::to_string(version));
  if (const std::string found = in.get_string(); found != kind)
    in.fail("holds a \"" + found + "\", not a \"" + std::string(kind) + "\"");

  const auto count = in.get<std::uint64_t>();
  std::vector<NamedTensor> tensors;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string name = in.get_string();
    const auto code = in.get<std::uint8_t>();
    torch::ScalarType type = torch::kFloat32;
    bool known = false;
    for (const auto& [c, scalar_type] : kDtypeCodes)
      if (c == code) type = scalar_type, known = true;
    if (!known) in.fail("tensor " + name + " has unknown dtype code " + std::to_string(code));
    const auto dim = in.get<std::uint8_t>();
    if (dim > kMaxDimensions) in.fail("tensor " + name + " has " + std::to_string(dim) + " dims");
    std::vector<std::int64_t> sizes(dim);
    std::uint64_t numel = 1;
    for (auto& size : sizes) {
      size = in.get<std::int64_t>();
      if (size < 0) in.fail("tensor " + name + " has a negative size");
      // Guards numel * element size (at most 8) against overflow.
      if (size != 0 &&
          numel > std::numeric_limits<std::uint64_t>::max() / 16 / static_cast<std::uint64_t>(size))
        in.fail("tensor " + name + " has an impossible size");
      numel *= static_cast<std::uint64_t>(size);
    }
    const auto nbytes = in.get<std::uint64_t>();
    const std::uint64_t element_size = c10::elementSize(type);
    if (nbytes != numel * element_size)
      in.fail("tensor " + name + " declares " + std::to_string(nbytes) + " bytes for " +
              std::to_string(numel) + " elements");
    const std::string_view payload = in.take(nbytes);
    if (type == torch::kBool)
      for (const char c : payload)
        if (c != 0 && c != 1) in.fail("tensor " + name + " holds a boolean other than 0 or 1");
    torch::Tensor tensor = torch::empty(sizes, torch::TensorOptions().dtype(type));
    if (nbytes > 0) std::memcpy(tensor.data_ptr(), payload.data(), nbytes);
    tensors.push_back({std::move(name), std::move(tensor)});
  }
  const std::size_t checked = in.offset();
  const auto checksum = in.get<std::uint64_t>();
  if (in.offset() != bytes.size())
    in.fail(std::to_string(bytes.size() - in.offset()) + " unexpected trailing bytes");
  if (checksum != fnv1a(std::string_view(bytes).substr(0, checked)))
    in.fail("corrupt (checksum mismatch)");
  return tensors;
}

}  // namespace cardinal::detail
