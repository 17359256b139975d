//! Accounts and devices at the office: adding a user with a role, disabling one (which
//! revokes every device of theirs at once), changing a role, resetting a password,
//! listing and revoking devices, and creating the first supervisor of a new company.
//! Each is recorded in the audit in the same transaction. The desk (a supervisor) and
//! the server's command line call the same functions.

use crate::db::{Connection, OptionalExtension};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onsite_core::ids::{LocationId, UserId};
use onsite_core::office::{self, DeviceEntry, NewUser, PeopleOverview, StaffChange, UserEntry};
use onsite_core::role::Role;

use super::audit::{self, By};
use super::not_found;
use crate::accounts::{self, role_name};
use crate::devices;
use crate::error::ApiError;
use crate::reference;

/// How many audit entries the people screen shows.
pub const AUDIT_SHOWN: u32 = 100;

fn entry(r: &crate::db::Row<'_>) -> Result<(UserEntry, String), crate::db::StoreError> {
    Ok((
        UserEntry {
            id: r.get(0)?,
            login: r.get(1)?,
            name: r.get(2)?,
            role: Role::Technician,
            created_at: r.get(4)?,
            disabled_at: r.get(5)?,
        },
        r.get(3)?,
    ))
}

const USER_COLUMNS: &str = "id, login, name, role, created_at, disabled_at";

fn with_role((mut user, role): (UserEntry, String)) -> Result<UserEntry, ApiError> {
    user.role = accounts::parse_role(&role)?;
    Ok(user)
}

/// Every account, enabled ones first, by name.
pub fn users(conn: &Connection) -> Result<Vec<UserEntry>, ApiError> {
    let sql =
        format!("SELECT {USER_COLUMNS} FROM users ORDER BY disabled_at IS NOT NULL, name, login");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map((), entry)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(with_role).collect()
}

/// One account by id, disabled or not.
pub fn user(conn: &Connection, id: &str) -> Result<UserEntry, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    let row = conn.query_row(&sql, [id], entry).optional()?;
    row.map(with_role)
        .transpose()?
        .ok_or_else(|| not_found("errors.people.unknown_user", format!("no user {id}")))
}

/// One account by login (any case), for the command line.
pub fn user_by_login(conn: &Connection, login: &str) -> Result<UserEntry, ApiError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = ?1");
    let row = conn.query_row(&sql, [login.trim()], entry).optional()?;
    row.map(with_role).transpose()?.ok_or_else(|| {
        not_found(
            "errors.people.unknown_user",
            format!("no user with the login {login:?}"),
        )
    })
}

/// Every enrolled device with its user, newest enrollment first.
pub fn devices(conn: &Connection) -> Result<Vec<DeviceEntry>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, d.user_id, u.name, d.enrolled_at, d.last_seen_at, d.revoked_at
         FROM devices d JOIN users u ON u.id = d.user_id
         ORDER BY d.enrolled_at DESC, d.id",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(DeviceEntry {
            id: r.get(0)?,
            name: r.get(1)?,
            user_id: r.get(2)?,
            user_name: r.get(3)?,
            enrolled_at: r.get(4)?,
            last_seen_at: r.get(5)?,
            revoked_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The people screen.
pub fn overview(conn: &Connection) -> Result<PeopleOverview, ApiError> {
    Ok(PeopleOverview {
        users: users(conn)?,
        devices: devices(conn)?,
        audit: audit::recent(conn, AUDIT_SHOWN)?,
    })
}

fn active_supervisors(conn: &Connection) -> Result<usize, ApiError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM users WHERE role = ?1 AND disabled_at IS NULL",
        [role_name(Role::Supervisor)],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// A technician carries stock: their van exists from the moment they do.
fn ensure_van_for(conn: &Connection, user: &UserEntry) -> Result<(), ApiError> {
    if user.role != Role::Technician {
        return Ok(());
    }
    let holder = UserId(
        user.id
            .parse()
            .map_err(|e| ApiError::internal(format!("user id {}: {e}", user.id)))?,
    );
    reference::ensure_van(
        conn,
        holder,
        &format!("{} · van", user.name),
        LocationId(uuid::Uuid::now_v7()),
    )?;
    Ok(())
}

/// Adds an account (and a technician's van).
pub fn add_user(
    conn: &Connection,
    by: By<'_>,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<UserEntry, ApiError> {
    let account = accounts::add(conn, &new.login, &new.name, new.role, &new.password)?;
    let user = user(conn, &account.id)?;
    ensure_van_for(conn, &user)?;
    audit::record(
        conn,
        by,
        "user_added",
        &user.login,
        &serde_json::json!({ "role": new.role.as_str() }).to_string(),
        now,
    )?;
    Ok(user)
}

fn revoke_all(conn: &Connection, user_id: &str, now: DateTime<Utc>) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        (user_id, now.to_rfc3339()),
    )?)
}

/// Disables an account: it can no longer sign in, and every device of theirs is
/// revoked in the same transaction, so their next request gets 401. Never the last
/// active supervisor.
pub fn disable(
    conn: &Connection,
    by: By<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<UserEntry, ApiError> {
    let current = user(conn, id)?;
    if current.disabled_at.is_some() {
        return Ok(current);
    }
    office::check_staff_change(
        current.role,
        StaffChange::Disable,
        active_supervisors(conn)?,
    )?;
    conn.execute(
        "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
        (id, now.to_rfc3339()),
    )?;
    let revoked = revoke_all(conn, id, now)?;
    audit::record(
        conn,
        by,
        "user_disabled",
        &current.login,
        &serde_json::json!({ "revoked": revoked }).to_string(),
        now,
    )?;
    user(conn, id)
}

/// Enables a disabled account again. Its devices stay revoked: the user signs in anew
/// on a new install, or a supervisor reinstates a device.
pub fn enable(
    conn: &Connection,
    by: By<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<UserEntry, ApiError> {
    let current = user(conn, id)?;
    if current.disabled_at.is_none() {
        return Ok(current);
    }
    conn.execute("UPDATE users SET disabled_at = NULL WHERE id = ?1", [id])?;
    audit::record(conn, by, "user_enabled", &current.login, "{}", now)?;
    user(conn, id)
}

/// Gives an account another role. Its devices are revoked: each holds the data the old
/// role could see and shows that role's face, so the user signs in again. Never
/// demotes the last active supervisor.
pub fn set_role(
    conn: &Connection,
    by: By<'_>,
    id: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<UserEntry, ApiError> {
    let current = user(conn, id)?;
    if current.role == role {
        return Ok(current);
    }
    let supervisors = if current.disabled_at.is_none() {
        active_supervisors(conn)?
    } else {
        // A disabled supervisor is not one of the active ones.
        usize::MAX
    };
    office::check_staff_change(current.role, StaffChange::SetRole(role), supervisors)?;
    conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        (id, role_name(role)),
    )?;
    let revoked = revoke_all(conn, id, now)?;
    let updated = user(conn, id)?;
    ensure_van_for(conn, &updated)?;
    audit::record(
        conn,
        by,
        "role_changed",
        &current.login,
        &serde_json::json!({
            "from": current.role.as_str(),
            "role": role.as_str(),
            "revoked": revoked,
        })
        .to_string(),
        now,
    )?;
    Ok(updated)
}

/// Sets a new password (argon2id). Devices already enrolled keep working: a reset is
/// for a forgotten password; disable the account or revoke a device to shut one out.
pub fn reset_password(
    conn: &Connection,
    by: By<'_>,
    id: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let current = user(conn, id)?;
    if password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "errors.account.weak_password",
            "a password needs at least 8 characters",
        ));
    }
    let hash = accounts::hash_password(password)?;
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        (id, hash),
    )?;
    audit::record(conn, by, "password_reset", &current.login, "{}", now)?;
    Ok(())
}

/// Revokes one device.
pub fn revoke_device(
    conn: &Connection,
    by: By<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let device = devices(conn)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "errors.device.not_found",
                format!("no device {id}"),
            )
        })?;
    devices::revoke(conn, id)?;
    audit::record(
        conn,
        by,
        "device_revoked",
        &device.name,
        &serde_json::json!({ "name": device.user_name }).to_string(),
        now,
    )?;
    Ok(())
}

/// Creates the first supervisor of a new company (`onsite-server init`). Refused once
/// the server has an active supervisor: from then on a supervisor adds people.
pub fn init(
    conn: &Connection,
    login: &str,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<UserEntry, ApiError> {
    if active_supervisors(conn)? > 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "errors.people.already_initialised",
            "this server already has a supervisor; a supervisor adds everyone else",
        ));
    }
    let new = NewUser {
        login: login.to_string(),
        name: name.to_string(),
        role: Role::Supervisor,
        password: password.to_string(),
    };
    let account = accounts::add(conn, &new.login, &new.name, new.role, &new.password)?;
    audit::record(
        conn,
        audit::COMMAND_LINE,
        "first_supervisor",
        &account.login,
        "{}",
        now,
    )?;
    user(conn, &account.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(login: &str, role: Role) -> NewUser {
        NewUser {
            login: login.into(),
            name: login.into(),
            role,
            password: "long enough".into(),
        }
    }

    #[test]
    fn disabling_revokes_every_device_and_is_recorded() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let now = Utc::now();
        let boss = init(&conn, "boss", "刘洋", "long enough", now)?;
        let tech = add_user(
            &conn,
            audit::COMMAND_LINE,
            &new("liwei", Role::Technician),
            now,
        )?;
        let account = accounts::get(&conn, &tech.id)?.ok_or_else(|| anyhow::anyhow!("added"))?;
        let token = devices::enroll(&conn, &account, &uuid::Uuid::now_v7().to_string(), "phone")?;
        assert!(
            reference::load(&conn)?
                .locations
                .iter()
                .any(|l| l.holder.map(|h| h.to_string()) == Some(tech.id.clone())),
            "a new technician has a van"
        );
        let by = By {
            id: Some(&boss.id),
            name: &boss.name,
        };
        let disabled = disable(&conn, by, &tech.id, now)?;
        assert!(disabled.disabled_at.is_some());
        assert!(devices(&conn)?.iter().all(|d| d.revoked_at.is_some()));
        assert_eq!(
            devices::authenticate(&conn, &token).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        let audit = audit::recent(&conn, 10)?;
        assert_eq!(audit[0].action, "user_disabled");
        assert_eq!(audit[0].by.as_deref(), Some(boss.id.as_str()));
        assert_eq!(audit[0].subject, "liwei");
        Ok(())
    }

    #[test]
    fn the_last_supervisor_stays_and_init_runs_once() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let now = Utc::now();
        let boss = init(&conn, "boss", "刘洋", "long enough", now)?;
        let again = init(&conn, "other", "Other", "long enough", now).unwrap_err();
        assert_eq!(again.code, "errors.people.already_initialised");
        let err = disable(&conn, audit::COMMAND_LINE, &boss.id, now).unwrap_err();
        assert_eq!(err.code, "errors.people.last_supervisor");
        let err =
            set_role(&conn, audit::COMMAND_LINE, &boss.id, Role::Dispatcher, now).unwrap_err();
        assert_eq!(err.code, "errors.people.last_supervisor");
        let second = add_user(
            &conn,
            audit::COMMAND_LINE,
            &new("second", Role::Supervisor),
            now,
        )?;
        set_role(&conn, audit::COMMAND_LINE, &boss.id, Role::Dispatcher, now)?;
        let err = disable(&conn, audit::COMMAND_LINE, &second.id, now).unwrap_err();
        assert_eq!(
            err.code, "errors.people.last_supervisor",
            "now the second is the last"
        );
        Ok(())
    }
}
