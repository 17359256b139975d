//! Peak memory for one 40 MP photo through the real command path, each way in its own
//! process so one peak cannot hide another: as the Tauri shell hands the raw request body
//! to `photos::add_photo` (`raw_body`), as the development bridge does (the real
//! `onsite-bridge` binary, photo POSTed as the HTTP body), and the old path, in which the
//! UI sent `Array.from(bytes)`, Tauri parsed the JSON into a `serde_json::Value` and the
//! command took a `Vec<u8>` from it (`json_array`). Each process signs in to a real
//! `onsite-server` (in this process) as a dispatcher and creates the order first; the
//! figure is the peak resident memory (`VmHWM`) while the photo is added, above the
//! resident memory just before it, with the body already in memory as it arrives. Prints
//! the figures and writes them to target/bench/photo_ipc.json.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use onsite_commands::{intake, photos, session, App};
use onsite_core::intake::{Intake, IntakeCustomer, IntakeProduct};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
use onsite_device::Store;
use onsite_tests::{trust, TestServer};
use serde_json::{json, Value};

const PASSWORD: &str = "bench-password";
const MIB: f64 = 1024.0 * 1024.0;
/// 40 megapixels, a phone camera's full resolution (7296 × 5472).
const WIDTH: u32 = 7296;
const HEIGHT: u32 = 5472;

fn intake() -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Repair,
        customer: IntakeCustomer {
            name: "张伟".into(),
            phone: "13800138001".into(),
            address: "北京市朝阳区建国路88号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "WM-8000".into(),
            serial: "SN-PHOTO-1".into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: "E21".into(),
        description: "排水泵不转".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

/// A 40 MP JPEG with fine detail, so it compresses like a photo rather than a flat image.
fn photo(path: &Path) -> anyhow::Result<u64> {
    let mut rng = fastrand::Rng::with_seed(40);
    let img = image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let n = rng.u8(0..48);
        image::Rgb([
            ((x / 29) as u8).wrapping_add(n),
            ((y / 23) as u8).wrapping_add(n),
            ((x + y) / 41) as u8 ^ n,
        ])
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

/// The child: sign in, create the order, then add the photo the way `mode` names, and
/// print `{"peak_mib", "growth_mib"}`.
async fn child(mode: &str, server: &str, login: &str, file: &Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let app = App::new(Store::open(&dir.path().join("device.db"))?);
    session::sign_in(&app, server, login, PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    let order = intake::create_order(&app, intake(), None)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    let id = order.order.id.to_string();
    let bytes = std::fs::read(file)?;
    // What reaches Rust: the body as bytes, or the old JSON text of an array of numbers.
    let body: Vec<u8> = match mode {
        "raw_body" => bytes,
        "json_array" => serde_json::to_vec(&bytes)?,
        other => anyhow::bail!("unknown mode {other}"),
    };
    anyhow::ensure!(trust::reset_peak_rss(), "cannot reset the peak RSS here");
    let before = trust::rss_bytes();
    let added = match mode {
        "raw_body" => photos::add_photo(&app, &id, &body, "40 MP"),
        _ => {
            let value: Value = serde_json::from_slice(&body)?;
            let bytes: Vec<u8> = serde_json::from_value(value)?;
            photos::add_photo(&app, &id, &bytes, "40 MP")
        }
    }
    .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    anyhow::ensure!(added.order.photos.len() == 1, "the photo is on the order");
    let peak = trust::peak_rss_bytes();
    println!(
        "{}",
        json!({"peak_mib": mib(peak), "growth_mib": mib(peak.saturating_sub(before))})
    );
    Ok(())
}

fn proc_status(pid: u32, key: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| anyhow::anyhow!("no {key} for {pid}"))
}

/// The bridge binary as its own process: sign in and create the order through it, then
/// POST the photo's bytes and read its peak from /proc.
async fn bridge(server: &str, login: &str, file: &Path) -> anyhow::Result<(f64, f64)> {
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_onsite-bridge"))
        .args(["--data", &dir.path().display().to_string(), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let address = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(at) = line.find("http://") {
                return Ok(line[at..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string());
            }
        }
        anyhow::bail!("the bridge never said where it listens")
    })
    .await??;
    let http = reqwest::Client::new();
    let call = |command: &'static str, args: Value| {
        let http = http.clone();
        let address = address.clone();
        async move {
            let res = http
                .post(format!("{address}/invoke"))
                .json(&json!({"command": command, "args": args}))
                .send()
                .await?;
            anyhow::ensure!(
                res.status().is_success(),
                "{command}: {}",
                res.text().await?
            );
            Ok::<Value, anyhow::Error>(res.json().await?)
        }
    };
    call(
        "sign_in",
        json!({"server": server, "login": login, "password": PASSWORD}),
    )
    .await?;
    let order = call("create_order", json!({"intake": intake(), "answer": null})).await?;
    let id = order["order"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bytes = std::fs::read(file)?;
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")?;
    let before = proc_status(pid, "VmRSS:")?;
    let res = http
        .post(format!("{address}/invoke/add_photo?id={id}&caption=40MP"))
        .body(bytes)
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "add_photo: {}",
        res.text().await?
    );
    let peak = proc_status(pid, "VmHWM:")?;
    child.kill()?;
    child.wait()?;
    Ok((mib(peak), mib(peak.saturating_sub(before))))
}

fn run_child(mode: &str, server: &str, login: &str, file: &Path) -> anyhow::Result<Value> {
    let out = Command::new(std::env::current_exe()?)
        .env("PHOTO_IPC_CHILD", mode)
        .env("PHOTO_IPC_SERVER", server)
        .env("PHOTO_IPC_LOGIN", login)
        .env("PHOTO_IPC_FILE", file)
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "the {mode} child failed");
    let text = String::from_utf8(out.stdout)?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| anyhow::anyhow!("the {mode} child printed no figures: {text}"))?;
    Ok(serde_json::from_str(line)?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Ok(mode) = std::env::var("PHOTO_IPC_CHILD") {
        let var = |k: &str| std::env::var(k).map_err(|_| anyhow::anyhow!("{k} not set"));
        return child(
            &mode,
            &var("PHOTO_IPC_SERVER")?,
            &var("PHOTO_IPC_LOGIN")?,
            &PathBuf::from(var("PHOTO_IPC_FILE")?),
        )
        .await;
    }
    let work = tempfile::tempdir()?;
    let file = work.path().join("40mp.jpg");
    let size = photo(&file)?;
    let server = TestServer::start().await?;
    let url = server.url("");
    let mut figures = Vec::new();
    let mut figure = |name: &str, value: f64, unit: &str, target: &str| {
        println!("{name:<44} {value:>10.2} {unit:<3} (target {target})");
        figures.push(json!({"name": name, "value": value, "unit": unit, "target": target}));
    };
    figure("photo_jpeg_size", mib(size), "MiB", "-");
    for (n, mode) in ["raw_body", "json_array"].into_iter().enumerate() {
        let login = format!("desk{n}");
        server.add_user(&login, &login, Role::Dispatcher, PASSWORD)?;
        let got = run_child(mode, &url, &login, &file)?;
        let target = if mode == "raw_body" { "< 250" } else { "-" };
        figure(
            &format!("{mode}_peak_rss"),
            got["peak_mib"].as_f64().unwrap_or(0.0),
            "MiB",
            target,
        );
        figure(
            &format!("{mode}_growth"),
            got["growth_mib"].as_f64().unwrap_or(0.0),
            "MiB",
            "-",
        );
    }
    server.add_user("bridge", "bridge", Role::Dispatcher, PASSWORD)?;
    let (peak, growth) = bridge(&url, "bridge", &file).await?;
    figure("bridge_peak_rss", peak, "MiB", "< 250");
    figure("bridge_growth", growth, "MiB", "-");

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("photo_ipc.json"),
        serde_json::to_string_pretty(&json!({ "figures": figures }))?,
    )?;
    Ok(())
}
