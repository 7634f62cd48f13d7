#pragma once
// The Blahut–Arimoto iterate and one pass of it: the weights w, what a pass derives from them
// (PassState), and the step to the next weights (update_weights).
#include <Eigen/Core>

#include "common.hpp"
#include "problem_data.hpp"
#include "scaled_kernel.hpp"

namespace rdp::ba {

// Blahut's dual repaired row by row, two rounds (repaired_shannon_conjugate()).
struct RepairedDual {
  Eigen::VectorXd log_m, v, c, log_m2, v2, c2;
  bool valid = false;      // belongs to the last pass
  double conjugate = 0.0;  // the repaired Shannon conjugate term of that pass
};

// What the last pass derived from w (lifetime: one pass; the buffers are reused). pass() fills
// z, v, c, q; conjugate_term() fills base, logc, ellc; lagrangian_gap() fills objective and
// conjugate; repaired_shannon_conjugate() fills repaired.
struct PassState {
  PassState(Eigen::Index m, Eigen::Index n, Eigen::Index ncell);
  Eigen::VectorXd z, v;        // Z_i = Σ_j K_ij w_j, v_i = p_i / Z_i
  Eigen::VectorXd c, q, logc;  // c_j = Σ_i v_i K_ij, q = w ⊙ c (the output pmf), log c
  Eigen::VectorXd ellc;        // log c merged over a cell by its maximum
  double base = 0.0;           // Σ p_i (s dmin_i − log Z_i)
  double objective = 0.0;      // primal Lagrangian value (nats)
  double conjugate = 0.0;      // the conjugate term of lagrangian_gap()
  RepairedDual repaired;
  Eigen::VectorXd qc;  // scratch over cells
  FftWork fft;         // scratch of fft_pass()
};

// The perception tilt of update_weights() without an exact prox: the running average of
// subgradients gbar (lifetime: one query; inner() seeds it when zero) and its weight θ (one inner
// solve). gc receives the divergence's subgradient or prox over the cells; it lives as long as
// the solver, as it always has, so that a divergence writing only part of it sees what it left.
struct Tilt {
  Eigen::VectorXd gbar, gc;
  double theta = 1.0;
};

// The weights and everything a pass reads or writes besides the kernel. w and prox_state (the
// divergence's warm start for prox_warm()) carry over from one evaluation and one query to the
// next: they are the warm start of the iteration; the cold restart resets them.
struct Iterate {
  Iterate(Eigen::Index m, Eigen::Index n, Eigen::Index ncell);
  Eigen::VectorXd w;
  Eigen::VectorXd prox_state;
  PassState pass;
  Tilt tilt;
  Eigen::VectorXd w0, w1, w2, wx, w_safe;  // scratch of inner() and evaluate()
};

// One pass on it.w with the kernel: fills it.pass's z, v, c, q; counts an iteration. False on a
// kernel underflow (budget.underflow and budget.failure set).
bool pass(const ProblemData& data, const ScaledKernel& kernel, Iterate& it, Budget& budget);

// The same pass with the products by FFT (toeplitz.hpp; kernel.spectra must be ready): a search
// step only, its z, v, c approximate. Counts an iteration like pass().
bool fft_pass(const ProblemData& data, const ScaledKernel& kernel, Iterate& it, Budget& budget);

// Lagrangian bounds (nats) of the last pass: returns the conjugate term used by the lower bound
// and fills logc, ellc, base.
double conjugate_term(const ProblemData& data, double slope, double mu, Mode mode, PassState& ps);

// Duality gap of the fixed-multiplier problem (nats); fills objective and conjugate.
double lagrangian_gap(const ProblemData& data, double slope, double mu, Mode mode, PassState& ps);

// The repaired Shannon conjugate term of the last pass (see the .cpp).
double repaired_shannon_conjugate(const ProblemData& data, const ScaledKernel& kernel,
                                  PassState& ps);

// Next weights from the last pass (see the .cpp).
void update_weights(const ProblemData& data, double mu, Mode mode, Iterate& it);

// log λ_i = s·dmin_i − log Z_i of the last pass (− log M_i if the repaired bound was used):
// the λ of the lower bound just recorded.
void log_lambda_of_pass(const ProblemData& data, double slope, const PassState& ps, bool repaired,
                        Eigen::VectorXd& out);

// The lower bound (nats) of the last pass with conjugate term conj: base − conj − sD − μP.
double lower_bound_at(const PassState& ps, double slope, const Query& query, double mu,
                      double conj);

}  // namespace rdp::ba
