//! Pieces shared by pages.

pub mod attachment;
pub mod banner;
pub mod document;
pub mod fields;
pub mod header;
pub mod lab_results;
pub mod medicines;
pub mod notes;
pub mod notice;
pub mod observations;
pub mod outbox_panel;
pub mod sections;
pub mod source;

use std::rc::Rc;

use bedside_domain::record::Entry;

/// One resident's entries as the sections of their record share them. Compared by
/// identity: a section renders again only when the page has read the entries again,
/// never because a value deep inside had to be compared.
#[derive(Debug, Clone)]
pub struct Entries(pub Rc<Vec<Entry>>);

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Entries {
    type Target = [Entry];

    fn deref(&self) -> &[Entry] {
        &self.0
    }
}
