//! The province's directory (danh bạ) as the pages read it: [`use_directory`] gives the
//! snapshot this device keeps offline (`None` before the first one arrives), from which
//! come the cadre's facts ([`Directory::cadre_facts`]) and the policy of a year
//! ([`Directory::policy_for`]). Fetched after enrolment and on each sync connection.

use super::wire::PersonRef;
use leptos::prelude::*;
use shared::directory::{Directory, Person};

/// Provided by [`super::provide_account`]; written only by the account session.
#[derive(Clone, Copy)]
pub struct DirectoryContext(pub(super) RwSignal<Option<Directory>>);

/// The directory snapshot of the active person's province, as a signal.
pub fn use_directory() -> ReadSignal<Option<Directory>> {
    expect_context::<DirectoryContext>().0.read_only()
}

/// A directory person as the account API describes them.
pub fn person_ref(person: &Person) -> PersonRef {
    PersonRef {
        code: person.code.clone(),
        name: person.name.clone(),
        unit: person.unit.clone(),
        department: person.department.clone(),
        job: person.job.clone(),
        roles: person.roles.clone(),
    }
}
