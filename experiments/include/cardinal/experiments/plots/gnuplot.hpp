#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace cardinal {

/// A figure drawn by gnuplot into `<name>.png` and `<name>.svg`.
struct GnuplotFigure {
  std::string name;  ///< file stem, also of the script `<name>.gp`
  /// Plot commands without `set terminal` / `set output` (the script adds them, once per
  /// format). Data files are referred to by paths relative to the output directory.
  std::string body;
  int width = 900;
  int height = 600;
};

/// The complete script for `figure`: for each of PNG (pngcairo where gnuplot has it, else the
/// libgd png terminal) and SVG, it sets the terminal and output and runs the body. Comma-separated
/// data is the default (`set datafile separator ","`), and "NaN" marks a missing value.
std::string gnuplot_script(const GnuplotFigure& figure);

/// A gnuplot string literal holding `text` (double-quoted, with \ and " escaped).
std::string gnuplot_string(std::string_view text);

/// Renders figures with the `gnuplot` executable. Plots are optional output: the script is
/// always written, and a missing or failing gnuplot gives one warning, never an exception.
class GnuplotRenderer {
 public:
  /// `enabled` false writes scripts only. The executable is the environment variable
  /// CARDINAL_GNUPLOT when set (a path, or empty to disable plotting), else `gnuplot` on PATH.
  /// Warnings go to `warnings`.
  GnuplotRenderer(bool enabled, std::ostream& warnings);

  /// The executable in use, if any.
  const std::optional<std::filesystem::path>& executable() const { return executable_; }

  /// Writes `directory/<name>.gp` (atomically) and runs gnuplot on it inside `directory`.
  /// Returns true when both images were produced.
  bool render(const std::filesystem::path& directory, const GnuplotFigure& figure);

 private:
  void warn(const std::string& message);

  bool enabled_;
  std::ostream& warnings_;
  std::optional<std::filesystem::path> executable_;
  bool warned_ = false;
};

}  // namespace cardinal
