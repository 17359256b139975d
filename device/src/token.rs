//! Where the device token lives. In the operating system's key store where one works
//! (the Secret Service of a Linux desktop, the Keychain, Windows Credential Manager);
//! where none does (headless Linux, CI, Android) in `device_meta`, with a warning in the
//! log. The choice is made once, at sign-in, by trying the key store, and recorded in
//! `device_meta.token_place` (`key_store` or `device_store`), so the device never guesses
//! later where to look and a key store that stops working is an error, not a silent
//! switch. Signing out deletes the token from wherever it is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::{Store, StoreError};

/// The `device_meta` key of the token when it is kept in the device database.
pub(crate) const META_TOKEN: &str = "device_token";
const META_PLACE: &str = "token_place";
/// The key store's service name; the account is `device-<device id>`.
const SERVICE: &str = "onsite";

/// Where a device keeps its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlace {
    /// The operating system's key store.
    KeyStore,
    /// `device_meta`, in the app's private data folder, because no key store works here.
    DeviceStore,
}

/// A key store that was chosen at sign-in failed afterwards.
#[derive(Debug, thiserror::Error)]
#[error("the system key store holding this device's token failed: {0}")]
pub struct KeyStoreError(pub String);

/// Where this device keeps its token, or None before sign-in.
pub fn place(store: &Store) -> Result<Option<TokenPlace>, StoreError> {
    Ok(match store.meta(META_PLACE)?.as_deref() {
        Some("key_store") => Some(TokenPlace::KeyStore),
        Some("device_store") => Some(TokenPlace::DeviceStore),
        // Signed in by a version that kept it in the database only.
        _ if store.meta(META_TOKEN)?.is_some() => Some(TokenPlace::DeviceStore),
        _ => None,
    })
}

/// Keeps `token` for this device: in the key store if it takes it, otherwise in the
/// device database. Says where.
pub fn save(store: &mut Store, token: &str) -> Result<TokenPlace, StoreError> {
    let device = store.device_id()?;
    match key_store::set(&device, token) {
        Ok(()) => {
            store.batch(|s| {
                s.delete_meta(META_TOKEN)?;
                s.set_meta(META_PLACE, "key_store")
            })?;
            tracing::info!("device token kept in the system key store");
            Ok(TokenPlace::KeyStore)
        }
        Err(err) => {
            tracing::warn!(
                %err,
                "no usable system key store; the device token is kept in the device database"
            );
            store.batch(|s| {
                s.set_meta(META_TOKEN, token)?;
                s.set_meta(META_PLACE, "device_store")
            })?;
            Ok(TokenPlace::DeviceStore)
        }
    }
}

/// This device's token, from where sign-in put it; None when signed out.
pub fn load(store: &Store) -> Result<Option<String>, LoadError> {
    match place(store)? {
        None => Ok(None),
        Some(TokenPlace::DeviceStore) => Ok(store.meta(META_TOKEN)?),
        Some(TokenPlace::KeyStore) => {
            let device = store.device_id()?;
            key_store::get(&device).map_err(|e| LoadError::KeyStore(KeyStoreError(e)))
        }
    }
}

/// Reading the token failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The device database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key store.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
}

/// Deletes this device's token from wherever it is (signing out). A key store that
/// cannot be reached is logged: the server revokes the token anyway.
pub fn forget(store: &mut Store) -> Result<(), StoreError> {
    if place(store)? == Some(TokenPlace::KeyStore) {
        let device = store.device_id()?;
        if let Err(err) = key_store::delete(&device) {
            tracing::warn!(%err, "could not delete the device token from the system key store");
        }
    }
    store.batch(|s| {
        s.delete_meta(META_TOKEN)?;
        s.delete_meta(META_PLACE)
    })
}

/// The key store entries this process has opened, by device id. Kept so that every call
/// for a device goes through the same entry: keyring's mock store (used by the tests)
/// keeps a secret per entry, not per name, and a real store loses nothing by it.
fn entries() -> &'static Mutex<HashMap<String, Arc<KeyEntry>>> {
    static ENTRIES: OnceLock<Mutex<HashMap<String, Arc<KeyEntry>>>> = OnceLock::new();
    ENTRIES.get_or_init(Default::default)
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", windows))]
type KeyEntry = keyring::Entry;
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "ios", windows)))]
type KeyEntry = ();

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", windows))]
mod key_store {
    use super::*;

    fn entry(device: &str) -> Result<Arc<keyring::Entry>, String> {
        let mut map = entries().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get(device) {
            return Ok(e.clone());
        }
        let e = Arc::new(
            keyring::Entry::new(SERVICE, &format!("device-{device}")).map_err(|e| e.to_string())?,
        );
        map.insert(device.to_string(), e.clone());
        Ok(e)
    }

    pub fn set(device: &str, token: &str) -> Result<(), String> {
        let e = entry(device)?;
        e.set_password(token).map_err(|e| e.to_string())?;
        // A store that takes a secret but cannot give it back is no store.
        match e.get_password() {
            Ok(back) if back == token => Ok(()),
            Ok(_) => Err("the key store gave back a different secret".into()),
            Err(err) => Err(err.to_string()),
        }
    }

    pub fn get(device: &str) -> Result<Option<String>, String> {
        match entry(device)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.to_string()),
        }
    }

    pub fn delete(device: &str) -> Result<(), String> {
        let result = match entry(device)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.to_string()),
        };
        entries()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(device);
        result
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "ios", windows)))]
mod key_store {
    //! No key store backend is built for this platform.
    pub fn set(_device: &str, _token: &str) -> Result<(), String> {
        let _ = super::entries();
        Err("no system key store on this platform".into())
    }
    pub fn get(_device: &str) -> Result<Option<String>, String> {
        Err("no system key store on this platform".into())
    }
    pub fn delete(_device: &str) -> Result<(), String> {
        Ok(())
    }
}
