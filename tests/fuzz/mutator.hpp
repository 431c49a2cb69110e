#pragma once

// Seeded mutations of valid inputs, the way a coverage-blind fuzzer derives hostile inputs from a
// corpus. Every parser's fuzz test runs a fixed number of them, so CI runs the same inputs each
// time and a failure names the seed and the round that reproduce it.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cardinal::test {

class Mutator {
 public:
  /// `dictionary`: tokens of the format worth splicing in (separators, keywords).
  explicit Mutator(std::uint64_t seed, std::vector<std::string> dictionary = {})
      : random_(seed), dictionary_(std::move(dictionary)) {
    for (const char* token : {"nan",        "-inf",       "1e999",
                              "1e-400",     "-1",         "0",
                              "+",          "-",          "99999999999999999999",
                              "2147483647", "4294967296", "9223372036854775808",
                              "1e308",      "0x10",       "\n",
                              "\r\n",       " ",          "\t",
                              "#",          "\"",         ",",
                              ":",          "\xff\xfe",   "\xef\xbb\xbf"})
      dictionary_.emplace_back(token);
    dictionary_.emplace_back(std::string(1, '\0'));
  }

  /// `input` changed by 1 to `max_rounds` mutations.
  std::string mutate(std::string input, int max_rounds = 4) {
    const int rounds = 1 + static_cast<int>(below(static_cast<std::uint64_t>(max_rounds)));
    for (int r = 0; r < rounds; ++r) mutate_once(input);
    return input;
  }

  /// A number in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : random_() % n; }

 private:
  void mutate_once(std::string& s) {
    const std::size_t at = s.empty() ? 0 : below(s.size() + 1);
    switch (below(9)) {
      case 0:  // flip a bit
        if (!s.empty()) s[at % s.size()] ^= static_cast<char>(1u << below(8));
        break;
      case 1:  // replace a byte with any byte
        if (!s.empty()) s[at % s.size()] = static_cast<char>(below(256));
        break;
      case 2:  // insert a random byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(below(256)));
        break;
      case 3:  // delete a span
        s.erase(at, 1 + below(16));
        break;
      case 4:  // duplicate a span
        if (!s.empty()) {
          const std::size_t from = below(s.size()), length = 1 + below(64);
          s.insert(at, s.substr(from, length));
        }
        break;
      case 5:  // truncate
        s.resize(at);
        break;
      case 6:  // splice in a dictionary token
        s.insert(at, dictionary_[below(dictionary_.size())]);
        break;
      case 7:  // overwrite a digit run with a dictionary token
        if (!s.empty()) {
          std::size_t begin = at % s.size();
          while (begin < s.size() && (s[begin] < '0' || s[begin] > '9')) ++begin;
          std::size_t end = begin;
          while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
          s.replace(begin, end - begin, dictionary_[below(dictionary_.size())]);
        }
        break;
      default:  // repeat a line many times
        if (!s.empty()) {
          const std::size_t begin = s.rfind('\n', at % s.size());
          const std::size_t start = begin == std::string::npos ? 0 : begin + 1;
          const std::size_t end = s.find('\n', start);
          const std::string line =
              s.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
          std::string copies;
          for (std::uint64_t k = below(50); k > 0; --k) copies += line;
          s.insert(start, copies);
        }
        break;
    }
  }

  std::mt19937_64 random_;
  std::vector<std::string> dictionary_;
};

}  // namespace cardinal::test
