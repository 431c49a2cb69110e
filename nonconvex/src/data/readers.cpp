// Readers for the standard binary formats: IDX (MNIST, Fashion-MNIST), raw or gzip, and the
// CIFAR-10 binary batches.
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cardinal {
namespace {

namespace fs = std::filesystem;

std::string hex32(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::vector<uint8_t> inflate_gzip(const std::vector<uint8_t>& compressed, const std::string& path) {
  z_stream stream{};
  require(inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK, path + ": cannot initialize zlib");
  stream.next_in = const_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::vector<uint8_t> out(compressed.size() * 4 + 1024);
  size_t produced = 0;
  int status = Z_OK;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    stream.next_out = out.data() + produced;
    stream.avail_out = static_cast<uInt>(out.size() - produced);
    status = inflate(&stream, Z_NO_FLUSH);
    produced = out.size() - stream.avail_out;
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      inflateReset(&stream);  // a further gzip member follows (RFC 1952 allows several)
      continue;
    }
    if (status == Z_OK) continue;
    if (status == Z_BUF_ERROR && stream.avail_out > 0) break;  // input ended mid-stream
    std::string reason = stream.msg ? stream.msg : "zlib error " + std::to_string(status);
    inflateEnd(&stream);
    throw InvalidInput(path + ": corrupt gzip data (" + reason + ")");
  }
  inflateEnd(&stream);
  require(status == Z_STREAM_END, path + ": truncated gzip data (the stream ends early)");
  out.resize(produced);
  return out;
}

/// The content of `path`, decompressed when it starts with the gzip magic bytes 1f 8b.
std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  require(file.good(), "cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  require(!file.bad(), "cannot read " + path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return inflate_gzip(bytes, path);
  return bytes;
}

uint32_t big_endian_u32(const std::vector<uint8_t>& bytes, size_t offset) {
  return (uint32_t{bytes[offset]} << 24) | (uint32_t{bytes[offset + 1]} << 16) |
         (uint32_t{bytes[offset + 2]} << 8) | uint32_t{bytes[offset + 3]};
}

/// Checks that an IDX file of `header` bytes holds exactly `count` items of `item_size` bytes.
void require_idx_size(const std::vector<uint8_t>& bytes, size_t header, uint64_t count,
                      uint64_t item_size, const std::string& path, const std::string& what) {
  const uint64_t available = bytes.size() - header;
  const bool fits = count <= available / item_size;
  const uint64_t expected = fits ? header + count * item_size : 0;
  require(fits && bytes.size() >= expected,
          path + ": truncated: the header announces " + std::to_string(count) + " " + what +
              " but the file has only " + std::to_string(bytes.size()) + " bytes");
  require(bytes.size() == expected, path + ": " + std::to_string(bytes.size() - expected) +
                                        " unexpected bytes after the " + std::to_string(count) +
                                        " " + what);
}

/// `dir/base` or `dir/base.gz`, whichever exists.
std::string find_idx_file(const std::string& dir, const std::string& base) {
  const fs::path raw = fs::path(dir) / base;
  if (fs::exists(raw)) return raw.string();
  const fs::path gz = fs::path(dir) / (base + ".gz");
  if (fs::exists(gz)) return gz.string();
  throw InvalidInput("missing data file " + raw.string() + " (or " + gz.string() + ")");
}

constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarPixels = 3 * kCifarSide * kCifarSide;
constexpr int64_t kCifarRecord = 1 + kCifarPixels;

}  // namespace

torch::Tensor load_idx_images(const std::string& path) {
  std::vector<uint8_t> bytes = read_bytes(path);
  require(bytes.size() >= 16, path + ": truncated IDX image header (" +
                                  std::to_string(bytes.size()) + " bytes, need 16)");
  const uint32_t magic = big_endian_u32(bytes, 0);
  require(magic == 0x00000803, path + ": not an IDX image file (magic number " + hex32(magic) +
                                   ", expected 0x00000803)");
  const uint32_t count = big_endian_u32(bytes, 4);
  const uint32_t rows = big_endian_u32(bytes, 8);
  const uint32_t cols = big_endian_u32(bytes, 12);
  require(rows > 0 && cols > 0,
          path + ": invalid image size " + std::to_string(rows) + "x" + std::to_string(cols));
  require_idx_size(bytes, 16, count, uint64_t{rows} * cols, path, "images");
  return torch::from_blob(bytes.data() + 16, {count, rows, cols}, torch::kUInt8).clone();
}

torch::Tensor load_idx_labels(const std::string& path, int64_t classes) {
  std::vector<uint8_t> bytes = read_bytes(path);
  require(bytes.size() >= 8, path + ": truncated IDX label header (" +
                                 std::to_string(bytes.size()) + " bytes, need 8)");
  const uint32_t magic = big_endian_u32(bytes, 0);
  require(magic == 0x00000801, path + ": not an IDX label file (magic number " + hex32(magic) +
                                   ", expected 0x00000801)");
  const uint32_t count = big_endian_u32(bytes, 4);
  require_idx_size(bytes, 8, count, 1, path, "labels");
  for (uint32_t i = 0; i < count; ++i) {
    require(bytes[8 + i] < classes, path + ": label " + std::to_string(bytes[8 + i]) +
                                        " of example " + std::to_string(i) + " is not in [0, " +
                                        std::to_string(classes) + ")");
  }
  return torch::from_blob(bytes.data() + 8, {count}, torch::kUInt8).to(torch::kInt64);
}

TensorDataset load_mnist_like(const std::string& dir, const std::string& split,
                              const std::string& name) {
  require(split == "train" || split == "test",
          name + ": unknown split '" + split + "' (expected train or test)");
  require(fs::is_directory(dir), name + ": data directory " + dir + " does not exist");
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string images_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  torch::Tensor images = load_idx_images(images_path);
  torch::Tensor labels = load_idx_labels(labels_path, 10);
  require(images.size(0) == labels.size(0),
          images_path + " holds " + std::to_string(images.size(0)) + " images but " + labels_path +
              " holds " + std::to_string(labels.size(0)) + " labels");
  TensorDataset data;
  data.inputs = images.unsqueeze(1).to(torch::kFloat32).div_(255.0f);
  data.labels = labels;
  data.classes = 10;
  data.name = name;
  return data;
}

TensorDataset load_cifar10(const std::string& dir, const std::string& split) {
  require(split == "train" || split == "test",
          "cifar10: unknown split '" + split + "' (expected train or test)");
  std::vector<std::string> names;
  if (split == "train") {
    for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  } else {
    names.push_back("test_batch.bin");
  }
  fs::path root(dir);
  require(fs::is_directory(root), "cifar10: data directory " + dir + " does not exist");
  if (!fs::exists(root / names.front()) && fs::is_directory(root / "cifar-10-batches-bin")) {
    root /= "cifar-10-batches-bin";
  }

  std::vector<uint8_t> records;
  for (const std::string& name : names) {
    const std::string path = (root / name).string();
    require(fs::exists(path), "cifar10: missing data file " + path);
    std::vector<uint8_t> bytes = read_bytes(path);
    require(!bytes.empty() && bytes.size() % kCifarRecord == 0,
            path + ": size " + std::to_string(bytes.size()) +
                " bytes is not a positive multiple of 3073 (1 label byte + 3072 pixel bytes)");
    for (size_t r = 0; r < bytes.size() / kCifarRecord; ++r) {
      const uint8_t label = bytes[r * kCifarRecord];
      require(label < 10, path + ": label " + std::to_string(label) + " of record " +
                              std::to_string(r) + " is not in [0, 10)");
    }
    records.insert(records.end(), bytes.begin(), bytes.end());
  }

  const int64_t count = static_cast<int64_t>(records.size()) / kCifarRecord;
  torch::Tensor table = torch::from_blob(records.data(), {count, kCifarRecord}, torch::kUInt8);
  TensorDataset data;
  data.labels = table.select(1, 0).to(torch::kInt64);
  data.inputs = table.slice(1, 1)
                    .reshape({count, 3, kCifarSide, kCifarSide})
                    .to(torch::kFloat32)
                    .div_(255.0f);
  data.classes = 10;
  data.name = "cifar10";
  return data;
}

}  // namespace cardinal
