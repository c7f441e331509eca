//! dicoso's build program as a library: the steps `cargo xtask` runs, reusable by tests
//! (the end-to-end tests stage a second build to check that updates replace old assets).

pub mod site;
pub mod split;
pub mod tools;
