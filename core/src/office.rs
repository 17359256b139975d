//! Company set-up at the office: which role administers which area (the parts catalog,
//! stock receipts and transfers, people and devices), the rules those edits keep (a
//! part's fields, enough stock to transfer, one serial per unit, never losing the last
//! supervisor), and the shapes the office endpoints (`/v1/office/…`) send and receive.
//! No storage, no HTTP: the server enforces these and the desk asks for them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{LocationId, MovementId, PartId, RequisitionId, UserId};
use crate::records::catalog::{Location, Part};
use crate::role::Role;

/// An area of the company's set-up that the office administers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OfficeArea {
    /// The parts catalog (备件目录): adding, editing, importing parts.
    Catalog,
    /// Warehouses, goods received (入库) and transfers to vans (调拨/发放).
    Stock,
    /// Parts requisitions waiting for approval (审批).
    Approvals,
    /// The parts counter: issuing approved parts (发放) and taking back returns (归还).
    Issuing,
    /// Accounts, roles, passwords and enrolled devices.
    People,
}

impl OfficeArea {
    /// Every area, in the order the desk lists them.
    pub const ALL: [OfficeArea; 5] = [
        OfficeArea::Catalog,
        OfficeArea::Stock,
        OfficeArea::Approvals,
        OfficeArea::Issuing,
        OfficeArea::People,
    ];

    /// Whether `role` administers this area. The storekeeper keeps the parts and their
    /// stock (the domain rules' 仓库管理员); only a supervisor manages people. Both
    /// approve requisitions, as the requisition's rules let them (a valuable part needs
    /// the supervisor), and both work the parts counter.
    pub fn managed_by(self, role: Role) -> bool {
        match self {
            OfficeArea::Catalog
            | OfficeArea::Stock
            | OfficeArea::Approvals
            | OfficeArea::Issuing => {
                matches!(role, Role::Storekeeper | Role::Supervisor)
            }
            OfficeArea::People => role == Role::Supervisor,
        }
    }

    /// The areas `role` administers.
    pub fn for_role(role: Role) -> Vec<OfficeArea> {
        Self::ALL
            .into_iter()
            .filter(|a| a.managed_by(role))
            .collect()
    }

    /// Stable snake_case name, as in i18n keys.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeArea::Catalog => "catalog",
            OfficeArea::Stock => "stock",
            OfficeArea::Approvals => "approvals",
            OfficeArea::Issuing => "issuing",
            OfficeArea::People => "people",
        }
    }

    /// Refuses `role` unless it administers this area.
    pub fn check(self, role: Role) -> Result<(), OfficeError> {
        if self.managed_by(role) {
            Ok(())
        } else {
            Err(OfficeError::NotPermitted { role, area: self })
        }
    }
}

/// Why an office edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficeError {
    /// The role does not administer the area.
    #[error("a {role} may not manage the {} area", area.as_str())]
    NotPermitted {
        /// Who tried.
        role: Role,
        /// What they tried to manage.
        area: OfficeArea,
    },
    /// A required field of a part is empty.
    #[error("the part's {field} is empty")]
    PartFieldMissing {
        /// `number`, `name`, `unit` or `currency`.
        field: &'static str,
    },
    /// A price below zero.
    #[error("the price {minor} is below zero")]
    NegativePrice {
        /// The price in minor units.
        minor: i64,
    },
    /// A barcode with something other than digits.
    #[error("the barcode {barcode:?} is not all digits")]
    BadBarcode {
        /// As given.
        barcode: String,
    },
    /// A quantity of zero.
    #[error("the quantity must be at least 1")]
    BadQuantity,
    /// A serialized part moved without exactly one serial per unit.
    #[error(
        "{part_number} is serialized: {quantity} units need {quantity} serials, {given} given"
    )]
    SerialCount {
        /// The part.
        part_number: String,
        /// Units moved.
        quantity: u32,
        /// Serials given.
        given: usize,
    },
    /// A transfer of more than the warehouse holds.
    #[error("{location} holds {available} of {part_number}; {wanted} cannot be transferred")]
    NotEnoughStock {
        /// The part.
        part_number: String,
        /// Where from.
        location: String,
        /// Book balance there.
        available: i64,
        /// What was asked.
        wanted: u32,
    },
    /// The change would leave the company without an active supervisor.
    #[error("this is the last active supervisor: there must always be one")]
    LastSupervisor,
}

impl OfficeError {
    /// The stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            OfficeError::NotPermitted {
                area: OfficeArea::People,
                ..
            } => "errors.office.people_not_permitted",
            OfficeError::NotPermitted { .. } => "errors.office.catalog_not_permitted",
            OfficeError::PartFieldMissing { .. } => "errors.catalog.field_missing",
            OfficeError::NegativePrice { .. } => "errors.catalog.negative_price",
            OfficeError::BadBarcode { .. } => "errors.catalog.bad_barcode",
            OfficeError::BadQuantity => "errors.stock.bad_quantity",
            OfficeError::SerialCount { .. } => "errors.stock.serial_count",
            OfficeError::NotEnoughStock { .. } => "errors.stock.not_enough",
            OfficeError::LastSupervisor => "errors.people.last_supervisor",
        }
    }

    /// The values the translated message names.
    pub fn details(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        match self {
            OfficeError::NotPermitted { role, area } => {
                put("role", role.as_str().into());
                put("area", area.as_str().into());
            }
            OfficeError::PartFieldMissing { field } => put("field", (*field).into()),
            OfficeError::NegativePrice { minor } => put("price", (*minor).into()),
            OfficeError::BadBarcode { barcode } => put("barcode", barcode.clone().into()),
            OfficeError::BadQuantity | OfficeError::LastSupervisor => {}
            OfficeError::SerialCount {
                part_number,
                quantity,
                given,
            } => {
                put("part", part_number.clone().into());
                put("quantity", (*quantity).into());
                put("given", (*given).into());
            }
            OfficeError::NotEnoughStock {
                part_number,
                location,
                available,
                wanted,
            } => {
                put("part", part_number.clone().into());
                put("location", location.clone().into());
                put("available", (*available).into());
                put("quantity", (*wanted).into());
            }
        }
        m
    }
}

/// Checks a catalog part before it is stored: number, name, unit and currency filled in,
/// no negative price, a barcode of digits only (what a scanner reads) or none.
pub fn check_part(part: &Part) -> Result<(), OfficeError> {
    for (field, value) in [
        ("number", &part.number),
        ("name", &part.name),
        ("unit", &part.unit),
        ("currency", &part.price.currency),
    ] {
        if value.trim().is_empty() {
            return Err(OfficeError::PartFieldMissing { field });
        }
    }
    if part.price.minor < 0 {
        return Err(OfficeError::NegativePrice {
            minor: part.price.minor,
        });
    }
    if !part.barcode.chars().all(|c| c.is_ascii_digit()) {
        return Err(OfficeError::BadBarcode {
            barcode: part.barcode.clone(),
        });
    }
    Ok(())
}

/// Checks a quantity of `part` moved with `serials`: at least one unit, and for a
/// serialized part exactly one serial per unit (the rules record every serial).
pub fn check_movement(part: &Part, quantity: u32, serials: &[String]) -> Result<(), OfficeError> {
    if quantity == 0 {
        return Err(OfficeError::BadQuantity);
    }
    let given = serials.iter().filter(|s| !s.trim().is_empty()).count();
    let wanted = if part.serialized {
        quantity as usize
    } else {
        0
    };
    if given != wanted {
        return Err(OfficeError::SerialCount {
            part_number: part.number.clone(),
            quantity,
            given,
        });
    }
    Ok(())
}

/// Checks that `available` units (the book balance at the warehouse) cover a transfer
/// of `wanted`: stock is never sent out of a warehouse that does not hold it.
pub fn check_available(
    part: &Part,
    location: &Location,
    available: i64,
    wanted: u32,
) -> Result<(), OfficeError> {
    if available < i64::from(wanted) {
        return Err(OfficeError::NotEnoughStock {
            part_number: part.number.clone(),
            location: location.name.clone(),
            available,
            wanted,
        });
    }
    Ok(())
}

/// A change to an account that could remove a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    /// Disabling the account.
    Disable,
    /// Giving it another role.
    SetRole(Role),
}

/// Refuses a change that leaves no active supervisor: disabling or demoting the account
/// (now `current`) when `active_supervisors` counts it as the only one.
pub fn check_staff_change(
    current: Role,
    change: StaffChange,
    active_supervisors: usize,
) -> Result<(), OfficeError> {
    let removes_a_supervisor = current == Role::Supervisor
        && match change {
            StaffChange::Disable => true,
            StaffChange::SetRole(role) => role != Role::Supervisor,
        };
    if removes_a_supervisor && active_supervisors <= 1 {
        return Err(OfficeError::LastSupervisor);
    }
    Ok(())
}

/// A CSV import of the catalog (`POST /v1/office/catalog/import`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogImport {
    /// The file's text (UTF-8, a header row first).
    pub csv: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Parts new to the catalog.
    pub added: u32,
    /// Parts whose number was there already, updated.
    pub updated: u32,
}

/// A new warehouse (`POST /v1/office/warehouses`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWarehouse {
    /// Chosen by the client, so a retried request creates one warehouse.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: LocationId,
    /// Its name, e.g. "北京中心仓".
    pub name: String,
}

/// Goods received into a warehouse (入库, `POST /v1/office/stock/receipts`): one
/// `receive` movement in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockReceipt {
    /// The movement's id, chosen by the client: a retried receipt counts once.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MovementId,
    /// The warehouse receiving.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub warehouse: LocationId,
    /// The part.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Units received.
    pub quantity: u32,
    /// One serial per unit for serialized parts.
    #[serde(default)]
    pub serials: Vec<String>,
    /// Delivery note, supplier, …
    #[serde(default)]
    pub note: String,
}

/// A storekeeper's transfer from a warehouse to a technician's van (发放,
/// `POST /v1/office/stock/transfers`): recorded as a requisition document that is raised,
/// approved and issued at once, so the technician's device receives it like any
/// requisition and its van stock follows from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockTransfer {
    /// The requisition's id, chosen by the client: a retried transfer moves stock once.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: RequisitionId,
    /// The warehouse sending.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: LocationId,
    /// The van receiving.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: LocationId,
    /// The part.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Units.
    pub quantity: u32,
    /// One serial per unit for serialized parts.
    #[serde(default)]
    pub serials: Vec<String>,
    /// Why (kept as the approval note).
    #[serde(default)]
    pub note: String,
}

/// The book balance of one part at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLine {
    /// Where.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location: LocationId,
    /// What.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Units, summed over the ledger; below zero is over-use to resolve.
    pub quantity: i64,
}

/// One recent movement, for the office's stock screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockEntry {
    /// Movement id.
    pub id: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who recorded it.
    pub by: String,
    /// `receive`, `issue`, `use`, `return`, …
    pub kind: String,
    /// The part's number.
    pub part_number: String,
    /// Units.
    pub quantity: i64,
    /// Where from, by name.
    pub from: Option<String>,
    /// Where to, by name.
    pub to: Option<String>,
}

/// Everything the stock screen shows (`GET /v1/office/stock`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockOverview {
    /// Warehouses and vans.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub locations: Vec<Location>,
    /// The catalog.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub parts: Vec<Part>,
    /// Non-zero balances per location and part.
    pub balances: Vec<StockLine>,
    /// The latest movements, newest first.
    pub recent: Vec<StockEntry>,
}

/// An account as the supervisor's people screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserEntry {
    /// User id.
    pub id: String,
    /// Sign-in name.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "technician"))]
    pub role: Role,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When disabled, if it is.
    pub disabled_at: Option<String>,
}

/// A new account (`POST /v1/office/users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// Sign-in name.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "technician"))]
    pub role: Role,
    /// First password (at least 8 characters).
    pub password: String,
}

/// A role change (`POST /v1/office/users/{id}/role`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    /// The new role.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "dispatcher"))]
    pub role: Role,
}

/// A password reset (`POST /v1/office/users/{id}/password`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    /// The new password (at least 8 characters).
    pub password: String,
}

/// An enrolled device with its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceEntry {
    /// Device id.
    pub id: String,
    /// Its name, as given at enrollment.
    pub name: String,
    /// The user it is enrolled for.
    pub user_id: String,
    /// Their display name.
    pub user_name: String,
    /// When enrolled (RFC 3339).
    pub enrolled_at: String,
    /// When it last synced or called the server (to the minute).
    pub last_seen_at: Option<String>,
    /// When revoked, if it is.
    pub revoked_at: Option<String>,
}

/// One recorded set-up action: who did what, to whom, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who did it; `None` for the server's command line.
    pub by: Option<String>,
    /// Their name at the time, or "command line".
    pub by_name: String,
    /// `user_added`, `user_disabled`, `role_changed`, `password_reset`,
    /// `device_revoked`, `catalog_imported`, `part_saved`, `stock_received`,
    /// `stock_transferred`, `warehouse_added`, `first_supervisor`.
    pub action: String,
    /// Whom or what it was done to (a login, a device name, a part number).
    pub subject: String,
    /// The particulars as a JSON object, for the desk to word in its language: the
    /// new `role` (and the one it was `from`), how many devices were `revoked`, how many
    /// parts were `added` and `updated`, the `quantity` moved `from` and `to` where.
    pub detail: String,
}

/// Everything the people screen shows (`GET /v1/office/people`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeopleOverview {
    /// Every account, enabled first.
    pub users: Vec<UserEntry>,
    /// Every enrolled device, newest first.
    pub devices: Vec<DeviceEntry>,
    /// The latest recorded actions, newest first.
    pub audit: Vec<AuditEntry>,
}

/// The holder of a van, for a transfer's requester.
pub fn van_holder(location: &Location) -> Option<UserId> {
    (location.kind == crate::records::catalog::LocationKind::Van)
        .then_some(location.holder)
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn part() -> Part {
        Part {
            id: PartId(uuid::Uuid::from_u128(1)),
            number: "BR-21".into(),
            name: "排水泵".into(),
            unit: "pcs".into(),
            price: Money::new(12_000, "CNY"),
            serialized: true,
            valuable: false,
            certified: true,
            barcode: "6901234567892".into(),
        }
    }

    #[test]
    fn a_storekeeper_keeps_the_catalog_and_stock_and_only_a_supervisor_manages_people() {
        assert_eq!(
            OfficeArea::for_role(Role::Storekeeper),
            vec![
                OfficeArea::Catalog,
                OfficeArea::Stock,
                OfficeArea::Approvals,
                OfficeArea::Issuing
            ]
        );
        assert_eq!(
            OfficeArea::for_role(Role::Supervisor),
            OfficeArea::ALL.to_vec()
        );
        assert!(OfficeArea::for_role(Role::Technician).is_empty());
        assert!(OfficeArea::for_role(Role::Dispatcher).is_empty());
        let err = OfficeArea::People.check(Role::Storekeeper).unwrap_err();
        assert_eq!(err.code(), "errors.office.people_not_permitted");
        let err = OfficeArea::Catalog.check(Role::Technician).unwrap_err();
        assert_eq!(err.code(), "errors.office.catalog_not_permitted");
    }

    #[test]
    fn a_part_needs_its_fields_a_price_of_zero_or_more_and_a_digit_barcode() {
        assert_eq!(check_part(&part()), Ok(()));
        let mut p = part();
        p.unit = " ".into();
        assert_eq!(
            check_part(&p),
            Err(OfficeError::PartFieldMissing { field: "unit" })
        );
        let mut p = part();
        p.price.minor = -1;
        assert_eq!(
            check_part(&p).unwrap_err().code(),
            "errors.catalog.negative_price"
        );
        let mut p = part();
        p.barcode = "69-01".into();
        assert_eq!(
            check_part(&p).unwrap_err().code(),
            "errors.catalog.bad_barcode"
        );
        p.barcode.clear();
        assert_eq!(check_part(&p), Ok(()), "an unlabelled part has no barcode");
    }

    #[test]
    fn a_serialized_part_moves_with_one_serial_per_unit() {
        let p = part();
        assert_eq!(check_movement(&p, 0, &[]), Err(OfficeError::BadQuantity));
        assert_eq!(check_movement(&p, 2, &["S1".into(), "S2".into()]), Ok(()));
        let err = check_movement(&p, 2, &["S1".into()]).unwrap_err();
        assert_eq!(err.details()["given"], 1);
        let plain = Part {
            serialized: false,
            ..part()
        };
        assert_eq!(check_movement(&plain, 5, &[]), Ok(()));
    }

    #[test]
    fn a_transfer_never_takes_more_than_the_warehouse_holds() {
        let wh = Location {
            id: LocationId(uuid::Uuid::from_u128(11)),
            name: "中心仓".into(),
            kind: crate::records::catalog::LocationKind::Warehouse,
            holder: None,
        };
        assert_eq!(check_available(&part(), &wh, 3, 3), Ok(()));
        let err = check_available(&part(), &wh, 2, 3).unwrap_err();
        assert_eq!(err.code(), "errors.stock.not_enough");
        assert_eq!(err.details()["available"], 2);
    }

    #[test]
    fn the_last_supervisor_can_be_neither_disabled_nor_demoted() {
        let last = check_staff_change(Role::Supervisor, StaffChange::Disable, 1);
        assert_eq!(last, Err(OfficeError::LastSupervisor));
        assert_eq!(
            check_staff_change(Role::Supervisor, StaffChange::SetRole(Role::Dispatcher), 1),
            Err(OfficeError::LastSupervisor)
        );
        assert_eq!(
            check_staff_change(Role::Supervisor, StaffChange::Disable, 2),
            Ok(()),
            "another supervisor remains"
        );
        assert_eq!(
            check_staff_change(Role::Supervisor, StaffChange::SetRole(Role::Supervisor), 1),
            Ok(())
        );
        assert_eq!(
            check_staff_change(Role::Technician, StaffChange::Disable, 1),
            Ok(())
        );
    }
}
