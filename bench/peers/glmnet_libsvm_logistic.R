#!/usr/bin/env Rscript
# glmnet's side of the l1-logistic path on a LIBSVM file (a9a, w8a): fits the path on the given
# lambdas with an unpenalized intercept and prints one JSON document.
#
#   Rscript glmnet_libsvm_logistic.R DATA FEATURES LAMBDAS_FILE REPEATS [THRESH]
#
# glmnet(x, y, family = "binomial", lambda = LAMBDAS, standardize = FALSE, intercept = TRUE,
# thresh) minimizes the mean logistic loss + lambda ||b||_1, the objective of
# `cardinal solve --problem logistic --solver lasso --intercept`. What is timed: the glmnet()
# call, on data already in memory (median over REPEATS, after one warm-up).
suppressPackageStartupMessages({
  library(glmnet)
  library(Matrix)
})

args <- commandArgs(trailingOnly = TRUE)
path <- args[1]
features <- as.integer(args[2])
lambdas <- scan(args[3], quiet = TRUE)
repeats <- as.integer(args[4])
thresh <- if (length(args) >= 5) as.numeric(args[5]) else 1e-7

lines <- readLines(path)
lines <- lines[nzchar(trimws(lines))]
tokens <- strsplit(trimws(lines), "[[:space:]]+")
y <- as.numeric(vapply(tokens, `[`, "", 1))
pairs <- lapply(tokens, function(t) t[-1])
counts <- lengths(pairs)
entries <- strsplit(unlist(pairs), ":", fixed = TRUE)
x <- sparseMatrix(i = rep(seq_along(lines), counts),
                  j = as.integer(vapply(entries, `[`, "", 1)),
                  x = as.numeric(vapply(entries, `[`, "", 2)),
                  dims = c(length(lines), features))
response <- factor(ifelse(y > 0, 1, 0), levels = c(0, 1))

seconds <- c()
for (r in seq_len(repeats + 1)) {
  start <- proc.time()[["elapsed"]]
  fit <- glmnet(x, response, family = "binomial", lambda = lambdas, standardize = FALSE,
                intercept = TRUE, thresh = thresh)
  elapsed <- proc.time()[["elapsed"]] - start
  if (r > 1) seconds <- c(seconds, elapsed)
}

# The last point of the path: its coefficients (1-based feature indices) and intercept.
last <- length(fit$lambda)
b <- fit$beta[, last]
support <- which(b != 0)
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
cat(sprintf(paste0('{"implementation": "glmnet", "glmnet_version": "%s", "r_version": "%s", ',
                   '"thresh": %.17g, "seconds": [%s], "lambdas": [%s], ',
                   '"path_nonzeros": [%s], "intercept": %.17g, "support": [%s], ',
                   '"values": [%s], "npasses": %d}\n'),
            as.character(packageVersion("glmnet")), R.version.string, thresh, num(seconds),
            num(fit$lambda), paste(fit$df, collapse = ", "), fit$a0[last],
            paste(support, collapse = ", "), num(b[support]), as.integer(fit$npasses)))
