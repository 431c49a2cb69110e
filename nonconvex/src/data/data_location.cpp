#include "cardinal/nonconvex/data/data_location.hpp"

#include <cstdlib>
#include <system_error>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/registry.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool is_file(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

}  // namespace

DataSearchPath DataSearchPath::from_environment() {
  DataSearchPath search;
  search.cardinal_data_dir = variable("CARDINAL_DATA_DIR");
  search.xdg_data_home = variable("XDG_DATA_HOME");
  search.home = variable("HOME");
  return search;
}

fs::path DataSearchPath::user_folder(const std::string& name) const {
  if (!xdg_data_home.empty()) return fs::path(xdg_data_home) / "cardinal" / name;
  if (!home.empty()) return fs::path(home) / ".local" / "share" / "cardinal" / name;
  return {};
}

std::vector<fs::path> DataSearchPath::folders(const std::string& name) const {
  std::vector<fs::path> out;
  if (!cardinal_data_dir.empty()) out.push_back(fs::path(cardinal_data_dir) / name);
  out.push_back(system_folder / name);
  if (const fs::path user = user_folder(name); !user.empty()) out.push_back(user);
  return out;
}

bool holds_dataset(const fs::path& folder, const std::string& name) {
  const DatasetInfo info = dataset_info(name);
  auto holds_files = [&info](const fs::path& dir) {
    for (const std::string& file : info.files) {
      if (!is_file(dir / file) && !(info.gzip_allowed && is_file(dir / (file + ".gz"))))
        return false;
    }
    return true;
  };
  return holds_files(folder) ||
         (!info.archive_folder.empty() && holds_files(folder / info.archive_folder));
}

fs::path locate_dataset(const std::string& name, const std::string& data_dir,
                        const DataSearchPath& search) {
  const DatasetInfo info = dataset_info(name);
  if (!data_dir.empty()) {
    std::error_code error;
    require(fs::is_directory(data_dir, error), "--data-dir " + data_dir + ": no such directory");
    return data_dir;
  }
  const std::vector<fs::path> folders = search.folders(name);
  for (const fs::path& folder : folders)
    if (holds_dataset(folder, name)) return folder;
  std::string message = name + ": no data found; looked in";
  for (const fs::path& folder : folders) message += "\n  " + folder.string();
  if (search.cardinal_data_dir.empty()) message += "\n  ($CARDINAL_DATA_DIR/" + name + ": unset)";
  message += "\nget it with: " + info.get_command + ", or give its folder with --data-dir";
  throw InvalidInput(message);
}

}  // namespace cardinal
