// Mask, SparsityReport, Snapshot, and their files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "cardinal/nonconvex/pruning/sparsity_report.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::ScratchDir;
using testing::TinyConvNet;
using testing::TinyMlp;

torch::Tensor bools(torch::IntArrayRef sizes, const std::vector<int>& flat) {
  const std::vector<std::int64_t> values(flat.begin(), flat.end());
  return torch::tensor(values).ne(0).reshape(sizes);
}

/// Keeps the first `kept` entries (flat order) of each tensor of `network`.
Mask keep_prefix(const torch::nn::Module& network, const std::vector<Index>& kept) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> keep;
  std::size_t i = 0;
  for (const auto& [name, t] : prunable_tensors(network)) {
    torch::Tensor k = torch::zeros({t.numel()}, torch::kBool);
    k.slice(0, 0, kept.at(i++)).fill_(true);
    names.push_back(name);
    keep.push_back(k.reshape(t.sizes()));
  }
  return Mask(names, keep);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Expects `action` to throw InvalidInput whose message contains `needle`.
template <typename F>
void expect_invalid_input_naming(F action, const std::string& needle) {
  try {
    action();
    ADD_FAILURE() << "no InvalidInput thrown (expected one naming " << needle << ")";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Mask, DenseCoversThePrunableTensorsInOrder) {
  TinyConvNet net;
  const Mask mask = Mask::dense(net);
  EXPECT_EQ(mask.names(),
            (std::vector<std::string>{"conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight"}));
  EXPECT_EQ(mask.total(), 36 + 288 + 320 + 30);
  EXPECT_EQ(mask.remaining(), mask.total());
  EXPECT_EQ(mask.density(), 1.0);
  EXPECT_EQ(mask.sparsity(), 0.0);
  EXPECT_EQ(mask.keep("conv2.weight").sizes(), torch::IntArrayRef({8, 4, 3, 3}));
  EXPECT_EQ(mask.keep("conv2.weight").scalar_type(), torch::kBool);
  EXPECT_NO_THROW(mask.check_matches(net));
}

TEST(Mask, CountsAndDensities) {
  TinyMlp net;
  const Mask mask = keep_prefix(net, {80, 16});  // of 320 and 64
  EXPECT_EQ(mask.total(), 384);
  EXPECT_EQ(mask.remaining(), 96);
  EXPECT_EQ(mask.remaining("fc1.weight"), 80);
  EXPECT_EQ(mask.total("fc2.weight"), 64);
  EXPECT_DOUBLE_EQ(mask.density(), 96.0 / 384.0);
  EXPECT_DOUBLE_EQ(mask.sparsity(), 1.0 - 96.0 / 384.0);
  EXPECT_DOUBLE_EQ(mask.density("fc1.weight"), 0.25);
  EXPECT_DOUBLE_EQ(mask.sparsity("fc2.weight"), 0.75);
  EXPECT_THROW(mask.density("fc3.weight"), InvalidInput);
}

TEST(Mask, ConstructionValidatesItsInput) {
  EXPECT_THROW(Mask({"a"}, {}), InvalidInput);
  EXPECT_THROW(Mask({"a", "a"}, {torch::ones({2}), torch::ones({2})}), InvalidInput);
  expect_invalid_input_naming([] { Mask({"a"}, {torch::full({3}, 0.5)}); }, "a");
  const Mask from_floats({"a"}, {torch::tensor({1.0, 0.0, 1.0})});
  EXPECT_EQ(from_floats.remaining(), 2);
  EXPECT_TRUE(from_floats.keep(0).equal(bools({3}, {1, 0, 1})));
}

TEST(Mask, ApplyZeroesPrunedWeightsInPlaceOutsideAutograd) {
  TinyMlp net;
  testing::randomize(net, 1);
  const torch::Tensor before = net.fc1->weight.detach().clone();
  const torch::Tensor bias_before = net.fc1->bias.detach().clone();
  const Mask mask = keep_prefix(net, {100, 64});
  mask.apply(net);
  const torch::Tensor after = net.fc1->weight.detach().flatten();
  EXPECT_TRUE(after.slice(0, 0, 100).equal(before.flatten().slice(0, 0, 100)));
  EXPECT_TRUE(after.slice(0, 100).eq(0.0).all().item<bool>());
  EXPECT_TRUE(net.fc1->bias.equal(bias_before));
  EXPECT_TRUE(net.fc1->weight.requires_grad());
  EXPECT_FALSE(net.fc1->weight.grad_fn());
  TinyConvNet other;
  EXPECT_THROW(mask.apply(other), InvalidInput);
}

TEST(Mask, CopiesAreDeep) {
  TinyMlp net;
  const Mask original = Mask::dense(net);
  Mask copy = original;
  copy.keep(0).fill_(false);  // torch's const is shallow; the copy must not share storage
  EXPECT_EQ(original.remaining(), 384);
  EXPECT_EQ(copy.remaining(), 64);
  EXPECT_FALSE(copy == original);
}

TEST(Mask, EqualityAndIntersection) {
  const Mask a({"x", "y"}, {bools({2, 2}, {1, 1, 0, 1}), bools({3}, {1, 0, 1})});
  const Mask b({"x", "y"}, {bools({2, 2}, {0, 1, 1, 1}), bools({3}, {1, 1, 0})});
  const Mask ab = a.intersect(b);
  EXPECT_TRUE(ab.keep("x").equal(bools({2, 2}, {0, 1, 0, 1})));
  EXPECT_TRUE(ab.keep("y").equal(bools({3}, {1, 0, 0})));
  EXPECT_TRUE(ab == b.intersect(a));
  EXPECT_TRUE(a == a.intersect(a));
  EXPECT_FALSE(a == b);
  const Mask renamed({"x", "z"}, {bools({2, 2}, {1, 1, 0, 1}), bools({3}, {1, 0, 1})});
  EXPECT_FALSE(a == renamed);
  EXPECT_THROW(a.intersect(renamed), InvalidInput);
  const Mask reshaped({"x", "y"}, {bools({4}, {1, 1, 0, 1}), bools({3}, {1, 0, 1})});
  EXPECT_FALSE(a == reshaped);
  expect_invalid_input_naming([&] { a.intersect(reshaped); }, "x");
}

TEST(SparsityReport, TableAndCsv) {
  TinyMlp net;
  const SparsityReport report = sparsity_report(keep_prefix(net, {80, 16}));
  ASSERT_EQ(report.layers.size(), 2u);
  EXPECT_EQ(report.layers[0].name, "fc1.weight");
  EXPECT_EQ(report.layers[0].total, 320);
  EXPECT_EQ(report.layers[0].remaining, 80);
  EXPECT_EQ(report.layers[1].fraction_remaining(), 0.25);
  EXPECT_EQ(report.overall.total, 384);
  EXPECT_EQ(report.overall.remaining, 96);

  std::ostringstream printed;
  printed << report;
  EXPECT_EQ(printed.str(),
            "layer              total     remaining   remaining %\n"
            "fc1.weight           320            80         25.00\n"
            "fc2.weight            64            16         25.00\n"
            "overall              384            96         25.00\n");

  const ScratchDir dir("report");
  report.write_csv(dir.file("sparsity.csv"));
  EXPECT_EQ(slurp(dir.file("sparsity.csv")),
            "layer,total,remaining,fraction_remaining\n"
            "fc1.weight,320,80,0.25\n"
            "fc2.weight,64,16,0.25\n"
            "overall,384,96,0.25\n");
  expect_invalid_input_naming([&] { report.write_csv(dir.file("missing/dir/x.csv")); },
                              "missing/dir/x.csv");
}

TEST(MaskFile, RoundTripIsExactAndAtomic) {
  TinyConvNet net;
  const ScratchDir dir("mask-roundtrip");
  at::Generator gen = testing::generator(7);
  std::vector<torch::Tensor> keep;
  for (const auto& [name, t] : prunable_tensors(net))
    keep.push_back(at::rand(t.sizes(), gen) < 0.3);
  const Mask mask(Mask::dense(net).names(), keep);
  mask.save(dir.file("mask.bin"));
  const Mask loaded = Mask::load(dir.file("mask.bin"));
  EXPECT_TRUE(loaded == mask);
  EXPECT_EQ(loaded.remaining(), mask.remaining());
  // Overwriting works and leaves no temporary sibling behind.
  Mask::dense(net).save(dir.file("mask.bin"));
  EXPECT_TRUE(Mask::load(dir.file("mask.bin")) == Mask::dense(net));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  // An empty mask round-trips too.
  Mask().save(dir.file("empty.bin"));
  EXPECT_TRUE(Mask::load(dir.file("empty.bin")).empty());
}

TEST(MaskFile, TruncatedOrCorruptFilesAreRejectedNamingTheFile) {
  TinyMlp net;
  const ScratchDir dir("mask-corrupt");
  const std::string good = dir.file("good.mask");
  keep_prefix(net, {200, 40}).save(good);
  const std::string bytes = slurp(good);
  ASSERT_GT(bytes.size(), 384u);

  const std::string bad = dir.file("bad.mask");
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    spit(bad, bytes.substr(0, length));
    expect_invalid_input_naming([&] { Mask::load(bad); }, bad);
  }
  // One flipped bit anywhere: in the header, a name, a payload byte, the checksum.
  for (const std::size_t at : {std::size_t{3}, std::size_t{20}, std::size_t{30}, bytes.size() / 2,
                               bytes.size() - 30, bytes.size() - 1}) {
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x01);
    spit(bad, corrupt);
    expect_invalid_input_naming([&] { Mask::load(bad); }, bad);
  }
  spit(bad, bytes + "x");
  expect_invalid_input_naming([&] { Mask::load(bad); }, bad);
  expect_invalid_input_naming([&] { Mask::load(dir.file("absent.mask")); }, "absent.mask");
  // A snapshot file is not a mask.
  take_snapshot(net).save(dir.file("snap.bin"));
  expect_invalid_input_naming([&] { Mask::load(dir.file("snap.bin")); }, "snap.bin");
}

/// Changes every parameter and buffer (including the batch-norm counter) of `net`.
void disturb(TinyConvNet& net, std::uint64_t seed) {
  testing::randomize(net, seed);
  at::Generator gen = testing::generator(seed + 1);
  net.train();
  const torch::NoGradGuard no_grad;
  net.forward(at::randn({5, 1, 8, 8}, gen));
}

TEST(Snapshot, RestoreWithMaskReproducesSavedValuesExactly) {
  TinyConvNet net;
  disturb(net, 3);
  const Snapshot snapshot = take_snapshot(net);
  std::vector<torch::Tensor> saved;
  for (const auto& p : net.parameters()) saved.push_back(p.detach().clone());
  std::vector<torch::Tensor> saved_buffers;
  for (const auto& b : net.buffers()) saved_buffers.push_back(b.clone());
  ASSERT_EQ(snapshot.buffers().size(), 3u);  // running_mean, running_var, num_batches_tracked
  EXPECT_EQ(net.bn1->num_batches_tracked.item<std::int64_t>(), 1);

  disturb(net, 11);  // "train" on: every value changes, the snapshot must not
  EXPECT_FALSE(net.conv1->weight.equal(saved[0]));
  EXPECT_EQ(net.bn1->num_batches_tracked.item<std::int64_t>(), 2);

  const Mask mask = keep_prefix(net, {10, 100, 0, 30});
  restore(net, snapshot, mask);
  const std::vector<NamedTensor> prunable = prunable_tensors(net);
  const auto params = net.named_parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor value = params[i].value().detach();
    const std::string& name = params[i].key();
    if (mask.contains(name)) {
      const torch::Tensor keep = mask.keep(name);
      EXPECT_TRUE(value.masked_select(keep).equal(saved[i].masked_select(keep))) << name;
      EXPECT_TRUE(value.masked_select(keep.logical_not()).eq(0.0).all().item<bool>()) << name;
    } else {
      EXPECT_TRUE(value.equal(saved[i])) << name;
    }
  }
  const auto buffers = net.buffers();
  for (std::size_t i = 0; i < buffers.size(); ++i) EXPECT_TRUE(buffers[i].equal(saved_buffers[i]));
  EXPECT_FALSE(net.conv1->weight.grad_fn());

  // Without a mask every value comes back.
  disturb(net, 12);
  restore(net, snapshot);
  const auto all = net.parameters();
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_TRUE(all[i].equal(saved[i]));
}

TEST(Snapshot, FileRoundTripAndMismatchesLeaveTheNetworkUntouched) {
  TinyConvNet net;
  disturb(net, 5);
  const Snapshot snapshot = take_snapshot(net);
  const ScratchDir dir("snapshot");
  snapshot.save(dir.file("init.snapshot"));
  const Snapshot loaded = Snapshot::load(dir.file("init.snapshot"));
  ASSERT_EQ(loaded.parameters().size(), snapshot.parameters().size());
  ASSERT_EQ(loaded.buffers().size(), snapshot.buffers().size());
  for (std::size_t i = 0; i < loaded.parameters().size(); ++i) {
    EXPECT_EQ(loaded.parameters()[i].name, snapshot.parameters()[i].name);
    EXPECT_TRUE(loaded.parameters()[i].tensor.equal(snapshot.parameters()[i].tensor));
  }
  for (std::size_t i = 0; i < loaded.buffers().size(); ++i) {
    EXPECT_EQ(loaded.buffers()[i].name, snapshot.buffers()[i].name);
    EXPECT_EQ(loaded.buffers()[i].tensor.scalar_type(), snapshot.buffers()[i].tensor.scalar_type());
    EXPECT_TRUE(loaded.buffers()[i].tensor.equal(snapshot.buffers()[i].tensor));
  }
  disturb(net, 6);
  restore(net, loaded, Mask::dense(net));
  for (std::size_t i = 0; i < snapshot.parameters().size(); ++i)
    EXPECT_TRUE(net.parameters()[i].equal(snapshot.parameters()[i].tensor));

  // A snapshot of another architecture is refused before anything is written.
  TinyMlp mlp;
  const torch::Tensor before = net.conv1->weight.detach().clone();
  EXPECT_THROW(restore(net, take_snapshot(mlp)), InvalidInput);
  EXPECT_THROW(restore(mlp, loaded), InvalidInput);
  EXPECT_TRUE(net.conv1->weight.equal(before));

  const std::string bytes = slurp(dir.file("init.snapshot"));
  const std::string bad = dir.file("bad.snapshot");
  for (const std::size_t length :
       {std::size_t{0}, std::size_t{7}, std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    spit(bad, bytes.substr(0, length));
    expect_invalid_input_naming([&] { Snapshot::load(bad); }, bad);
  }
  std::string corrupt = bytes;
  corrupt[bytes.size() / 2] = static_cast<char>(corrupt[bytes.size() / 2] ^ 0x40);
  spit(bad, corrupt);
  expect_invalid_input_naming([&] { Snapshot::load(bad); }, "checksum");
  Mask::dense(net).save(dir.file("mask.bin"));
  expect_invalid_input_naming([&] { Snapshot::load(dir.file("mask.bin")); }, "mask.bin");
}

}  // namespace
}  // namespace cardinal
