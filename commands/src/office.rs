//! The office's set-up screens: the parts catalog (with its CSV import), stock (receipts,
//! transfers to vans, balances per location) and people (accounts, devices, the audit).
//! Which of them the signed-in role administers comes from `onsite_core::office`; the
//! work and the same check happen on the server (`/v1/office/…`), so these commands
//! need the office to be reachable.

use onsite_core::ids::LocationId;
use onsite_core::office::{
    CatalogImport, ImportReport, NewUser, NewWarehouse, OfficeArea, PeopleOverview, StockOverview,
    StockReceipt, StockTransfer,
};
use onsite_core::records::catalog::Part;
use onsite_core::role::Role;
use onsite_device::office::OfficeError;
use onsite_device::sync_client::{self, SyncClient};
use serde::Deserialize;
use serde_json::Value;

use crate::error::CommandError;
use crate::App;

impl From<OfficeError> for CommandError {
    fn from(err: OfficeError) -> Self {
        match err {
            OfficeError::Sync(e) => e.into(),
            OfficeError::Refused {
                code,
                message,
                details,
                ..
            } => {
                tracing::info!(%code, %message, "office refused");
                Self {
                    code,
                    message,
                    details,
                }
            }
        }
    }
}

/// The set-up areas the signed-in user administers, for the desk's navigation. Works
/// offline: it is the role's, not the server's, answer (the server checks again).
pub fn office_areas(app: &App) -> Result<Vec<OfficeArea>, CommandError> {
    app.with_store(|store| {
        let role = sync_client::account(store)?
            .map(|a| a.role)
            .ok_or_else(CommandError::not_signed_in)?;
        Ok(OfficeArea::for_role(role))
    })
}

fn client(app: &App) -> Result<SyncClient, CommandError> {
    app.with_store(|store| SyncClient::from_store(store)?.ok_or_else(CommandError::not_signed_in))
}

/// The catalog as the office holds it now.
pub async fn catalog(app: &App) -> Result<Vec<Part>, CommandError> {
    Ok(client(app)?.office_get("/v1/office/catalog").await?)
}

/// Adds or edits a part (the UI picks a new part's id).
pub async fn save_part(app: &App, part: Part) -> Result<Part, CommandError> {
    let path = format!("/v1/office/catalog/{}", part.id);
    let saved = client(app)?.office_put(&path, &part).await?;
    // The device's own copy of the catalog follows on the next sync.
    app.sync.nudge();
    Ok(saved)
}

/// Imports a CSV catalog; all of it, or nothing with the row and column at fault.
pub async fn import_catalog(app: &App, csv: String) -> Result<ImportReport, CommandError> {
    let report = client(app)?
        .office_post("/v1/office/catalog/import", &CatalogImport { csv })
        .await?;
    app.sync.nudge();
    Ok(report)
}

/// Imports a catalog file picked on the desk, sent as its bytes in base64: UTF-8, or the
/// GBK that Chinese Excel saves (`text_file`), read here so the office gets text.
pub async fn import_catalog_file(app: &App, file: &str) -> Result<ImportReport, CommandError> {
    let csv = crate::text_file::decode_base64(file).ok_or_else(|| {
        CommandError::new(
            "errors.catalog.file_unreadable",
            "the file is not text in UTF-8, UTF-16 or GBK",
        )
    })?;
    import_catalog(app, csv).await
}

/// Locations, balances and the latest movements.
pub async fn stock(app: &App) -> Result<StockOverview, CommandError> {
    Ok(client(app)?.office_get("/v1/office/stock").await?)
}

/// A stock action from the desk.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StockAction {
    /// A new warehouse.
    AddWarehouse {
        /// Picked by the UI, so a retry adds one.
        id: LocationId,
        /// Its name.
        name: String,
    },
    /// Goods received into a warehouse.
    Receive {
        /// The receipt.
        receipt: StockReceipt,
    },
    /// A transfer from a warehouse to a van.
    Transfer {
        /// The transfer.
        transfer: StockTransfer,
    },
}

/// Runs a stock action and answers the stock screen as it stands after it.
pub async fn stock_action(app: &App, action: StockAction) -> Result<StockOverview, CommandError> {
    let client = client(app)?;
    let _: Value = match &action {
        StockAction::AddWarehouse { id, name } => {
            let body = NewWarehouse {
                id: *id,
                name: name.clone(),
            };
            client.office_post("/v1/office/warehouses", &body).await?
        }
        StockAction::Receive { receipt } => {
            client
                .office_post("/v1/office/stock/receipts", receipt)
                .await?
        }
        StockAction::Transfer { transfer } => {
            client
                .office_post("/v1/office/stock/transfers", transfer)
                .await?
        }
    };
    app.sync.nudge();
    Ok(client.office_get("/v1/office/stock").await?)
}

/// Accounts, devices and the audit.
pub async fn people(app: &App) -> Result<PeopleOverview, CommandError> {
    Ok(client(app)?.office_get("/v1/office/people").await?)
}

/// An action on people or devices from the desk.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PeopleAction {
    /// A new account.
    AddUser {
        /// Who.
        user: NewUser,
    },
    /// Another role for an account.
    SetRole {
        /// The user id.
        id: String,
        /// The new role.
        role: Role,
    },
    /// Disable an account (its devices are revoked).
    Disable {
        /// The user id.
        id: String,
    },
    /// Enable a disabled account.
    Enable {
        /// The user id.
        id: String,
    },
    /// A new password.
    ResetPassword {
        /// The user id.
        id: String,
        /// The new password.
        password: String,
    },
    /// Revoke one device.
    RevokeDevice {
        /// The device id.
        id: String,
    },
}

/// Runs a people action and answers the people screen as it stands after it.
pub async fn people_action(
    app: &App,
    action: PeopleAction,
) -> Result<PeopleOverview, CommandError> {
    let client = client(app)?;
    let empty = serde_json::json!({});
    let _: Value = match &action {
        PeopleAction::AddUser { user } => client.office_post("/v1/office/users", user).await?,
        PeopleAction::SetRole { id, role } => {
            let path = format!("/v1/office/users/{}/role", segment(id)?);
            client
                .office_post(&path, &serde_json::json!({ "role": role }))
                .await?
        }
        PeopleAction::Disable { id } => {
            let path = format!("/v1/office/users/{}/disable", segment(id)?);
            client.office_post(&path, &empty).await?
        }
        PeopleAction::Enable { id } => {
            let path = format!("/v1/office/users/{}/enable", segment(id)?);
            client.office_post(&path, &empty).await?
        }
        PeopleAction::ResetPassword { id, password } => {
            let path = format!("/v1/office/users/{}/password", segment(id)?);
            client
                .office_post(&path, &serde_json::json!({ "password": password }))
                .await?
        }
        PeopleAction::RevokeDevice { id } => {
            let path = format!("/v1/office/devices/{}/revoke", segment(id)?);
            client.office_post(&path, &empty).await?
        }
    };
    // Staff names and roles reach this device's reference data on the next sync.
    app.sync.nudge();
    Ok(client.office_get("/v1/office/people").await?)
}

/// An id the UI sent, checked before it goes into a URL path.
fn segment(id: &str) -> Result<&str, CommandError> {
    crate::parse_id::<uuid::Uuid>("user or device", id)?;
    Ok(id)
}
