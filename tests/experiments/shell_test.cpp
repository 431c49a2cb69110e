#include "cardinal/experiments/shell.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace cardinal {
namespace {

/// What /bin/sh makes of `word` as one argument: printf's output for it.
std::string through_the_shell(const std::string& word) {
  const std::string command = "printf '%s' " + word;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  for (int c = std::fgetc(pipe); c != EOF; c = std::fgetc(pipe)) out += static_cast<char>(c);
  ::pclose(pipe);
  return out;
}

TEST(ShellQuote, PlainWordsStayBare) {
  EXPECT_EQ(shell_quote("--sparsity=0.1"), "--sparsity=0.1");
  EXPECT_EQ(shell_quote("runs/a_b@c%d+e:f,g"), "runs/a_b@c%d+e:f,g");
}

TEST(ShellQuote, WhitespaceAndControlCharactersAreQuoted) {
  for (const std::string word : {"a b", "a\tb", "a\nb", "", "it's", "$HOME", "a;b", "*"}) {
    const std::string quoted = shell_quote(word);
    EXPECT_EQ(quoted.front(), '\'') << quoted;
    EXPECT_EQ(through_the_shell(quoted), word) << quoted;
  }
}

}  // namespace
}  // namespace cardinal
