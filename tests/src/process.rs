//! The sync server as a child process (`src/bin/server_process.rs`), for the scenarios
//! that SIGKILL it or watch its memory: started on a data folder, its log (warnings and
//! errors) written to a file beside it. Integration tests pass the binary's path, which
//! only they know (`env!("CARGO_BIN_EXE_server_process")`).

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `exe` on `data` at `addr` (port 0 picks one), appending its log to `log`,
    /// and returns once it says it is listening.
    pub fn start(exe: &str, data: &Path, addr: SocketAddr, log: &Path) -> anyhow::Result<Self> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let mut child = Command::new(exe)
            .arg(data)
            .arg(addr.to_string())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {exe}"))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .with_context(|| format!("the server did not start ({line:?}); see {}", log.display()))?
            .parse()?;
        Ok(Self {
            child,
            addr,
            log: log.to_path_buf(),
        })
    }

    /// SIGKILL, then reap it, so the port and the database are free to reopen.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// The resident memory of the process now, in KiB (`VmRSS` in `/proc/PID/status`).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("no VmRSS in /proc/PID/status")?;
        let kib = line
            .split_whitespace()
            .nth(1)
            .context("VmRSS without a number")?;
        Ok(kib.parse()?)
    }

    /// The ERROR lines its log holds so far, across every start that shared the file.
    pub fn logged_errors(&self) -> anyhow::Result<Vec<String>> {
        let text = std::fs::read_to_string(&self.log)?;
        Ok(text
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(str::to_string)
            .collect())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
