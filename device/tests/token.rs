//! Where the device token is kept: in the key store when one takes it (keyring's own
//! mock store stands in for the operating system's here), and then nowhere in the
//! SQLite files; in the device database, with the choice recorded, when no key store
//! works (as on a headless Linux machine). One test, because the key store backend is
//! chosen once per process.

use std::any::Any;

use keyring::credential::{Credential, CredentialBuilder, CredentialBuilderApi};
use onsite_device::token::{self, TokenPlace};
use onsite_device::Store;

/// A platform with no usable key store: every entry fails, as the Secret Service does
/// without a D-Bus session.
struct NoKeyStore;

impl CredentialBuilderApi for NoKeyStore {
    fn build(&self, _: Option<&str>, _: &str, _: &str) -> keyring::Result<Box<Credential>> {
        Err(keyring::Error::PlatformFailure(
            "no secret service on this machine".into(),
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Every byte SQLite has written for `db`: the file and its WAL.
fn bytes_on_disk(db: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut all = std::fs::read(db)?;
    let wal = db.with_extension("db-wal");
    if wal.exists() {
        all.extend(std::fs::read(wal)?);
    }
    Ok(all)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_token_goes_to_the_key_store_when_there_is_one_and_to_the_database_when_not(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;

    // No key store: the database keeps it, and says so.
    keyring::set_default_credential_builder(Box::new(NoKeyStore) as Box<CredentialBuilder>);
    let db = dir.path().join("headless.db");
    let mut store = Store::open(&db)?;
    assert_eq!(token::place(&store)?, None, "not signed in yet");
    let place = token::save(&mut store, "ost_headless_0123456789")?;
    assert_eq!(place, TokenPlace::DeviceStore);
    assert_eq!(token::place(&store)?, Some(TokenPlace::DeviceStore));
    assert_eq!(
        store.meta("device_token")?.as_deref(),
        Some("ost_headless_0123456789")
    );
    assert_eq!(
        token::load(&store)?.as_deref(),
        Some("ost_headless_0123456789")
    );
    token::forget(&mut store)?;
    assert_eq!(token::load(&store)?, None, "signed out: gone");
    assert_eq!(store.meta("device_token")?, None);

    // A key store: the token is there and nowhere in the SQLite files.
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let db = dir.path().join("desktop.db");
    let mut store = Store::open(&db)?;
    let secret = "ost_keystore_9876543210";
    assert_eq!(token::save(&mut store, secret)?, TokenPlace::KeyStore);
    assert_eq!(token::place(&store)?, Some(TokenPlace::KeyStore));
    assert_eq!(store.meta("device_token")?, None);
    assert_eq!(token::load(&store)?.as_deref(), Some(secret));
    assert!(
        !contains(&bytes_on_disk(&db)?, secret),
        "the token is not in the device database"
    );
    token::forget(&mut store)?;
    assert_eq!(token::place(&store)?, None);
    assert_eq!(
        token::load(&store)?,
        None,
        "signed out: gone from the key store"
    );
    Ok(())
}
