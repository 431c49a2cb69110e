// Readers of the IDX and CIFAR-10 binary formats and the data set registry, on the fixtures of
// tests/data/nonconvex (written by scripts/make-fixtures.py).
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"
#include "cardinal/nonconvex/data/registry.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace cardinal {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(CARDINAL_TEST_DATA_DIR) + "/nonconvex";
const std::string kRaw = kFixtures + "/fashion-mnist-raw";
const std::string kGz = kFixtures + "/fashion-mnist-gz";
const std::string kCifar = kFixtures + "/cifar10";

std::vector<uint8_t> read_raw(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file.good()) << path;
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void write_raw(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> u32(uint32_t value) {
  return {uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value)};
}

/// IDX files written byte by byte, independently of the reader.
std::vector<uint8_t> idx_images(uint32_t magic, uint32_t count, uint32_t rows, uint32_t cols,
                                size_t pixel_bytes) {
  std::vector<uint8_t> out;
  for (uint32_t v : {magic, count, rows, cols}) {
    auto b = u32(v);
    out.insert(out.end(), b.begin(), b.end());
  }
  for (size_t i = 0; i < pixel_bytes; ++i) out.push_back(uint8_t(i * 7));
  return out;
}

std::vector<uint8_t> idx_labels(uint32_t magic, uint32_t count, std::vector<uint8_t> labels) {
  std::vector<uint8_t> out = u32(magic);
  auto b = u32(count);
  out.insert(out.end(), b.begin(), b.end());
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

/// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = fs::temp_directory_path() / ("cardinal-readers-" + std::to_string(device()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

/// Expects `action` to throw InvalidInput whose message contains every one of `parts`.
void expect_invalid(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no InvalidInput thrown; expected a message with " << parts.front();
  } catch (const InvalidInput& error) {
    const std::string message = error.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }
}

TEST(IdxReader, FixturePixelsAndLabelsMatchTheRawBytes) {
  for (const auto& [prefix, split, count] :
       {std::tuple{"train", "train", 32}, std::tuple{"t10k", "test", 16}}) {
    const auto image_bytes = read_raw(kRaw + "/" + prefix + "-images-idx3-ubyte");
    const auto label_bytes = read_raw(kRaw + "/" + prefix + "-labels-idx1-ubyte");
    ASSERT_EQ(image_bytes.size(), 16u + size_t(count) * 784);
    ASSERT_EQ(label_bytes.size(), 8u + size_t(count));

    const TensorDataset data = load_mnist_like(kRaw, split, "fashion-mnist");
    EXPECT_EQ(data.name, "fashion-mnist");
    EXPECT_EQ(data.classes, 10);
    EXPECT_EQ(data.size(), count);
    ASSERT_EQ(data.inputs.sizes(), (std::vector<int64_t>{count, 1, 28, 28}));
    EXPECT_EQ(data.inputs.scalar_type(), torch::kFloat32);
    EXPECT_EQ(data.labels.scalar_type(), torch::kInt64);
    auto pixels = data.inputs.accessor<float, 4>();
    auto labels = data.labels.accessor<int64_t, 1>();
    for (int64_t n = 0; n < count; ++n) {
      EXPECT_EQ(labels[n], label_bytes[8 + n]);
      for (int64_t y = 0; y < 28; ++y) {
        for (int64_t x = 0; x < 28; ++x) {
          ASSERT_EQ(pixels[n][0][y][x], float(image_bytes[16 + (n * 28 + y) * 28 + x]) / 255.0f)
              << prefix << " image " << n << " pixel " << y << "," << x;
        }
      }
    }
  }
}

TEST(IdxReader, FixtureChecksumsMatchTheScript) {
  // Sums printed by scripts/make-fixtures.py (tests/data/nonconvex/fixtures.txt).
  const TensorDataset train = load_mnist_like(kRaw, "train", "fashion-mnist");
  const TensorDataset test = load_mnist_like(kRaw, "test", "fashion-mnist");
  EXPECT_EQ(train.inputs.mul(255).round().sum().item<double>(), 1914360.0);
  EXPECT_EQ(train.labels.sum().item<int64_t>(), 120);
  EXPECT_EQ(test.inputs.mul(255).round().sum().item<double>(), 757029.0);
  EXPECT_EQ(test.labels.sum().item<int64_t>(), 66);
  const std::vector<int64_t> first{9, 0, 0, 3, 0, 2, 7, 2};  // the real set's first labels
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(train.labels[i].item<int64_t>(), first[i]);
  EXPECT_GE(train.inputs.min().item<float>(), 0.0f);
  EXPECT_LE(train.inputs.max().item<float>(), 1.0f);
}

TEST(IdxReader, GzipAndRawCopiesAgree) {
  for (const std::string split : {"train", "test"}) {
    const TensorDataset raw = load_mnist_like(kRaw, split, "fashion-mnist");
    const TensorDataset gz = load_mnist_like(kGz, split, "fashion-mnist");
    EXPECT_TRUE(torch::equal(raw.inputs, gz.inputs)) << split;
    EXPECT_TRUE(torch::equal(raw.labels, gz.labels)) << split;
  }
  const torch::Tensor images = load_idx_images(kGz + "/train-images-idx3-ubyte.gz");
  EXPECT_EQ(images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{32, 28, 28}));
  const auto bytes = read_raw(kRaw + "/train-images-idx3-ubyte");
  EXPECT_EQ(images[3][14][9].item<int64_t>(), bytes[16 + 3 * 784 + 14 * 28 + 9]);
}

TEST(IdxReader, MalformedImageFilesNameTheFile) {
  TempDir dir;
  const std::string path = (dir / "images").string();
  const auto check = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
    write_raw(path, bytes);
    expect_invalid([&] { load_idx_images(path); }, {path, problem});
  };
  check(idx_images(0x00000804, 2, 3, 3, 18), "magic");
  check(idx_images(0x00000801, 2, 3, 3, 18), "0x00000801");
  check(idx_images(0x00000803, 3, 3, 3, 18), "truncated");
  check(idx_images(0x00000803, 2, 3, 3, 20), "unexpected bytes");
  check(idx_images(0x00000803, 2, 0, 3, 0), "image size");
  check({0x00, 0x00, 0x08}, "truncated");
  check(idx_images(0x00000803, 0xffffffff, 0xffffffff, 0xffffffff, 4), "truncated");
  expect_invalid([&] { load_idx_images((dir / "absent").string()); }, {(dir / "absent").string()});
  write_raw(path, idx_images(0x00000803, 2, 3, 3, 18));
  EXPECT_EQ(load_idx_images(path).sizes(), (std::vector<int64_t>{2, 3, 3}));
}

TEST(IdxReader, MalformedLabelFilesNameTheFile) {
  TempDir dir;
  const std::string path = (dir / "labels").string();
  const auto check = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
    write_raw(path, bytes);
    expect_invalid([&] { load_idx_labels(path); }, {path, problem});
  };
  check(idx_labels(0x00000803, 2, {1, 2}), "magic");
  check(idx_labels(0x00000801, 3, {1, 2}), "truncated");
  check(idx_labels(0x00000801, 2, {1, 2, 3}), "unexpected bytes");
  check(idx_labels(0x00000801, 3, {1, 10, 2}), "label 10 of example 1");
  write_raw(path, idx_labels(0x00000801, 3, {1, 9, 2}));
  EXPECT_TRUE(torch::equal(load_idx_labels(path), torch::tensor({1, 9, 2}, torch::kInt64)));
  expect_invalid([&] { load_idx_labels(path, 5); }, {path, "label 9"});
}

TEST(IdxReader, DamagedGzipNamesTheFile) {
  TempDir dir;
  auto bytes = read_raw(kGz + "/train-images-idx3-ubyte.gz");
  const std::string truncated = (dir / "truncated.gz").string();
  write_raw(truncated, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  expect_invalid([&] { load_idx_images(truncated); }, {truncated, "truncated gzip"});

  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) bytes[i] ^= 0x5a;
  const std::string corrupt = (dir / "corrupt.gz").string();
  write_raw(corrupt, bytes);
  expect_invalid([&] { load_idx_images(corrupt); }, {corrupt});
}

/// `bytes` gzip-compressed into `path`.
void write_gzip(const fs::path& path, const std::vector<uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb9");
  ASSERT_NE(file, nullptr);
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

TEST(IdxReader, AGzipBombIsRefusedBeforeItIsInflated) {
  TempDir dir;
  const uint64_t saved = max_memory();
  set_max_memory(1 << 20);
  // 20000 images of 28x28 (15 MiB of zeros, 15 KiB compressed): the header alone says too much.
  const std::string bomb = (dir / "bomb.gz").string();
  write_gzip(bomb, idx_images(0x00000803, 20000, 28, 28, 20000 * 784));
  expect_invalid([&] { load_idx_images(bomb); },
                 {bomb, "announces 20000 images", "above the limit of 1.0 MiB (--max-memory)"});
  // A small file as announced, followed by 15 MiB of zeros: refused without inflating them all.
  const std::string padded = (dir / "padded.gz").string();
  auto bytes = idx_images(0x00000803, 2, 3, 3, 18);
  bytes.resize(bytes.size() + 15 * (1 << 20));
  write_gzip(padded, bytes);
  expect_invalid([&] { load_idx_images(padded); },
                 {padded, "at least 1048576 unexpected bytes after the 2 images"});
  set_max_memory(saved);
}

TEST(IdxReader, OnlyRegularFilesAreRead) {
  TempDir dir;
  fs::create_directories(dir / "train-images-idx3-ubyte");
  write_raw(dir / "train-labels-idx1-ubyte", idx_labels(0x00000801, 2, {1, 2}));
  expect_invalid([&] { load_idx_images((dir / "train-images-idx3-ubyte").string()); },
                 {(dir / "train-images-idx3-ubyte").string(), "is a directory"});
  expect_invalid([&] { load_mnist_like(dir.str(), "train", "mnist"); },
                 {(dir / "train-images-idx3-ubyte").string(), "is a directory"});
  expect_invalid([] { load_idx_labels("/dev/zero"); }, {"/dev/zero", "not a regular file"});
  fs::create_directories(dir / "test_batch.bin");
  expect_invalid([&] { load_cifar10(dir.str(), "test"); },
                 {(dir / "test_batch.bin").string(), "is a directory"});
}

TEST(IdxReader, DirectoryProblemsNameTheFiles) {
  TempDir dir;
  write_raw(dir / "train-images-idx3-ubyte", idx_images(0x00000803, 3, 2, 2, 12));
  expect_invalid([&] { load_mnist_like(dir.str(), "train", "mnist"); },
                 {(dir / "train-labels-idx1-ubyte").string(), "missing"});
  write_raw(dir / "train-labels-idx1-ubyte", idx_labels(0x00000801, 2, {1, 2}));
  expect_invalid([&] { load_mnist_like(dir.str(), "train", "mnist"); },
                 {(dir / "train-images-idx3-ubyte").string(),
                  (dir / "train-labels-idx1-ubyte").string(), "3 images", "2 labels"});
  write_raw(dir / "train-labels-idx1-ubyte", idx_labels(0x00000801, 3, {1, 2, 12}));
  expect_invalid([&] { load_mnist_like(dir.str(), "train", "mnist"); },
                 {(dir / "train-labels-idx1-ubyte").string(), "label 12"});
  expect_invalid([&] { load_mnist_like(dir.str(), "valid", "mnist"); }, {"valid"});
  expect_invalid([&] { load_mnist_like(dir.str() + "/nowhere", "test", "mnist"); },
                 {dir.str() + "/nowhere", "does not exist"});
}

/// The synthetic content scripts/make-fixtures.py writes into CIFAR batch `batch`.
uint8_t cifar_pixel(int batch, int record, int channel, int y, int x) {
  return uint8_t((batch * 37 + record * 11 + channel * 101 + y * 7 + x * 3) % 256);
}

TEST(Cifar10Reader, ReadsRecordsLabelsAndPlaneOrder) {
  const TensorDataset test = load_cifar10(kCifar, "test");
  ASSERT_EQ(test.inputs.sizes(), (std::vector<int64_t>{10, 3, 32, 32}));
  EXPECT_EQ(test.classes, 10);
  EXPECT_EQ(test.name, "cifar10");
  const TensorDataset train = load_cifar10(kCifar, "train");
  ASSERT_EQ(train.size(), 20);

  for (const auto& [data, batches, records] :
       {std::tuple{&train, 5, 4}, std::tuple{&test, 1, 10}}) {
    auto pixels = data->inputs.accessor<float, 4>();
    for (int b = 0; b < batches; ++b) {
      const int batch = data == &test ? 0 : b + 1;
      for (int r = 0; r < records; ++r) {
        const int64_t n = b * records + r;
        EXPECT_EQ(data->labels[n].item<int64_t>(), (3 * r + batch) % 10);
        for (int c = 0; c < 3; ++c) {
          for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 32; ++x) {
              ASSERT_EQ(pixels[n][c][y][x], float(cifar_pixel(batch, r, c, y, x)) / 255.0f)
                  << "example " << n << " channel " << c << " pixel " << y << "," << x;
            }
          }
        }
      }
    }
  }
  // Byte 1 + 1024 of the file is the first green pixel of record 0.
  const auto bytes = read_raw(kCifar + "/test_batch.bin");
  EXPECT_EQ(test.inputs[0][1][0][0].item<float>(), float(bytes[1 + 1024]) / 255.0f);
}

TEST(Cifar10Reader, MalformedFilesNameTheFile) {
  TempDir dir;
  const auto test_bytes = read_raw(kCifar + "/test_batch.bin");
  const std::string path = (dir / "test_batch.bin").string();
  const auto check = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
    write_raw(path, bytes);
    expect_invalid([&] { load_cifar10(dir.str(), "test"); }, {path, problem});
  };
  check(std::vector<uint8_t>(test_bytes.begin(), test_bytes.begin() + 2 * 3073 + 5), "3073");
  check({}, "3073");
  auto bad_label = test_bytes;
  bad_label[3 * 3073] = 10;
  check(bad_label, "label 10 of record 3");

  for (int b = 1; b <= 5; ++b) {
    if (b == 3) continue;
    const std::string name = "data_batch_" + std::to_string(b) + ".bin";
    fs::copy_file(kCifar + "/" + name, dir / name);
  }
  expect_invalid([&] { load_cifar10(dir.str(), "train"); },
                 {(dir / "data_batch_3.bin").string(), "missing"});
  expect_invalid([&] { load_cifar10(dir.str(), "all"); }, {"all"});
}

TEST(Cifar10Reader, FindsTheArchiveSubfolder) {
  TempDir dir;
  fs::create_directories(dir / "cifar-10-batches-bin");
  fs::copy_file(kCifar + "/test_batch.bin", dir / "cifar-10-batches-bin/test_batch.bin");
  EXPECT_TRUE(
      torch::equal(load_cifar10(dir.str(), "test").inputs, load_cifar10(kCifar, "test").inputs));
}

TEST(DatasetRegistry, LoadsByNameAndRejectsUnknownNames) {
  const TensorDataset data = load_dataset("fashion-mnist", kGz, "test");
  EXPECT_EQ(data.size(), 16);
  EXPECT_EQ(data.name, "fashion-mnist");
  EXPECT_EQ(load_dataset("cifar10", kCifar, "test").size(), 10);
  EXPECT_EQ(load_dataset("mnist", kRaw, "train").name, "mnist");

  const DatasetInfo cifar = dataset_info("cifar10");
  EXPECT_EQ(cifar.channels, 3);
  EXPECT_EQ(cifar.height, 32);
  EXPECT_EQ(known_datasets(), (std::vector<std::string>{"mnist", "fashion-mnist", "cifar10"}));

  expect_invalid([] { load_dataset("imagenet", "", "train"); },
                 {"imagenet", "mnist", "fashion-mnist", "cifar10"});
  expect_invalid([] { load_dataset("cifar10", "", "train"); }, {"cifar10", "folder"});
  // A folder of CIFAR-shaped files is not MNIST.
  expect_invalid([] { load_dataset("cifar10", kRaw, "test"); }, {"test_batch.bin"});
}

}  // namespace
}  // namespace cardinal
