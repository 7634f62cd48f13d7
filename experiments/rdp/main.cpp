#include <iostream>
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (msg.empty()) msg = "bad command line";
    std::cerr << name << ": error: " << msg << " (see --help)\n";
    return 2;
  } catch (const rdp::InvalidArgument& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace rdp::cli

int main(int argc, char** argv) { return rdp::cli::run(argc, argv); }
