#include "cardinal/experiments/run_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/experiments/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

nlohmann::json read_json(const fs::path& path) {
  const std::string text = read_input_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(path.string() + ": corrupt JSON (" + e.what() + ")");
  }
}

}  // namespace

std::string settings_hash(const nlohmann::json& settings) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : settings.dump()) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

RunDirectory::RunDirectory(fs::path path, nlohmann::json settings)
    : path_(std::move(path)), settings_(std::move(settings)) {}

fs::path RunDirectory::stage_path(const std::string& stage) const {
  fs::path p = path_ / stage;
  fs::create_directories(p);
  return p;
}

bool RunDirectory::is_complete(const std::string& stage) const {
  return fs::exists(path_ / stage / "DONE.json");
}

void RunDirectory::mark_complete(const std::string& stage, const nlohmann::json& summary) const {
  write_file_atomically(stage_path(stage) / "DONE.json", summary.dump(2) + "\n");
}

nlohmann::json RunDirectory::completed_summary(const std::string& stage) const {
  return read_json(path_ / stage / "DONE.json");
}

RunStore::RunStore(fs::path root) : root_(std::move(root)) {}

RunDirectory RunStore::open(const std::string& prefix, const nlohmann::json& settings) const {
  const fs::path path = root_ / (prefix + "-" + settings_hash(settings));
  const fs::path stored = path / "settings.json";
  if (fs::exists(stored)) {
    require(read_json(stored) == settings,
            "run directory " + path.string() + " holds different settings (hash collision?)");
  } else {
    fs::create_directories(path);
    write_file_atomically(stored, settings.dump(2) + "\n");
  }
  return RunDirectory(path, settings);
}

RunLock::RunLock(const fs::path& directory, const std::function<void()>& on_wait) {
  const fs::path file = directory / ".lock";
  descriptor_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(descriptor_ >= 0, "cannot lock " + directory.string() + ": " + std::strerror(errno));
  if (::flock(descriptor_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK && on_wait) on_wait();
  while (::flock(descriptor_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(descriptor_);
    throw InvalidInput("cannot lock " + directory.string() + ": " + std::strerror(error));
  }
}

RunLock::~RunLock() {
  ::close(descriptor_);
}

}  // namespace cardinal
