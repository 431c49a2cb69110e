// Readers for the standard binary formats: IDX (MNIST, Fashion-MNIST), raw or gzip, and the
// CIFAR-10 binary batches.
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
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

/// The content of a data file, decompressed on the fly when it starts with the gzip magic bytes
/// 1f 8b (several gzip members are read one after the other, as RFC 1952 allows). It is read in
/// the sizes a format's header announces, so nothing is allocated before the size is known and
/// checked against max_memory(): a gzip bomb fails with its announced size, not by exhausting
/// memory.
class ByteReader {
 public:
  explicit ByteReader(const std::string& path) : file_(path), path_(path) {
    fill();
    gzip_ = available_ >= 2 && input_[0] == 0x1f && input_[1] == 0x8b;
    if (gzip_) {
      require(inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK, path_ + ": cannot initialize zlib");
      stream_open_ = true;
    }
  }
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;
  ~ByteReader() {
    if (stream_open_) inflateEnd(&stream_);
  }

  /// The size of the content when it is known before reading it (an uncompressed file).
  std::optional<uint64_t> size() const {
    return gzip_ ? std::nullopt : std::optional<uint64_t>(file_.size());
  }

  /// Up to `count` more bytes of the content, fewer only where it ends. The buffer grows with
  /// the data that arrives, not with `count`: a header that lies costs only the bytes there are.
  std::vector<uint8_t> read(uint64_t count) {
    require_memory(static_cast<double>(count), "reading " + path_);
    constexpr uint64_t kStep = uint64_t{1} << 24;
    std::vector<uint8_t> out;
    while (out.size() < count) {
      const size_t before = out.size();
      const auto wanted = static_cast<size_t>(std::min(kStep, count - before));
      out.resize(before + wanted);
      const size_t got = read_into(out.data() + before, wanted);
      out.resize(before + got);
      if (got < wanted) break;
    }
    return out;
  }

  /// The rest of the content, however long, up to max_memory().
  std::vector<uint8_t> read_rest() {
    std::vector<uint8_t> out;
    if (const std::optional<uint64_t> total = size()) return read(*total - consumed_);
    uint8_t chunk[1 << 16];
    for (size_t got = 0; (got = read_into(chunk, sizeof chunk)) > 0;) {
      require_memory(static_cast<double>(out.size() + got), "reading " + path_);
      out.insert(out.end(), chunk, chunk + got);
    }
    return out;
  }

  /// How many bytes follow, counted (without keeping them) up to `limit`.
  uint64_t skip(uint64_t limit) {
    uint8_t chunk[1 << 16];
    uint64_t skipped = 0;
    for (size_t got = 1; got > 0 && skipped < limit; skipped += got)
      got =
          read_into(chunk, static_cast<size_t>(std::min<uint64_t>(sizeof chunk, limit - skipped)));
    return skipped;
  }

 private:
  /// Refills the input buffer when it is empty: false at the end of the file.
  bool fill() {
    if (available_ > 0) return true;
    next_ = 0;
    available_ = file_.read_some(input_, sizeof input_);
    return available_ > 0;
  }

  size_t read_into(uint8_t* out, size_t count) {
    size_t produced = 0;
    while (produced < count && fill()) {
      if (!gzip_) {
        const size_t n = std::min(count - produced, available_);
        std::memcpy(out + produced, input_ + next_, n);
        next_ += n;
        available_ -= n;
        produced += n;
        continue;
      }
      if (stream_ended_) {  // a further gzip member follows
        inflateReset(&stream_);
        stream_ended_ = false;
      }
      stream_.next_in = input_ + next_;
      stream_.avail_in = static_cast<uInt>(available_);
      stream_.next_out = out + produced;
      stream_.avail_out = static_cast<uInt>(std::min<size_t>(count - produced, 1u << 30));
      const int status = inflate(&stream_, Z_NO_FLUSH);
      produced = static_cast<size_t>(stream_.next_out - out);
      next_ = static_cast<size_t>(stream_.next_in - input_);
      available_ = stream_.avail_in;
      if (status == Z_STREAM_END) {
        stream_ended_ = true;
        continue;
      }
      if (status != Z_OK && status != Z_BUF_ERROR) {
        throw InvalidInput(path_ + ": corrupt gzip data (" +
                           (stream_.msg ? stream_.msg : "zlib error " + std::to_string(status)) +
                           ")");
      }
    }
    require(!gzip_ || stream_ended_ || produced == count,
            path_ + ": truncated gzip data (the stream ends early)");
    consumed_ += produced;
    return produced;
  }

  InputFile file_;
  std::string path_;
  uint8_t input_[1 << 16];
  size_t next_ = 0;
  size_t available_ = 0;
  bool gzip_ = false;
  z_stream stream_{};
  bool stream_open_ = false;
  bool stream_ended_ = false;
  uint64_t consumed_ = 0;
};

uint32_t big_endian_u32(const std::vector<uint8_t>& bytes, size_t offset) {
  return (uint32_t{bytes[offset]} << 24) | (uint32_t{bytes[offset + 1]} << 16) |
         (uint32_t{bytes[offset + 2]} << 8) | uint32_t{bytes[offset + 3]};
}

/// The `count` items of `item_size` bytes that follow an IDX header, exactly: InvalidInput
/// when the file ends early or has bytes after them.
std::vector<uint8_t> read_idx_items(ByteReader& in, size_t header, uint64_t count,
                                    uint64_t item_size, const std::string& path,
                                    const std::string& what) {
  const double announced = static_cast<double>(count) * static_cast<double>(item_size);
  auto truncated = [&](uint64_t total) {
    return path + ": truncated: the header announces " + std::to_string(count) + " " + what +
           " but the file has only " + std::to_string(total) + " bytes";
  };
  auto trailing = [&](uint64_t extra, bool at_least) {
    return path + ": " + (at_least ? "at least " : "") + std::to_string(extra) +
           " unexpected bytes after the " + std::to_string(count) + " " + what;
  };
  if (const std::optional<uint64_t> total = in.size()) {
    const uint64_t available = *total - header;
    require(announced <= static_cast<double>(available), truncated(*total));
    require(count * item_size == available, trailing(available - count * item_size, false));
  } else {
    require_memory(announced, path + ": the header announces " + std::to_string(count) + " " +
                                  what + " of " + std::to_string(item_size) + " bytes, which");
  }
  std::vector<uint8_t> items = in.read(count * item_size);
  require(items.size() == count * item_size, truncated(header + items.size()));
  constexpr uint64_t kCounted = 1 << 20;
  const uint64_t extra = in.skip(kCounted);
  require(extra == 0, trailing(extra, extra == kCounted));
  return items;
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
  ByteReader in(path);
  const std::vector<uint8_t> bytes = in.read(16);
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
  std::vector<uint8_t> pixels =
      read_idx_items(in, 16, count, uint64_t{rows} * cols, path, "images");
  return torch::from_blob(pixels.data(), {count, rows, cols}, torch::kUInt8).clone();
}

torch::Tensor load_idx_labels(const std::string& path, int64_t classes) {
  ByteReader in(path);
  const std::vector<uint8_t> bytes = in.read(8);
  require(bytes.size() >= 8, path + ": truncated IDX label header (" +
                                 std::to_string(bytes.size()) + " bytes, need 8)");
  const uint32_t magic = big_endian_u32(bytes, 0);
  require(magic == 0x00000801, path + ": not an IDX label file (magic number " + hex32(magic) +
                                   ", expected 0x00000801)");
  const uint32_t count = big_endian_u32(bytes, 4);
  std::vector<uint8_t> labels = read_idx_items(in, 8, count, 1, path, "labels");
  for (uint32_t i = 0; i < count; ++i) {
    require(labels[i] < classes, path + ": label " + std::to_string(labels[i]) + " of example " +
                                     std::to_string(i) + " is not in [0, " +
                                     std::to_string(classes) + ")");
  }
  return torch::from_blob(labels.data(), {count}, torch::kUInt8).to(torch::kInt64);
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
    std::vector<uint8_t> bytes = ByteReader(path).read_rest();
    require(!bytes.empty() && bytes.size() % kCifarRecord == 0,
            path + ": size " + std::to_string(bytes.size()) +
                " bytes is not a positive multiple of 3073 (1 label byte + 3072 pixel bytes)");
    for (size_t r = 0; r < bytes.size() / kCifarRecord; ++r) {
      const uint8_t label = bytes[r * kCifarRecord];
      require(label < 10, path + ": label " + std::to_string(label) + " of record " +
                              std::to_string(r) + " is not in [0, 10)");
    }
    require_memory(static_cast<double>(records.size() + bytes.size()), "cifar10 " + split);
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
