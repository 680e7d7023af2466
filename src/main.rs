//! The `ecogate` binary: parse arguments, set up logging, run, map the outcome to an exit code.

use clap::Parser;
use ecogate::cli::{run, Cli, Command};

fn main() {
    let cli = Cli::parse();
    // The server logs its access log at info; one-shot commands only warnings. ECOGATE_LOG overrides (EnvFilter
    // syntax); ECOGATE_LOG_FORMAT=json gives one JSON object per line for log collectors.
    let default = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECOGATE_LOG").unwrap_or_else(|_| default.into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("ECOGATE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
    let code = match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            failure.exit_code()
        }
    };
    std::process::exit(code);
}
