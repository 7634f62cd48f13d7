#include <vector>

#include "command.hpp"

namespace rdp::cli {
namespace {
std::vector<CommandSetup>& setups() {
  static std::vector<CommandSetup> s;
  return s;
}
}  // namespace

bool register_command(CommandSetup setup) {
  setups().push_back(std::move(setup));
  return true;
}

int run(int argc, char** argv) {
  CLI::App app{"rdp — rate-distortion-perception toolkit (rdpkit " RDP_VERSION ")", "rdp"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RDP_VERSION);
  for (const auto& setup : setups()) setup(app);
  const std::string name = [&] {
    for (int i = 1; i < argc; ++i)
      if (argv[i][0] != '-') return std::string("rdp ") + argv[i];
    return std::string("rdp");
  }();
  return experiments::run_guarded(app, argc, argv, name);
}

}  // namespace rdp::cli

int main(int argc, char** argv) { return rdp::cli::run(argc, argv); }
