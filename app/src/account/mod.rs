//! People on this device: enrolment (đăng nhập), profiles with their PINs, the device's
//! key and token, the directory snapshot, and why sync is refused. See `docs/access.md`.
//!
//! Like the local store, every piece of this is read in the browser after hydration: the
//! server's HTML never says who is using the app.

pub mod directory;
pub mod profile;
pub mod switcher;
pub mod wire;

#[cfg(feature = "hydrate")]
pub mod api;
#[cfg(feature = "hydrate")]
pub mod crypto;
#[cfg(feature = "hydrate")]
pub mod enrol;
#[cfg(feature = "hydrate")]
pub mod profiles;
/// The browser side: the active profile, its token and its directory.
#[cfg(feature = "hydrate")]
pub mod session;
#[cfg(feature = "hydrate")]
pub use session as browser;

use crate::local::Loaded;
use directory::DirectoryContext;
use leptos::prelude::*;
pub use profile::ProfileInfo;
use shared::directory::Directory;
pub use wire::AccessProblem;

/// Who uses the app on this page, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// The active profile (`Ready(None)`: nobody has enrolled on this device).
    pub active: RwSignal<Loaded<Option<ProfileInfo>>>,
    /// Every profile on this device, for the switcher.
    pub profiles: RwSignal<Vec<ProfileInfo>>,
    /// Why the server refuses this device's sync, once it said.
    pub problem: RwSignal<Option<AccessProblem>>,
    /// The cadre code of data kept from before accounts, waiting for that cadre's login.
    pub legacy: RwSignal<Option<String>>,
    /// The province's directory snapshot (the local store keeps a shared copy).
    pub(crate) directory: RwSignal<Option<Directory>>,
}

impl Account {
    /// The active person, if the profiles have been read and someone has enrolled.
    pub fn person(&self) -> Option<ProfileInfo> {
        match self.active.get() {
            Loaded::Ready(person) => person,
            _ => None,
        }
    }

    /// Whether the active person administers their province (the snapshot's word when
    /// there is one, else enrolment's).
    pub fn is_admin(&self) -> bool {
        let Some(person) = self.person() else {
            return false;
        };
        self.directory.with(|d| match d {
            Some(d) if d.person(&person.code).is_some() => {
                d.has_role(&person.code, &shared::directory::Role::Admin)
            }
            _ => person.admin,
        })
    }

    /// Whether the active person holds an office role (HQ, standing committee, department
    /// head), as the province's directory on this device says.
    pub fn is_office(&self) -> bool {
        let Some(person) = self.person() else {
            return false;
        };
        self.directory.with(|d| {
            d.as_ref()
                .is_some_and(|d| shared::office::is_office(d, &person.code))
        })
    }
}

impl Account {
    /// The parties of the office the active person acts as (the directory's roles on this
    /// device): whose worklists the office page opens first.
    pub fn office_parties(&self) -> Vec<shared::assemble::Party> {
        use shared::assemble::Party;
        use shared::directory::Role;
        self.roles_picked(|r| match r {
            Role::DepartmentHead { .. } => Some(Party::DepartmentHead),
            Role::Hq => Some(Party::Hq),
            Role::Standing => Some(Party::Standing),
            _ => None,
        })
    }

    /// The units the active person confirms visits for (their host officer roles, as the
    /// directory on this device says): issue 11.
    pub fn host_units(&self) -> Vec<String> {
        self.roles_picked(|r| match r {
            shared::directory::Role::HostOfficer { unit } => Some(unit.clone()),
            _ => None,
        })
    }

    /// What `pick` takes from each of the active person's roles, as the directory on
    /// this device says.
    fn roles_picked<T>(&self, pick: impl Fn(&shared::directory::Role) -> Option<T>) -> Vec<T> {
        let Some(person) = self.person() else {
            return Vec::new();
        };
        self.directory.with(|d| {
            d.as_ref()
                .and_then(|d| d.person(&person.code))
                .map(|p| p.roles.iter().filter_map(&pick).collect())
                .unwrap_or_default()
        })
    }
}

/// Provides [`Account`] and the directory context; the local store opens the active
/// profile after hydration.
pub fn provide_account() {
    let directory = RwSignal::new(None);
    let account = Account {
        active: RwSignal::new(Loaded::Loading),
        profiles: RwSignal::new(Vec::new()),
        problem: RwSignal::new(None),
        legacy: RwSignal::new(None),
        directory,
    };
    provide_context(account);
    provide_context(DirectoryContext(directory));
}

pub fn use_account() -> Account {
    expect_context::<Account>()
}
