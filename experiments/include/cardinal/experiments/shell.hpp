#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cardinal {

/// Whether `text` is non-empty and holds only characters no shell interprets: letters, digits
/// and @%+=:,./_-.
bool is_plain_shell_word(std::string_view text);

/// `text` as (part of) one POSIX shell word: bare when it holds only characters the shell
/// never interprets, single-quoted otherwise (an embedded ' as '\'').
std::string shell_quote(std::string_view text);

/// The executable `name` in a directory of $PATH, if any (the shell's lookup).
std::optional<std::filesystem::path> find_on_path(const std::string& name);

}  // namespace cardinal
