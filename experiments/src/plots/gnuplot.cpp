#include "cardinal/experiments/plots/gnuplot.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "cardinal/experiments/shell.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {}  // namespace

std::string gnuplot_string(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '\\' || c == '"') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string gnuplot_script(const GnuplotFigure& figure) {
  const std::string size = std::to_string(figure.width) + "," + std::to_string(figure.height);
  std::ostringstream s;
  s << "# Written by cardinal. Rerun in this directory with: gnuplot " << figure.name << ".gp\n"
    << "set datafile separator \",\"\n"
    << "set datafile missing \"NaN\"\n"
    << "do for [format in \"png svg\"] {\n"
    << "  if (format eq \"png\") {\n"
    << "    if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
    << "      set terminal pngcairo enhanced size " << size << "\n"
    << "    } else {\n"
    << "      set terminal png size " << size << "\n"
    << "    }\n"
    << "  } else {\n"
    << "    set terminal svg enhanced size " << size << "\n"
    << "  }\n"
    << "  set output " << gnuplot_string(figure.name + ".") << " . format\n"
    << "  reset\n"
    << "  set datafile separator \",\"\n"
    << "  set datafile missing \"NaN\"\n";
  std::istringstream body(figure.body);
  for (std::string line; std::getline(body, line);) s << "  " << line << '\n';
  s << "  unset output\n"
    << "}\n";
  return s.str();
}

GnuplotRenderer::GnuplotRenderer(bool enabled, std::ostream& warnings)
    : enabled_(enabled), warnings_(warnings) {
  if (!enabled_) return;
  if (const char* configured = std::getenv("CARDINAL_GNUPLOT")) {
    if (*configured != '\0' && ::access(configured, X_OK) == 0) executable_ = fs::path(configured);
  } else {
    executable_ = find_on_path("gnuplot");
  }
}

void GnuplotRenderer::warn(const std::string& message) {
  if (warned_) return;
  warned_ = true;
  warnings_ << "warning: " << message
            << "; the CSV files and the .gp scripts are written, plots are skipped\n";
}

bool GnuplotRenderer::render(const fs::path& directory, const GnuplotFigure& figure) {
  write_file_atomically(directory / (figure.name + ".gp"), gnuplot_script(figure));
  if (!enabled_) return false;
  if (!executable_) {
    warn("gnuplot not found (install gnuplot-nox, or set CARDINAL_GNUPLOT)");
    return false;
  }
  const std::string command = "cd " + shell_quote(directory.string()) + " && " +
                              shell_quote(executable_->string()) + " " +
                              shell_quote(figure.name + ".gp") + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    warn("cannot run " + executable_->string());
    return false;
  }
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  const bool images = fs::exists(directory / (figure.name + ".png")) &&
                      fs::exists(directory / (figure.name + ".svg"));
  if (status != 0 || !images) {
    const std::string first_line = output.substr(0, output.find('\n'));
    warn(executable_->string() + " failed on " + figure.name + ".gp" +
         (first_line.empty() ? "" : " (" + first_line + ")"));
    return false;
  }
  return true;
}

}  // namespace cardinal
