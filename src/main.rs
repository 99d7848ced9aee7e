//! The `fairline` binary: parse the command line and hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    match fairline::cli::Cli::parse().run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fairline: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
