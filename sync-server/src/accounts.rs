//! User accounts: creating them, and checking a login's password (argon2id).

use crate::db::{Connection, OptionalExtension};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use axum::http::StatusCode;
use onsite_core::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// A user as other modules and clients see it: never the password hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Account {
    pub id: String,
    pub login: String,
    pub name: String,
    #[schema(value_type = String, example = "technician")]
    pub role: Role,
}

/// The role's stable name, as stored and as sent on the wire.
pub fn role_name(role: Role) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{role:?}").to_lowercase(),
    }
}

/// Parses a role name such as `technician`, with a clear error listing the valid ones.
pub fn parse_role(name: &str) -> Result<Role, ApiError> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).map_err(|_| {
        let valid: Vec<String> = Role::ALL.iter().map(|r| role_name(*r)).collect();
        ApiError::bad_request(
            "errors.account.unknown_role",
            format!("unknown role {name:?}; valid roles: {}", valid.join(", ")),
        )
    })
}

/// Hashes a password with argon2id and a fresh salt. Deliberately slow: call it off the
/// async runtime.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|err| ApiError::internal(format!("encoding a salt: {err}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal(format!("hashing a password: {err}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Adds a user with a new id. Fails with a 409 error if the login is taken.
pub fn add(
    conn: &Connection,
    login: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<Account, ApiError> {
    add_with_id(
        conn,
        &uuid::Uuid::now_v7().to_string(),
        login,
        name,
        role,
        password,
    )
}

/// Adds a user whose id is already known, as the demo's fixed cast is.
pub fn add_with_id(
    conn: &Connection,
    id: &str,
    login: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<Account, ApiError> {
    let login = login.trim();
    if login.is_empty() || name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "errors.account.missing_field",
            "a user needs a login and a name",
        ));
    }
    if password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "errors.account.weak_password",
            "a password needs at least 8 characters",
        ));
    }
    let account = Account {
        id: id.to_string(),
        login: login.to_string(),
        name: name.trim().to_string(),
        role,
    };
    let hash = hash_password(password)?;
    let inserted = conn.execute(
        "INSERT INTO users (id, login, name, role, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(login) DO NOTHING",
        (
            &account.id,
            &account.login,
            &account.name,
            role_name(role),
            hash,
            chrono::Utc::now().to_rfc3339(),
        ),
    )?;
    if inserted == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "errors.account.login_taken",
            format!("the login {login:?} is already taken"),
        ));
    }
    Ok(account)
}

/// Checks a login and password. Unknown logins, wrong passwords and disabled accounts
/// all give the same answer, so the endpoint does not reveal which logins exist.
pub fn verify(conn: &Connection, login: &str, password: &str) -> Result<Account, ApiError> {
    let bad = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "errors.auth.bad_credentials",
            "wrong login or password",
        )
    };
    let Some((account, hash)) = find(conn, "login", login.trim())? else {
        // Spend the same time as a real check so response times do not reveal logins.
        let _ = password_matches(password, dummy_hash());
        return Err(bad());
    };
    if !password_matches(password, &hash) {
        return Err(bad());
    }
    Ok(account)
}

/// Looks a user up by id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Account>, ApiError> {
    Ok(find(conn, "id", id)?.map(|(account, _)| account))
}

/// An active account and its password hash, looked up by `column` (`id` or `login`).
fn find(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<(Account, String)>, ApiError> {
    let row: Option<(String, String, String, String, String)> = conn
        .query_row(
            &format!(
                "SELECT id, login, name, role, password_hash FROM users
                 WHERE {column} = ?1 AND disabled_at IS NULL"
            ),
            [value],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(id, login, name, role, hash)| {
        let role = parse_role(&role)?;
        Ok((
            Account {
                id,
                login,
                name,
                role,
            },
            hash,
        ))
    })
    .transpose()
}

/// An argon2id hash of a random password, used to spend equal time on unknown logins.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&uuid::Uuid::now_v7().to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> anyhow::Result<(tempfile::TempDir, crate::db::Db)> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        Ok((dir, db))
    }

    #[test]
    fn passwords_are_stored_as_argon2id_hashes() -> anyhow::Result<()> {
        let (_dir, db) = db()?;
        let conn = db.conn();
        add(&conn, "li.wei", "李伟", Role::Technician, "correct horse")?;
        let stored: String = conn.query_row("SELECT password_hash FROM users", (), |r| r.get(0))?;
        assert!(stored.starts_with("$argon2id$"), "stored: {stored}");
        assert!(!stored.contains("correct horse"));
        Ok(())
    }

    #[test]
    fn the_right_password_signs_in_and_a_wrong_one_does_not() -> anyhow::Result<()> {
        let (_dir, db) = db()?;
        let conn = db.conn();
        let added = add(&conn, "li.wei", "李伟", Role::Technician, "correct horse")?;
        assert_eq!(
            verify(&conn, "LI.WEI", "correct horse")?,
            added,
            "logins ignore case"
        );
        let wrong = verify(&conn, "li.wei", "wrong horse").unwrap_err();
        let unknown = verify(&conn, "nobody", "correct horse").unwrap_err();
        assert_eq!(wrong.code, "errors.auth.bad_credentials");
        assert_eq!(
            unknown.code, wrong.code,
            "an unknown login looks like a wrong password"
        );
        Ok(())
    }

    #[test]
    fn a_login_can_only_be_taken_once() -> anyhow::Result<()> {
        let (_dir, db) = db()?;
        let conn = db.conn();
        add(&conn, "zhang", "张敏", Role::Dispatcher, "password1")?;
        let again = add(&conn, "Zhang", "Other", Role::Supervisor, "password2").unwrap_err();
        assert_eq!(again.status, StatusCode::CONFLICT);
        Ok(())
    }

    #[test]
    fn short_passwords_and_unknown_roles_are_refused_with_a_reason() -> anyhow::Result<()> {
        let (_dir, db) = db()?;
        let err = add(&db.conn(), "a", "A", Role::Support, "short").unwrap_err();
        assert_eq!(err.code, "errors.account.weak_password");
        let err = parse_role("janitor").unwrap_err();
        assert!(err.message.contains("technician"), "{}", err.message);
        assert_eq!(parse_role("storekeeper")?, Role::Storekeeper);
        Ok(())
    }
}
