//! The `kartrum` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kartrummet=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // GDAL's own messages go to the log instead of straight to stderr.
    gdal::config::set_error_handler(|class, _code, message| {
        tracing::debug!(target: "kartrummet::gdal", "{class:?}: {message}");
    });
    match kartrummet::cli::run(kartrummet::cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
