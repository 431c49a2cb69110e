#include "cardinal/experiments/plots/gnuplot.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cardinal {
namespace {

TEST(Gnuplot, ScriptsDrawPngAndSvgAndQuoteStrings) {
  EXPECT_EQ(gnuplot_string(R"(a "b" \c)"), R"("a \"b\" \\c")");
  const std::string script =
      gnuplot_script({.name = "fig", .body = "plot x\n", .width = 640, .height = 480});
  EXPECT_NE(script.find("pngcairo enhanced size 640,480"), std::string::npos);
  EXPECT_NE(script.find("set terminal png size 640,480"), std::string::npos);
  EXPECT_NE(script.find("set terminal svg enhanced size 640,480"), std::string::npos);
  EXPECT_NE(script.find("set output \"fig.\" . format"), std::string::npos);
  EXPECT_NE(script.find("  plot x\n"), std::string::npos);
}

}  // namespace
}  // namespace cardinal
