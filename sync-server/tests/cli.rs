//! The `onsite-server` command line, run as a real process.

use std::io::Write as _;
use std::process::{Command, Stdio};

fn server_cmd(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onsite-server"));
    cmd.env("ONSITE_DATA", data).env("RUST_LOG", "warn");
    cmd
}

#[test]
fn user_add_reads_the_password_from_stdin_and_backup_copies_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut child = server_cmd(dir.path())
        .args([
            "user",
            "add",
            "wang.fang",
            "--role",
            "dispatcher",
            "--name",
            "王芳",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?
        .write_all(b"s3cret-passw0rd\n")?;
    let out = child.wait_with_output()?;
    assert!(out.status.success(), "user add failed");
    assert!(String::from_utf8(out.stdout)?.contains("added wang.fang"));

    let backup = dir.path().join("copy.db");
    let out = server_cmd(dir.path())
        .args(["backup", "--out"])
        .arg(&backup)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = rusqlite::Connection::open(&backup)?;
    let (name, hash): (String, String) =
        copy.query_row("SELECT name, password_hash FROM users", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    assert_eq!(name, "王芳");
    assert!(
        hash.starts_with("$argon2id$"),
        "the password was hashed, not stored"
    );
    Ok(())
}

#[test]
fn an_unknown_role_is_refused_with_the_valid_ones_listed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = server_cmd(dir.path())
        .args(["user", "add", "x", "--role", "boss", "--name", "X"])
        .stdin(Stdio::null())
        .output()?;
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr)?;
    assert!(
        err.contains("unknown role") && err.contains("storekeeper"),
        "{err}"
    );
    Ok(())
}

#[test]
fn device_list_shows_control_characters_in_names_as_escapes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let db = onsite_server::db::open(dir.path())?;
        let conn = db.conn();
        let account = onsite_server::accounts::add(
            &conn,
            "li.wei",
            "李伟",
            onsite_core::role::Role::Technician,
            "correct horse",
        )?;
        // A name that would clear the screen and fake a second, revoked-looking line.
        onsite_server::devices::enroll(
            &conn,
            &account,
            &uuid::Uuid::now_v7().to_string(),
            "phone\u{1b}[2J\nfake-device  revoked",
        )?;
    }
    let out = server_cmd(dir.path()).args(["device", "list"]).output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    assert!(
        !text.contains('\u{1b}'),
        "no raw escape reaches the terminal: {text:?}"
    );
    assert_eq!(text.lines().count(), 1, "one device, one line: {text:?}");
    assert!(text.contains("phone\\u{1b}[2J\\nfake-device"), "{text:?}");
    Ok(())
}

/// Runs the command with `stdin` piped in; (success, stdout, stderr).
fn run(
    data: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> anyhow::Result<(bool, String, String)> {
    let mut child = server_cmd(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

#[test]
fn init_makes_the_first_supervisor_once_and_the_user_commands_keep_the_desks_rules(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let (ok, out, err) = run(
        d,
        &["init", "--login", "liu.yang", "--name", "刘洋"],
        "long enough\n",
    )?;
    assert!(ok, "{err}");
    assert!(out.contains("first supervisor liu.yang"), "{out}");
    let (ok, _, err) = run(
        d,
        &["init", "--login", "other", "--name", "Other"],
        "long enough\n",
    )?;
    assert!(!ok, "a second init is refused");
    assert!(err.contains("already has a supervisor"), "{err}");

    let (ok, _, err) = run(d, &["user", "disable", "liu.yang"], "")?;
    assert!(!ok && err.contains("last active supervisor"), "{err}");
    let (ok, _, err) = run(
        d,
        &[
            "user",
            "add",
            "li.wei",
            "--role",
            "technician",
            "--name",
            "李伟",
        ],
        "long enough\n",
    )?;
    assert!(ok, "{err}");
    let (ok, _, err) = run(d, &["user", "role", "li.wei", "storekeeper"], "")?;
    assert!(ok, "{err}");
    let (ok, _, err) = run(d, &["user", "password", "li.wei"], "another long one\n")?;
    assert!(ok, "{err}");
    let (ok, _, err) = run(d, &["user", "disable", "li.wei"], "")?;
    assert!(ok, "{err}");
    let (ok, out, _) = run(d, &["user", "list"], "")?;
    assert!(ok);
    assert!(
        out.lines()
            .any(|l| l.contains("li.wei") && l.contains("storekeeper") && l.ends_with("disabled")),
        "{out}"
    );

    let db = onsite_server::db::open(d)?;
    let actions: Vec<(String, String)> = onsite_server::office::audit::recent(&db.conn(), 10)?
        .into_iter()
        .map(|a| (a.action, a.by_name))
        .collect();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "user_disabled",
            "password_reset",
            "role_changed",
            "user_added",
            "first_supervisor"
        ],
        "every command is on record, newest first"
    );
    assert!(actions.iter().all(|(_, by)| by == "command line"));
    Ok(())
}

#[test]
fn new_epoch_moves_the_epoch_and_backup_on_postgres_names_pg_dump() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let epoch = || -> anyhow::Result<String> {
        let db = rusqlite::Connection::open(dir.path().join("server.db"))?;
        Ok(db.query_row("SELECT epoch FROM server_identity", [], |r| r.get(0))?)
    };
    let (ok, _, err) = run(dir.path(), &["user", "list"], "")?;
    assert!(ok, "{err}");
    let before = epoch()?;
    let (ok, out, err) = run(dir.path(), &["new-epoch"], "")?;
    assert!(ok, "{err}");
    let after = epoch()?;
    assert_ne!(before, after, "a new epoch");
    assert!(out.contains(&after), "it says which: {out}");

    // Refused before anything is opened: no PostgreSQL is needed to see it.
    let (ok, _, err) = run(
        dir.path(),
        &[
            "backup",
            "--out",
            "x.db",
            "--database",
            "postgres://nobody@127.0.0.1:1/none",
        ],
        "",
    )?;
    assert!(!ok, "backup copies the SQLite file only");
    assert!(err.contains("pg_dump"), "it names the tool to use: {err}");
    Ok(())
}
