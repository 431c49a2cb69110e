#pragma once

#include <Eigen/Core>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/centered_ridge_problem.hpp"

namespace cardinal {

/// The diagonal of H_S⁻¹, H_S the Hessian of `problem` restricted to the coordinates `s`, by the
/// Woodbury identity H_S⁻¹ = (I − G_Sᵀ(nλI + G_SG_Sᵀ)⁻¹G_S)/λ: one n × n Cholesky factor,
/// O(n²|S|), never a |S| × |S| matrix. Entry i belongs to s[i]. Needs λ > 0.
Eigen::VectorXd restricted_inverse_diagonal(const CenteredRidgeProblem& problem,
                                            const CoordinateSpace::Support& s);

/// WoodFisher (Singh & Alistarh 2020): Optimal Brain Surgeon on the Fisher model, the Hessian's
/// inverse by the Woodbury identity. From the trained weights w̄ (the minimizer of f), step
/// t = 1, …, `steps` removes weights until d − round((d − kept)·t/steps) remain: those of least
/// saliency w_q²/(2[H_S⁻¹]_qq) on the remaining support S (ties: the smaller index first), and
/// then updates the remaining weights by OBS's update for removing all of them at once,
/// −H_S⁻¹E_Q(E_QᵀH_S⁻¹E_Q)⁻¹E_Qᵀw, which is the minimizer of f on the new support. With one
/// removal per step this is greedy backward elimination, each step the exact best single
/// removal. Returns the weights, exactly zero off the returned support of exactly `kept`
/// coordinates. Throws InvalidInput unless λ > 0, 0 ≤ kept ≤ d and steps ≥ 1.
struct WoodFisherResult {
  Eigen::VectorXd w;
  CoordinateSpace::Support support;
};
WoodFisherResult woodfisher(const CenteredRidgeProblem& problem, Index kept, Index steps = 1);

}  // namespace cardinal
