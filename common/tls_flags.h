// The --tls-ca/--tls-cert/--tls-key flags every hetsched binary takes
// (common/tls.h says what they mean). Header-only; CLI11 is header-only.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "common/tls.h"

namespace hetsched {

// `whose`: "this scheduler's", "this agent's", "your client". With
// `env_defaults`, each help text names the environment variable the CLI
// falls back to.
inline void AddTlsFlags(CLI::App& app, TlsFiles& files,
                        const std::string& whose, bool env_defaults = false) {
  auto help = [&](const std::string& text, const char* env) {
    return env_defaults ? text + " (default: $" + env + ")" : text;
  };
  app.add_option("--tls-ca", files.ca,
                 help("CA that signed every hetsched certificate (mutual "
                      "TLS: give all three --tls-* flags, or none)",
                      "HETSCHED_TLS_CA"));
  app.add_option("--tls-cert", files.cert,
                 help(whose + " certificate", "HETSCHED_TLS_CERT"));
  app.add_option("--tls-key", files.key,
                 help("its private key", "HETSCHED_TLS_KEY"));
}

// Daemons: --tls-reload-interval-s, how often the three files are re-read
// (a rotated certificate serves the next handshake; nothing restarts).
inline void AddTlsReloadFlag(CLI::App& app, TlsFiles& files) {
  files.reload_interval_s = 60;
  app.add_option("--tls-reload-interval-s", files.reload_interval_s,
                 "how often the --tls-* files are re-read, so that rotated "
                 "certificates take effect without a restart")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
}

}  // namespace hetsched
