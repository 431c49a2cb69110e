#include "dataset_files.hpp"

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <variant>

#include "cardinal/bridge/error.hpp"

namespace cardinal::bench {
namespace {

template <class T>
void write_array(const std::string& path, const T* data, Index count) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  require(static_cast<bool>(out), "cannot write " + path);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
  require(static_cast<bool>(out), "cannot write " + path);
}

template <class T>
void read_array(const std::string& path, T* data, Index count) {
  std::ifstream in(path, std::ios::binary);
  require(static_cast<bool>(in), "cannot read " + path);
  in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
  require(in.gcount() == static_cast<std::streamsize>(count * sizeof(T)),
          path + " is shorter than its description says");
}

}  // namespace

void write_dataset(const std::string& prefix, const BenchDataset& data) {
  const Design& x = data.design;
  nlohmann::json meta{{"format", "cardinal-bench-dataset"},
                      {"storage", x.is_sparse() ? "sparse" : "dense"},
                      {"rows", x.rows()},
                      {"cols", x.cols()},
                      {"nonzeros", x.nonzeros()},
                      {"loss", data.loss},
                      {"planted", data.planted}};
  write_array(prefix + ".y.f64", data.response.data(), data.response.size());
  if (const auto* dense = std::get_if<Design::Dense>(&x.storage())) {
    write_array(prefix + ".x.f64", dense->data(), dense->size());
  } else if (const auto* dense_float = std::get_if<Design::DenseFloat>(&x.storage())) {
    const Design::Dense widened = dense_float->cast<double>();  // exact
    write_array(prefix + ".x.f64", widened.data(), widened.size());
  } else {
    const auto& sparse = std::get<Design::Sparse>(x.storage());
    static_assert(sizeof(Index) == sizeof(std::int64_t));
    write_array(prefix + ".indptr.i64", sparse.outerIndexPtr(), sparse.cols() + 1);
    write_array(prefix + ".indices.i64", sparse.innerIndexPtr(), sparse.nonZeros());
    write_array(prefix + ".values.f64", sparse.valuePtr(), sparse.nonZeros());
  }
  std::ofstream out(prefix + ".json", std::ios::trunc);
  out << meta.dump(1) << '\n';
  require(static_cast<bool>(out), "cannot write " + prefix + ".json");
}

BenchDataset read_dataset(const std::string& prefix) {
  std::ifstream in(prefix + ".json");
  require(static_cast<bool>(in), "cannot read " + prefix + ".json");
  const nlohmann::json meta = nlohmann::json::parse(in);
  require(meta.value("format", "") == "cardinal-bench-dataset",
          prefix + ".json is not a benchmark data set");
  const Index n = meta.at("rows").get<Index>(), p = meta.at("cols").get<Index>();
  Eigen::VectorXd y(n);
  read_array(prefix + ".y.f64", y.data(), n);
  const std::string loss = meta.at("loss").get<std::string>();
  const std::vector<Index> planted = meta.at("planted").get<std::vector<Index>>();
  if (meta.at("storage").get<std::string>() == "dense") {
    Design::Dense x(n, p);
    read_array(prefix + ".x.f64", x.data(), n * p);
    return BenchDataset{Design(std::move(x)), std::move(y), loss, planted};
  }
  const Index nnz = meta.at("nonzeros").get<Index>();
  std::vector<Index> indptr(static_cast<std::size_t>(p + 1)),
      indices(static_cast<std::size_t>(nnz));
  std::vector<double> values(static_cast<std::size_t>(nnz));
  read_array(prefix + ".indptr.i64", indptr.data(), p + 1);
  read_array(prefix + ".indices.i64", indices.data(), nnz);
  read_array(prefix + ".values.f64", values.data(), nnz);
  require(indptr.front() == 0 && indptr.back() == nnz, prefix + ": inconsistent column offsets");
  const Eigen::Map<const Design::Sparse> view(n, p, nnz, indptr.data(), indices.data(),
                                              values.data());
  return BenchDataset{Design(Design::Sparse(view)), std::move(y), loss, planted};
}

}  // namespace cardinal::bench
