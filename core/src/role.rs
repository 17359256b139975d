//! Who uses Onsite: the roles from the domain rules, and the actor (user + role) every
//! operation is attributed to.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// A user's role. Every permission check in Onsite starts from one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 维修工程师: works only the orders assigned to them.
    Technician,
    /// 客服专员 / 售后专员: intake, dispatch, contacts, follow-ups.
    Dispatcher,
    /// 技术支持: comments on orders, approves plans when the company requires it.
    Support,
    /// 售后主管: everything the others may do, plus approvals, overrides, reopening.
    Supervisor,
    /// 仓库管理员: receives, issues and takes back stock, runs counts.
    Storekeeper,
}

impl Role {
    /// Every role, in the order the domain rules list them.
    pub const ALL: [Role; 5] = [
        Role::Technician,
        Role::Dispatcher,
        Role::Support,
        Role::Supervisor,
        Role::Storekeeper,
    ];

    /// Office roles work on the desktop face of the app; technicians on the phone face.
    pub fn is_office(self) -> bool {
        !matches!(self, Role::Technician)
    }

    /// Reviews the changes the server held back: lists them, releases or discards them.
    /// The server enforces it; the desk shows the review screen by it.
    pub fn reviews_held_changes(self) -> bool {
        matches!(self, Role::Supervisor)
    }

    /// Stable snake_case name, as used in commit messages and i18n keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Dispatcher => "dispatcher",
            Role::Support => "support",
            Role::Supervisor => "supervisor",
            Role::Storekeeper => "storekeeper",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person making a change: every record and every Automerge change names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Actor {
    /// Who.
    pub user: UserId,
    /// In which role they act.
    pub role: Role,
}

/// A staff account as the office keeps it (reference data, server-authoritative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The technician's van, for technicians.
    pub van: Option<crate::ids::LocationId>,
    /// Product types and fault types this person handles, used by dispatch.
    pub skills: Vec<String>,
    /// False once the account is disabled.
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_technicians_get_the_phone_face() {
        let office: Vec<_> = Role::ALL.iter().filter(|r| r.is_office()).collect();
        assert_eq!(
            office.len(),
            4,
            "every role but the technician works in the office"
        );
        assert!(!Role::Technician.is_office());
    }
}
