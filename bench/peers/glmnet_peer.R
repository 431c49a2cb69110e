#!/usr/bin/env Rscript
# glmnet's side of the l1-path comparisons: fits the path on the given lambdas for a data set
# written by `cardinal-bench generate` and prints one JSON document.
#
#   Rscript glmnet_peer.R PREFIX {gaussian,binomial} LAMBDAS_FILE REPEATS WARMUPS [THRESH]
#
# glmnet(x, y, family, lambda = LAMBDAS, standardize = FALSE, intercept = FALSE, thresh) solves
# (1/(2n))||y - Xb||^2 + lambda ||b||_1 (gaussian) or the mean logistic loss + lambda ||b||_1
# (binomial): the objectives cardinal's lasso_path solves. What is timed: the glmnet() call, on
# data already in memory. Objectives and optimality violations are computed afterwards.
suppressPackageStartupMessages({
  library(glmnet)
  library(Matrix)
})

args <- commandArgs(trailingOnly = TRUE)
prefix <- args[1]
family <- args[2]
lambdas <- scan(args[3], quiet = TRUE)
repeats <- as.integer(args[4])
warmups <- as.integer(args[5])
thresh <- if (length(args) >= 6) as.numeric(args[6]) else 1e-7

field <- function(text, name) {
  m <- regmatches(text, regexpr(sprintf('"%s": *"?[^,}"]*', name), text))
  sub('^.*: *"?', "", m)
}
meta <- paste(readLines(paste0(prefix, ".json")), collapse = " ")
n <- as.integer(field(meta, "rows"))
p <- as.integer(field(meta, "cols"))
storage <- field(meta, "storage")
y <- readBin(paste0(prefix, ".y.f64"), "double", n, size = 8, endian = "little")
if (storage == "dense") {
  x <- matrix(readBin(paste0(prefix, ".x.f64"), "double", n * p, size = 8, endian = "little"), n, p)
} else {
  nnz <- as.integer(field(meta, "nonzeros"))
  indptr <- readBin(paste0(prefix, ".indptr.i64"), "integer", p + 1, size = 8, endian = "little")
  indices <- readBin(paste0(prefix, ".indices.i64"), "integer", nnz, size = 8, endian = "little")
  values <- readBin(paste0(prefix, ".values.f64"), "double", nnz, size = 8, endian = "little")
  x <- sparseMatrix(i = indices, p = indptr, x = values, dims = c(n, p), index1 = FALSE)
}
response <- if (family == "binomial") factor(ifelse(y > 0, 1, 0), levels = c(0, 1)) else y

seconds <- c()
for (r in seq_len(warmups + repeats)) {
  start <- proc.time()[["elapsed"]]
  fit <- glmnet(x, response, family = family, lambda = lambdas, standardize = FALSE,
                intercept = FALSE, thresh = thresh)
  elapsed <- proc.time()[["elapsed"]] - start
  if (r > warmups) seconds <- c(seconds, elapsed)
}

# Objective and l1 optimality violation at every lambda (outside the clock).
beta <- fit$beta
z <- as.matrix(x %*% beta)
if (family == "binomial") {
  m <- -y * z
  loss <- colMeans(pmax(m, 0) + log1p(exp(-abs(m))))
  s <- -y / (1 + exp(-m)) / n
} else {
  loss <- colMeans((z - y)^2) / 2
  s <- (z - y) / n
}
g <- as.matrix(crossprod(x, s))
b <- as.matrix(beta)
lam <- matrix(fit$lambda, nrow(b), ncol(b), byrow = TRUE)
v <- ifelse(b > 0, abs(g + lam), ifelse(b < 0, abs(g - lam), pmax(0, abs(g) - lam)))
objectives <- loss + fit$lambda * colSums(abs(b))
violations <- apply(v, 2, max)
nonzeros <- colSums(b != 0)

num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
cat(sprintf(paste0('{"implementation": "glmnet", "family": "%s", "glmnet_version": "%s", ',
                   '"r_version": "%s", "blas": "%s", "thresh": %.17g, "seconds": [%s], ',
                   '"lambdas": [%s], "objectives": [%s], "kkt_violations": [%s], ',
                   '"path_nonzeros": [%s], "npasses": %d}\n'),
            family, as.character(packageVersion("glmnet")), R.version.string,
            gsub('"', "'", extSoftVersion()[["BLAS"]]), thresh, num(seconds), num(fit$lambda),
            num(objectives), num(violations), paste(nonzeros, collapse = ", "),
            as.integer(fit$npasses)))
