// The IDX (raw and gzip) and CIFAR-10 readers on seeded mutations of the fixtures: each input is
// read or refused with InvalidInput (no other exception, no crash), and what is read is
// consistent with its header.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"
#include "fuzz/fuzz_files.hpp"
#include "fuzz/mutator.hpp"

namespace cardinal {
namespace {

/// `bytes` gzip-compressed into `path`.
void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

/// Runs `rounds` mutations of `seed_input` through `read` as raw, and (with `gzip`) as gzip of
/// the mutated content and as mutated gzip bytes.
template <class Read>
void fuzz(const std::string& name, const std::string& seed_input, int rounds, bool gzip, Read read,
          bool gzip_bytes_only = false) {
  const test::FuzzFolder folder(name);
  const std::string raw = (folder.path() / "input").string();
  const std::string packed = raw + ".gz";
  test::Mutator mutator(11, {std::string("\x00\x00\x08\x03", 4), std::string("\xff\xff\xff\xff", 4),
                             std::string("\x00\x00\x00\x00", 4), std::string(64, '\0')});
  int accepted = 0, refused = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string where = name + " round " + std::to_string(round);
    const std::string mutated = mutator.mutate(seed_input, 3);
    folder.write("input", mutated);
    (test::parses_or_refuses([&] { read(raw); }, where + " raw") ? accepted : refused) += 1;
    if (!gzip) continue;
    write_gzip(packed, mutated);
    test::parses_or_refuses([&] { read(packed); }, where + " gzip of the mutation");
  }
  // Mutated gzip bytes almost never pass the CRC: only the refusals are sure to happen.
  EXPECT_TRUE(accepted > 0 || gzip_bytes_only) << name;
  EXPECT_GT(refused, 0) << name;
}

TEST(ReadersFuzz, IdxImagesAndLabels) {
  const std::string images =
      test::read_test_data("nonconvex/fashion-mnist-raw/t10k-images-idx3-ubyte");
  fuzz("idx-images", images, 400, true, [](const std::string& path) {
    const torch::Tensor t = load_idx_images(path);
    EXPECT_EQ(t.dim(), 3);
  });
  const std::string labels =
      test::read_test_data("nonconvex/fashion-mnist-raw/t10k-labels-idx1-ubyte");
  fuzz("idx-labels", labels, 800, true, [](const std::string& path) {
    const torch::Tensor t = load_idx_labels(path, 10);
    EXPECT_TRUE(t.numel() == 0 || t.max().item<int64_t>() < 10);
  });
}

TEST(ReadersFuzz, MutatedGzipBytes) {
  const std::string packed =
      test::read_test_data("nonconvex/fashion-mnist-gz/t10k-images-idx3-ubyte.gz");
  fuzz(
      "idx-gzip-bytes", packed, 300, false, [](const std::string& path) { load_idx_images(path); },
      true);
}

TEST(ReadersFuzz, Cifar10Batches) {
  const test::FuzzFolder folder("cifar");
  const std::string batch = test::read_test_data("nonconvex/cifar10/test_batch.bin");
  test::Mutator mutator(13, {std::string(1, '\x0a'), std::string(3073, '\x01')});
  int accepted = 0, refused = 0;
  for (int round = 0; round < 300; ++round) {
    folder.write("test_batch.bin", mutator.mutate(batch, 2));
    const bool ok = test::parses_or_refuses(
        [&] {
          const TensorDataset data = load_cifar10(folder.path().string(), "test");
          EXPECT_EQ(data.inputs.size(0), data.labels.size(0));
        },
        "cifar round " + std::to_string(round));
    (ok ? accepted : refused) += 1;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace cardinal
