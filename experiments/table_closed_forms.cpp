// Table: closed-form R(D,P) at a few operating points of each closed form, with its region.
#include <iostream>

#include "experiment.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/source_registry.hpp"

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "table_closed_forms", "Closed-form R(D,P) at reference operating points",
      [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        CsvTable table(
            {"source", "distortion", "perception", "D", "P", "rate_bits", "region", "optimality"});
        struct Case {
          const char* source;
          Perception perception;
          double d, p;
        };
        const Case cases[] = {
            {"bernoulli:p=0.1", Perception::none, 0.05, 0.0},
            {"bernoulli:p=0.1", Perception::tv, 0.01, 0.05},
            {"bernoulli:p=0.1", Perception::tv, 0.05, 0.02},
            {"bernoulli:p=0.1", Perception::tv, 0.1, 0.0},
            {"bernoulli:p=0.1", Perception::tv, 0.2, 0.0},
            {"gaussian:sigma=1", Perception::none, 0.5, 0.0},
            {"gaussian:sigma=1", Perception::w2sq, 0.5, 0.04},
            {"gaussian:sigma=1", Perception::w2sq, 0.5, 0.0},
            {"gaussian:sigma=1", Perception::w2sq, 1.2, 0.0},
            {"gaussian:sigma=1", Perception::kl, 0.5, 0.1},
            {"gaussian:sigma=1", Perception::rkl, 0.5, 0.1},
        };
        for (const auto& c : cases) {
          const auto src = make_source(c.source);
          const Distortion dist = default_distortion(*src);
          const auto r = closed_form_rate(*src, dist, c.perception, c.d, c.p);
          table.add_row({src->spec(), dist.name(), std::string(perception_name(c.perception)),
                         CsvTable::cell(c.d), CsvTable::cell(c.p), CsvTable::cell(r.rate_bits),
                         r.region, r.optimality});
          std::cout << src->spec() << "  " << perception_name(c.perception) << "  D=" << c.d
                    << " P=" << c.p << "  R=" << r.rate_bits << " bits  (" << r.region << ")\n";
        }
        // Common randomness at P = 0 (Gaussian σ = 1, D = 0.5).
        for (double rc : {0.0, 0.5, 1.0, 1.585, 3.0}) {
          const double rate = rate_common_randomness_gaussian(1.0, 0.5, rc);
          table.add_row({"gaussian:mu=0,sigma=1", "mse", "w2sq", "0.5", "0", CsvTable::cell(rate),
                         "wagner_Rc=" + CsvTable::cell(rc), "optimal"});
          std::cout << "gaussian:sigma=1  P=0  D=0.5  Rc=" << rc << "  R=" << rate << " bits\n";
        }
        table.write(opt.out_dir, "table_closed_forms",
                    {{"cases", "fixed operating points of each closed form"},
                     {"common_randomness",
                      {{"source", "gaussian:mu=0,sigma=1"},
                       {"D", 0.5},
                       {"Rc_bits", {0.0, 0.5, 1.0, 1.585, 3.0}}}}});
      });
}
