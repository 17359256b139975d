//! Who uses Onsite: the roles from the domain rules and what each is called.

use serde::{Deserialize, Serialize};

/// A user's role. Every permission check in Onsite starts from one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Technician,
    Dispatcher,
    Support,
    Supervisor,
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
