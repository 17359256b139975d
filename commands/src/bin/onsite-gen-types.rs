//! Writes the generated TypeScript types to `ui/src/lib/gen/types.ts` (or the path
//! given), from the repository root.

use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(onsite_commands::types::GENERATED));
    if let Some(dir) = path.parent() {
        if let Err(err) = std::fs::create_dir_all(dir) {
            eprintln!("creating {}: {err}", dir.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    match std::fs::write(&path, onsite_commands::types::typescript()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("writing {}: {err}", path.display());
            std::process::ExitCode::FAILURE
        }
    }
}
