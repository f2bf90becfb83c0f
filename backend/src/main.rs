use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bedside_backend::telemetry::init();
    let cli = bedside_backend::cli::Cli::parse();
    match bedside_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
