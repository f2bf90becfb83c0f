//! The app's state: one [`AppState`] changed only by [`Action`]s, shared through a
//! context and reached with [`use_app`].
//!
//! The state holds what every page needs (who is signed in, the resident list, the time
//! of the stored copy, whether the tablet is online, what is in progress, and the outbox
//! of what this tablet wrote with where each item stands). A resident's entries are not
//! here: the summary page reads them from IndexedDB when it opens, and again whenever
//! [`AppState::data_version`] moves (after a sync brought changes, or a local write).
//!
//! Recording goes through [`AppHandle::record`]; what staff see of the sync is
//! [`AppState::online`], [`AppState::as_of`], [`AppState::outbox`] (with
//! [`Outbox::waiting`], [`Outbox::items`], [`Outbox::rejected`]),
//! [`AppState::item_state_of`] / [`AppState::entry_state`] for one entry, and
//! [`AppState::sync`] (running, last error).
//!
//! The tablet's vault (enrolment, PINs, the data key) decides the [`Phase`]: a tablet not
//! enrolled shows the sign-in screen for a manager to enrol it; an enrolled one with
//! staff who set a PIN starts locked. While locked, or signed out, the state holds no
//! resident data at all: locking drops the residents and the home, and unlocking reads
//! them again from IndexedDB.

mod handle;
mod idle;
mod syncer;

use std::rc::Rc;

use bedside_domain::api::{HomeInfo, LoginResponse, SignInResponse, StaffInfo};
use bedside_domain::record::{Entry, EntryKind};
use bedside_domain::sync::plan::{ItemState, OutboxItem, item_state};
use bedside_domain::{EntryId, PersonId};
use chrono::{DateTime, Duration, Utc};
use yew::Reducible;

use crate::present::{ListedResident, sort_residents};
use crate::services::local_db::{LocalDb, LocalHome};

pub use bedside_client::RecordError;
pub use handle::{AfterSignIn, AppHandle, AppProvider, after_sign_in, use_app};

/// How long an item may wait to send before staff are warned: long enough for a shift's
/// patchy Wi-Fi, short enough that someone looks before the next shift.
pub const WAITING_TOO_LONG: Duration = Duration::hours(4);

/// What the sign-in screen says after the server refused this tablet as revoked (and the
/// tablet wiped itself).
pub const DEVICE_REMOVED: &str = "This tablet has been removed from the home's devices, so \
     the records on it have been deleted. Ask a manager to add it again before signing in.";

/// The local store, compared by identity so the state can be compared.
#[derive(Debug, Clone)]
pub struct Db(pub Rc<LocalDb>);

impl PartialEq for Db {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the sign-in screen says when someone other than a manager signs in on a tablet
/// that is not enrolled (nothing is stored).
pub const NOT_ENROLLED_REFUSED: &str = "This tablet is not enrolled. Ask a manager to enrol it.";

/// How long the app waits with no touch, key or scroll before it locks, unless the
/// tablet's setting says otherwise.
pub const DEFAULT_IDLE_MINUTES: u32 = bedside_client::vault::DEFAULT_IDLE_MINUTES;

/// Where the app is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Opening IndexedDB and reading the session.
    Starting,
    /// The local store cannot be opened: nothing can be shown.
    Broken(String),
    /// The tablet is not enrolled: the sign-in screen, for a manager to enrol it.
    NotEnrolled,
    /// A manager signed in on a tablet not yet enrolled and is naming it. Their sign-in
    /// is held here only, in memory, until the tablet is enrolled.
    Enrol(Rc<SignInResponse>),
    /// The tablet is enrolled and nobody can unlock it (no PIN on it, or the staff chose
    /// to sign in with a password): the sign-in screen.
    SignedOut,
    /// The tablet is enrolled and locked: the lock screen, listing who has a PIN.
    Locked,
    /// Signed in online, with no PIN on this tablet yet: choosing one.
    ChoosePin(StaffInfo),
    /// Someone is signed in (the vault is unlocked) and the tablet holds their home's
    /// records.
    Ready,
}

/// A member of staff who can unlock this tablet with their PIN.
#[derive(Debug, Clone, PartialEq)]
pub struct PinHolder {
    pub staff: StaffInfo,
    /// Five wrong PINs in a row: only a sign-in with their password ends it.
    pub locked_out: bool,
}

/// Why a PIN did not unlock the tablet.
#[derive(Debug, Clone, PartialEq)]
pub enum UnlockFailure {
    WrongPin {
        tries_left: u8,
    },
    /// That was the last wrong PIN allowed: only a sign-in with the password ends it.
    LockedOut,
    /// The store or WebCrypto failed, in words for staff.
    Other(String),
}

/// What the lock and sign-in screens need once nobody is signed in: whether the tablet
/// is enrolled, and who can unlock it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Closed {
    pub enrolled: bool,
    pub holders: Vec<PinHolder>,
}

/// What the sign-in form is doing.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SignIn {
    #[default]
    Idle,
    /// Signing in or downloading; the words say which.
    Working(String),
    Failed(String),
}

/// A message over the records that does not stop anyone reading them.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The server refused the stored token: the records stay, updates stop.
    SessionExpired,
    /// An update did not arrive, for a reason staff can act on or report.
    RefreshFailed(String),
    /// Something went wrong that staff should know about (e.g. sign-out could not wipe).
    Problem(String),
    /// Sign-out was asked for while this many records (items and views for the access
    /// log) had not reached the server: signing out now loses them.
    UnsentAtSignOut(usize),
    /// A view of a resident's record could not be noted for the access log. Reading goes
    /// on; staff are told, so it is not lost silently.
    AuditFailed(String),
}

/// The mutations this tablet made that are still in its outbox (unanswered, or answered
/// within the last week), in the order they were made. Compared by identity: it changes
/// only when read again from IndexedDB.
#[derive(Debug, Clone, Default)]
pub struct Outbox(pub Rc<Vec<OutboxItem>>);

impl PartialEq for Outbox {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Outbox {
    pub fn new(items: Vec<OutboxItem>) -> Self {
        Self(Rc::new(items))
    }

    /// Every item with what staff see of it (saved on this tablet, waiting to send,
    /// confirmed, needs review, rejected with the reason).
    pub fn items(&self) -> impl Iterator<Item = (&OutboxItem, ItemState)> {
        self.0.iter().map(|i| (i, item_state(i)))
    }

    /// How many have not yet been confirmed by the server.
    pub fn waiting(&self) -> usize {
        self.0.iter().filter(|i| i.is_pending()).count()
    }

    /// The ones not yet confirmed, oldest first.
    pub fn waiting_items(&self) -> impl Iterator<Item = (&OutboxItem, ItemState)> {
        self.items().filter(|(i, _)| i.is_pending())
    }

    /// The ones the server will never apply, with its reason.
    pub fn rejected(&self) -> Vec<(&OutboxItem, String)> {
        self.items()
            .filter_map(|(i, s)| match s {
                ItemState::Rejected(reason) => Some((i, reason)),
                _ => None,
            })
            .collect()
    }

    /// When the oldest item still waiting was made.
    pub fn oldest_waiting(&self) -> Option<DateTime<Utc>> {
        self.0
            .iter()
            .filter(|i| i.is_pending())
            .map(|i| i.mutation.created_at)
            .min()
    }

    /// What staff see of any entry: for one written on this tablet, its outbox item's
    /// state; a provisional entry with no outbox item is still only on this tablet; any
    /// other home-authored entry came from the server, so it is confirmed. `None` for
    /// entries from outside the home (they have no such state).
    pub fn entry_state(&self, entry: &Entry) -> Option<ItemState> {
        if let Some(state) = self.state_of(entry.id) {
            return Some(state);
        }
        if bedside_client::provisional::is_provisional(entry) {
            return Some(ItemState::SavedOnTablet);
        }
        matches!(
            entry.kind(),
            EntryKind::CareNote
                | EntryKind::ObservationSet
                | EntryKind::Correction
                | EntryKind::CarePlanSection
                | EntryKind::AboutMeSection
                | EntryKind::SectionProposal
        )
        .then_some(ItemState::Confirmed)
    }

    /// The state of the mutation with this id (a provisional entry's id is its
    /// mutation's id).
    pub fn state_of(&self, id: EntryId) -> Option<ItemState> {
        self.0
            .iter()
            .find(|i| i.mutation.id == id.0)
            .map(item_state)
    }
}

/// How the sync is doing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncInfo {
    /// A run is under way.
    pub running: bool,
    /// Why the last run failed, in words for staff; `None` once a run succeeds.
    pub last_error: Option<String>,
    /// When (by the tablet's clock) a run last succeeded.
    pub last_success: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub phase: Phase,
    pub db: Option<Db>,
    pub session: Option<LoginResponse>,
    pub home: Option<HomeInfo>,
    pub as_of: Option<DateTime<Utc>>,
    /// Sorted by room; shared so pages can hold it cheaply.
    pub residents: Rc<Vec<ListedResident>>,
    /// Moves whenever the stored records were replaced, so open pages read them again.
    pub data_version: u32,
    pub online: bool,
    /// What this tablet wrote and where each item stands.
    pub outbox: Outbox,
    pub sync: SyncInfo,
    /// The browser says storage is over 90% used.
    pub storage_nearly_full: bool,
    pub sign_in: SignIn,
    /// Showing the sign-in form over the stored records (after the session expired).
    pub reauthenticating: bool,
    pub notice: Option<Notice>,
    /// The resident list's search box, kept while staff look at a resident.
    pub search: String,
    /// How far down the list was scrolled when a resident was opened.
    pub list_scroll: f64,
    /// How far down a resident's summary was scrolled when one of their documents was
    /// opened, so going back lands where staff left it.
    pub summary_return: Option<(PersonId, f64)>,
    /// What was just saved for which resident ("Note", "Observations"): the summary
    /// says so over its notes, and shows them, until staff leave it.
    pub just_saved: Option<(PersonId, &'static str)>,
    /// Who can unlock this tablet with a PIN (read when it locks; empty while unlocked).
    pub pin_holders: Rc<Vec<PinHolder>>,
    /// How long the app waits with no input before it locks.
    pub idle_minutes: u32,
}

impl AppState {
    pub fn new(online: bool) -> Self {
        Self {
            phase: Phase::Starting,
            db: None,
            session: None,
            home: None,
            as_of: None,
            residents: Rc::new(Vec::new()),
            data_version: 0,
            online,
            outbox: Outbox::default(),
            sync: SyncInfo::default(),
            storage_nearly_full: false,
            sign_in: SignIn::Idle,
            reauthenticating: false,
            notice: None,
            search: String::new(),
            list_scroll: 0.0,
            summary_return: None,
            just_saved: None,
            pin_holders: Rc::new(Vec::new()),
            idle_minutes: DEFAULT_IDLE_MINUTES,
        }
    }

    /// The state once nobody is signed in (locked, signed out, wiped): nothing about
    /// residents is kept; the store, the network state and the tablet's settings are.
    fn closed(&self, closed: Closed) -> Self {
        let mut s = AppState::new(self.online);
        s.db = self.db.clone();
        s.idle_minutes = self.idle_minutes;
        s.phase = if !closed.enrolled {
            Phase::NotEnrolled
        } else if closed.holders.is_empty() {
            Phase::SignedOut
        } else {
            Phase::Locked
        };
        s.pin_holders = Rc::new(closed.holders);
        s
    }

    /// The member of staff signed in, when someone is.
    pub fn staff(&self) -> Option<&StaffInfo> {
        self.session.as_ref().map(|s| &s.staff)
    }

    /// The home's name as staff know it: from the stored records, else the session.
    pub fn home_name(&self) -> Option<&str> {
        self.home
            .as_ref()
            .map(|h| h.name.as_str())
            .or_else(|| self.session.as_ref().map(|s| s.staff.home.name.as_str()))
    }

    /// How many items have not yet been confirmed by the server.
    pub fn waiting_to_send(&self) -> usize {
        self.outbox.waiting()
    }

    /// What staff see of an item this tablet wrote, by the entry's id (a provisional
    /// entry's id is its mutation's): `None` for anything not in the outbox.
    pub fn item_state_of(&self, id: EntryId) -> Option<ItemState> {
        self.outbox.state_of(id)
    }

    /// What staff see of any entry (see [`Outbox::entry_state`]).
    pub fn entry_state(&self, entry: &Entry) -> Option<ItemState> {
        self.outbox.entry_state(entry)
    }

    /// Whether something has waited longer than [`WAITING_TOO_LONG`] to send.
    pub fn waited_too_long(&self, now: DateTime<Utc>) -> bool {
        self.outbox
            .oldest_waiting()
            .is_some_and(|t| now - t > WAITING_TOO_LONG)
    }

    fn with_home(&mut self, local: LocalHome) {
        self.home = local.home;
        self.as_of = local.as_of;
        self.residents = Rc::new(sort_residents(local.residents));
        self.data_version = self.data_version.wrapping_add(1);
    }
}

pub enum Action {
    /// The store is open and locked (or not enrolled).
    Opened {
        db: Db,
        closed: Closed,
        idle_minutes: u32,
    },
    /// Nobody is signed in any more (locked, signed out, the tablet wiped): the lock
    /// screen or the sign-in screen, with a problem to show there.
    Closed {
        closed: Closed,
        problem: Option<String>,
    },
    /// A manager signed in on a tablet not yet enrolled: ask them to name it.
    EnrolStart(SignInResponse),
    /// Signed in online with no PIN on this tablet: ask for one.
    ChoosePin(StaffInfo),
    /// The lock screen's "Sign in with password".
    UsePassword,
    /// Back from the sign-in screen to the lock screen.
    BackToLock,
    /// The tablet's idle time was changed.
    IdleMinutes(u32),
    /// Locked just now ("Lock", or the idle time passed): the lock screen, at once,
    /// with nothing about residents kept; who can unlock follows.
    Locking,
    /// Who can unlock the tablet with a PIN, read again.
    PinHolders(Vec<PinHolder>),
    /// A view could not be noted for the access log, for this reason.
    AuditFailed(String),
    /// The store could not be opened.
    OpenFailed(String),
    SignInWorking(String),
    SignInFailed(String),
    /// Signed in and the download is stored (perhaps only an older copy, with a notice
    /// saying why it could not be brought up to date).
    SignedIn {
        session: LoginResponse,
        local: LocalHome,
        outbox: Vec<OutboxItem>,
        notice: Option<Notice>,
    },
    /// The stored session as it is now: a refresh (here or in the worker) may have
    /// replaced its token. Taken only for the member of staff already signed in.
    SessionRefreshed(LoginResponse),
    SyncStarted,
    /// A sync run ended: what the tablet holds now (the copy only when it may have
    /// changed), and how the run went.
    SyncEnded {
        local: Option<LocalHome>,
        outbox: Option<Vec<OutboxItem>>,
        outcome: SyncOutcome,
        /// When it ended, by the tablet's clock.
        at: DateTime<Utc>,
    },
    /// A local write is stored: the outbox as it is now, and the record pages must read
    /// again.
    Recorded(Vec<OutboxItem>),
    /// Storage is, or is no longer, nearly full.
    StorageNearlyFull(bool),
    /// Ask before a sign-out that would lose this many unsent items.
    ConfirmSignOut(usize),
    Reauthenticate,
    CancelReauthenticate,
    DismissNotice,
    Online(bool),
    Search(String),
    RememberListScroll(f64),
    /// Where to put a resident's summary when it opens next (`None` once used).
    SummaryReturn(Option<(PersonId, f64)>),
    /// Something was just saved for a resident (`None` once the summary has shown it).
    JustSaved(Option<(PersonId, &'static str)>),
}

/// How a sync run went, as the state records it.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncOutcome {
    Succeeded,
    /// No network or the server failing: it will be tried again by itself.
    WillRetry(String),
    /// The server refused the sign-in.
    SessionExpired,
    /// Anything else, for staff to see.
    Failed(String),
    /// The sign-in changed under the run; nothing to report.
    Abandoned,
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::SessionRefreshed(session) = &action {
            // Unchanged (the usual case): the same state, so nothing renders again.
            let refreshed = self
                .session
                .as_ref()
                .is_some_and(|s| s.staff.id == session.staff.id && s != session);
            if !refreshed {
                return self;
            }
        }
        let mut s = (*self).clone();
        match action {
            Action::SessionRefreshed(session) => s.session = Some(session),
            Action::Opened {
                db,
                closed,
                idle_minutes,
            } => {
                s.db = Some(db);
                s.idle_minutes = idle_minutes;
                s = s.closed(closed);
            }
            Action::Closed { closed, problem } => {
                s = s.closed(closed);
                s.notice = problem.map(Notice::Problem);
            }
            Action::EnrolStart(answer) => {
                s.phase = Phase::Enrol(Rc::new(answer));
                s.sign_in = SignIn::Idle;
            }
            Action::ChoosePin(staff) => {
                s.phase = Phase::ChoosePin(staff);
                s.sign_in = SignIn::Idle;
            }
            Action::UsePassword => {
                if s.phase == Phase::Locked {
                    s.phase = Phase::SignedOut;
                }
            }
            Action::BackToLock => {
                if s.phase == Phase::SignedOut && !s.pin_holders.is_empty() {
                    s.phase = Phase::Locked;
                    s.sign_in = SignIn::Idle;
                }
            }
            Action::IdleMinutes(minutes) => s.idle_minutes = minutes,
            Action::Locking => {
                s = s.closed(Closed {
                    enrolled: true,
                    holders: Vec::new(),
                });
                s.phase = Phase::Locked;
            }
            Action::PinHolders(holders) => {
                if s.phase == Phase::Locked && holders.is_empty() {
                    s.phase = Phase::SignedOut;
                }
                s.pin_holders = Rc::new(holders);
            }
            Action::AuditFailed(why) => s.notice = Some(Notice::AuditFailed(why)),
            Action::OpenFailed(message) => s.phase = Phase::Broken(message),
            Action::SignInWorking(words) => s.sign_in = SignIn::Working(words),
            Action::SignInFailed(message) => s.sign_in = SignIn::Failed(message),
            Action::SignedIn {
                session,
                local,
                outbox,
                notice,
            } => {
                // A different member of staff may have signed in: start them afresh.
                if s.session.as_ref().map(|o| o.staff.id) != Some(session.staff.id) {
                    s.search.clear();
                    s.list_scroll = 0.0;
                }
                s.session = Some(session);
                s.with_home(local);
                s.phase = Phase::Ready;
                s.pin_holders = Rc::new(Vec::new());
                s.sign_in = SignIn::Idle;
                s.reauthenticating = false;
                s.outbox = Outbox::new(outbox);
                s.sync.running = false;
                s.sync.last_error = match &notice {
                    Some(Notice::RefreshFailed(reason)) => Some(reason.clone()),
                    _ => None,
                };
                s.notice = notice;
            }
            Action::SyncStarted => s.sync.running = true,
            Action::SyncEnded {
                local,
                outbox,
                outcome,
                at,
            } => {
                s.sync.running = false;
                if let Some(local) = local {
                    s.with_home(local);
                }
                if let Some(outbox) = outbox {
                    s.outbox = Outbox::new(outbox);
                }
                match outcome {
                    SyncOutcome::Succeeded => {
                        s.sync.last_error = None;
                        s.sync.last_success = Some(at);
                        if matches!(s.notice, Some(Notice::RefreshFailed(_))) {
                            s.notice = None;
                        }
                    }
                    // The offline banner, or the waiting count, already says so; the
                    // panel gives the reason.
                    SyncOutcome::WillRetry(reason) => s.sync.last_error = Some(reason),
                    SyncOutcome::SessionExpired => {
                        s.sync.last_error = Some("your sign-in has expired".to_owned());
                        s.notice = Some(Notice::SessionExpired);
                    }
                    SyncOutcome::Failed(reason) => {
                        s.sync.last_error = Some(reason.clone());
                        s.notice = Some(Notice::RefreshFailed(reason));
                    }
                    SyncOutcome::Abandoned => {}
                }
            }
            Action::Recorded(outbox) => {
                s.outbox = Outbox::new(outbox);
                s.data_version = s.data_version.wrapping_add(1);
            }
            Action::StorageNearlyFull(full) => s.storage_nearly_full = full,
            Action::ConfirmSignOut(waiting) => s.notice = Some(Notice::UnsentAtSignOut(waiting)),
            Action::Reauthenticate => {
                s.reauthenticating = true;
                s.sign_in = SignIn::Idle;
            }
            Action::CancelReauthenticate => {
                s.reauthenticating = false;
                s.sign_in = SignIn::Idle;
            }
            Action::DismissNotice => s.notice = None,
            Action::Online(online) => s.online = online,
            Action::Search(query) => s.search = query,
            Action::RememberListScroll(y) => s.list_scroll = y,
            Action::SummaryReturn(to) => s.summary_return = to,
            Action::JustSaved(what) => s.just_saved = what,
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use bedside_domain::record::{EntryBody, EntryStatus, NoteCategory, Provenance};
    use bedside_domain::sync::plan::{OutboxState, item_state};
    use bedside_domain::sync::wire::{Mutation, MutationOp, Outcome};
    use chrono::TimeZone;
    use uuid::Uuid;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, 0, 0)
            .single()
            .expect("valid time")
    }

    fn item(n: u128, seq: u64, made: DateTime<Utc>, state: OutboxState) -> OutboxItem {
        OutboxItem {
            mutation: Mutation {
                id: Uuid::from_u128(n),
                device_seq: seq,
                created_at: made,
                op: MutationOp::AddNote {
                    person_id: PersonId(Uuid::from_u128(1)),
                    category: NoteCategory::Social,
                    text: "Sang along".into(),
                },
            },
            state,
        }
    }

    fn entry(n: u128, version: u32, body: EntryBody) -> Entry {
        Entry {
            id: EntryId(Uuid::from_u128(n)),
            person_id: PersonId(Uuid::from_u128(1)),
            version,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "Oak Lodge".into(),
                ods_code: None,
                system: None,
                source_id: None,
                author: Some("oak.carer".into()),
                authored_at: at(9),
                received_at: at(9),
            },
            body,
        }
    }

    fn note() -> EntryBody {
        EntryBody::CareNote {
            category: NoteCategory::Social,
            text: "Sang along".into(),
        }
    }

    fn state_with(items: Vec<OutboxItem>) -> AppState {
        let mut s = AppState::new(true);
        s.outbox = Outbox::new(items);
        s
    }

    #[test]
    fn the_outbox_says_what_waits_what_was_refused_and_each_items_state() {
        let rejected = OutboxState::Confirmed {
            outcome: Outcome::Rejected {
                reason: "that resident has left the home".into(),
            },
        };
        let applied = OutboxState::Confirmed {
            outcome: Outcome::Applied {
                entry_id: EntryId(Uuid::from_u128(3)),
            },
        };
        let s = state_with(vec![
            item(1, 1, at(8), OutboxState::Saved),
            item(
                2,
                2,
                at(9),
                OutboxState::Waiting {
                    attempts: 2,
                    last_attempt: at(10),
                },
            ),
            item(3, 3, at(9), applied),
            item(4, 4, at(9), rejected),
        ]);
        assert_eq!(s.waiting_to_send(), 2);
        let waiting: Vec<u64> = s
            .outbox
            .waiting_items()
            .map(|(i, _)| i.mutation.device_seq)
            .collect();
        assert_eq!(waiting, vec![1, 2]);
        assert_eq!(
            s.outbox
                .rejected()
                .into_iter()
                .map(|(i, reason)| (i.mutation.device_seq, reason))
                .collect::<Vec<_>>(),
            vec![(4, "that resident has left the home".to_owned())]
        );
        let id = |n| EntryId(Uuid::from_u128(n));
        assert_eq!(s.item_state_of(id(1)), Some(ItemState::SavedOnTablet));
        assert_eq!(s.item_state_of(id(2)), Some(ItemState::WaitingToSend));
        assert_eq!(s.item_state_of(id(3)), Some(ItemState::Confirmed));
        assert_eq!(s.item_state_of(id(9)), None);
        assert_eq!(s.outbox.oldest_waiting(), Some(at(8)));
        assert!(!s.waited_too_long(at(12)));
        assert!(s.waited_too_long(at(12) + Duration::minutes(1)));
        // Every item's state is the domain's.
        for (i, state) in s.outbox.items() {
            assert_eq!(state, item_state(i));
        }
    }

    #[test]
    fn every_home_authored_entry_has_a_state_and_others_have_none() {
        let s = state_with(vec![item(
            1,
            1,
            at(8),
            OutboxState::Waiting {
                attempts: 1,
                last_attempt: at(9),
            },
        )]);
        // Written here and still in the outbox: the outbox says.
        assert_eq!(
            s.entry_state(&entry(1, 0, note())),
            Some(ItemState::WaitingToSend)
        );
        // Provisional without an outbox row (answered long ago): still only here.
        assert_eq!(
            s.entry_state(&entry(2, 0, note())),
            Some(ItemState::SavedOnTablet)
        );
        // From the server: confirmed.
        assert_eq!(
            s.entry_state(&entry(3, 1, note())),
            Some(ItemState::Confirmed)
        );
        // From a hospital: no such state.
        let stay = EntryBody::DiagnosticReport {
            title: "Chest X-ray".into(),
            conclusion: "Clear".into(),
            performed_at: at(7),
        };
        assert_eq!(s.entry_state(&entry(4, 1, stay)), None);
    }

    fn login(staff: u128, token: &str) -> LoginResponse {
        use bedside_domain::api::{Role, StaffInfo};
        LoginResponse {
            token: token.into(),
            expires_at: at(10),
            staff: StaffInfo {
                id: bedside_domain::StaffId(Uuid::from_u128(staff)),
                username: "oak.carer".into(),
                role: Role::Carer,
                home: HomeInfo {
                    id: bedside_domain::HomeId(Uuid::from_u128(7)),
                    name: "Oak Lodge".into(),
                },
            },
        }
    }

    #[test]
    fn the_state_takes_a_refreshed_token_only_for_whoever_is_signed_in() {
        let mut s = AppState::new(true);
        s.session = Some(login(1, "first"));
        let s = Rc::new(s);

        let same = Rc::clone(&s).reduce(Action::SessionRefreshed(login(1, "first")));
        assert!(Rc::ptr_eq(&same, &s), "nothing new: the same state");

        let refreshed = Rc::clone(&s).reduce(Action::SessionRefreshed(login(1, "second")));
        assert_eq!(
            refreshed.session.as_ref().map(|s| s.token.as_str()),
            Some("second")
        );

        // Someone else's session (another tab signed in meanwhile) is not taken here:
        // the sign-in flow does that.
        let other = Rc::clone(&s).reduce(Action::SessionRefreshed(login(2, "theirs")));
        assert_eq!(
            other.session.as_ref().map(|s| s.token.as_str()),
            Some("first")
        );
        // Nor is any after sign-out.
        let signed_out = Rc::new(AppState::new(true));
        let after = Rc::clone(&signed_out).reduce(Action::SessionRefreshed(login(1, "x")));
        assert_eq!(after.session, None);
    }

    #[test]
    fn a_revoked_tablet_shows_the_sign_in_screen_and_says_why() {
        let mut s = AppState::new(true);
        s.session = Some(login(1, "first"));
        s.phase = Phase::Ready;
        let s = Rc::new(s).reduce(Action::Closed {
            closed: Closed::default(),
            problem: Some(DEVICE_REMOVED.to_owned()),
        });
        assert_eq!(s.phase, Phase::NotEnrolled);
        assert_eq!(s.session, None);
        assert!(
            matches!(&s.notice, Some(Notice::Problem(p)) if p.contains("removed from the home's devices"))
        );
    }

    #[test]
    fn on_a_tablet_not_enrolled_only_a_manager_gets_past_sign_in_to_enrol_it() {
        use bedside_domain::api::Role;
        assert_eq!(after_sign_in(false, Role::Manager), AfterSignIn::Enrol);
        assert_eq!(after_sign_in(false, Role::Admin), AfterSignIn::Enrol);
        assert_eq!(after_sign_in(false, Role::Carer), AfterSignIn::Refuse);
        assert_eq!(after_sign_in(false, Role::Senior), AfterSignIn::Refuse);
        for role in Role::ALL {
            assert_eq!(after_sign_in(true, role), AfterSignIn::Unlock, "{role:?}");
        }
        // The manager's sign-in is held for the enrolment screen, and nowhere else.
        let answer = SignInResponse {
            login: login(5, "manager-token"),
            refresh_token: "r".into(),
            refresh_expires_at: at(12),
            device_unlock_key: None,
        };
        let s = Rc::new(AppState::new(true)).reduce(Action::EnrolStart(answer.clone()));
        assert_eq!(s.phase, Phase::Enrol(Rc::new(answer)));
        assert_eq!(s.session, None);
        let refused = Rc::new(AppState::new(true))
            .reduce(Action::SignInFailed(NOT_ENROLLED_REFUSED.to_owned()));
        assert_eq!(refused.session, None);
        assert_eq!(
            refused.sign_in,
            SignIn::Failed("This tablet is not enrolled. Ask a manager to enrol it.".into())
        );
    }

    #[test]
    fn locking_keeps_nothing_about_residents_and_shows_who_can_unlock() {
        use crate::present::ListedResident;
        let mut s = AppState::new(true);
        s.session = Some(login(1, "first"));
        s.phase = Phase::Ready;
        s.home = Some(login(1, "first").staff.home);
        s.as_of = Some(at(9));
        s.search = "Ada".into();
        s.summary_return = Some((PersonId(Uuid::from_u128(1)), 200.0));
        s.idle_minutes = 9;
        s.outbox = Outbox::new(vec![item(1, 1, at(8), OutboxState::Saved)]);
        s.residents = Rc::new(Vec::<ListedResident>::new());
        let holder = PinHolder {
            staff: login(1, "first").staff,
            locked_out: false,
        };
        let locked = Rc::new(s).reduce(Action::Closed {
            closed: Closed {
                enrolled: true,
                holders: vec![holder.clone()],
            },
            problem: None,
        });
        assert_eq!(locked.phase, Phase::Locked);
        assert_eq!(locked.session, None);
        assert_eq!(locked.home, None);
        assert_eq!(locked.as_of, None);
        assert!(locked.residents.is_empty());
        assert_eq!(locked.search, "");
        assert_eq!(locked.summary_return, None);
        assert_eq!(locked.waiting_to_send(), 0);
        assert_eq!(*locked.pin_holders, vec![holder]);
        assert_eq!(locked.idle_minutes, 9, "the tablet's setting stays");

        // "Sign in with password", and back.
        let password = Rc::clone(&locked).reduce(Action::UsePassword);
        assert_eq!(password.phase, Phase::SignedOut);
        let back = password.reduce(Action::BackToLock);
        assert_eq!(back.phase, Phase::Locked);

        // Nobody left with a PIN: the sign-in screen.
        let signed_out = back.reduce(Action::Closed {
            closed: Closed {
                enrolled: true,
                holders: vec![],
            },
            problem: None,
        });
        assert_eq!(signed_out.phase, Phase::SignedOut);
        // With nobody to go back to, the sign-in screen stays.
        assert_eq!(
            signed_out.reduce(Action::BackToLock).phase,
            Phase::SignedOut
        );
    }

    #[test]
    fn a_sync_that_ends_updates_what_staff_see() {
        let s = Rc::new(state_with(vec![]));
        let s = s.reduce(Action::SyncStarted);
        assert!(s.sync.running);
        let s = s.reduce(Action::SyncEnded {
            local: None,
            outbox: Some(vec![item(1, 1, at(8), OutboxState::Saved)]),
            outcome: SyncOutcome::WillRetry("no network".into()),
            at: at(10),
        });
        assert!(!s.sync.running);
        assert_eq!(s.sync.last_error.as_deref(), Some("no network"));
        assert_eq!(s.waiting_to_send(), 1);
        assert_eq!(
            s.notice, None,
            "no network is said by the banner, not a notice"
        );

        let s = s.reduce(Action::SyncEnded {
            local: None,
            outbox: None,
            outcome: SyncOutcome::Failed("the server answered 500".into()),
            at: at(10),
        });
        assert!(matches!(s.notice, Some(Notice::RefreshFailed(_))));
        let s = s.reduce(Action::SyncEnded {
            local: None,
            outbox: Some(vec![]),
            outcome: SyncOutcome::Succeeded,
            at: at(11),
        });
        assert_eq!(s.sync.last_error, None);
        assert_eq!(s.sync.last_success, Some(at(11)));
        assert_eq!(s.notice, None);
        assert_eq!(s.waiting_to_send(), 0);

        let s = s.reduce(Action::SyncEnded {
            local: None,
            outbox: None,
            outcome: SyncOutcome::SessionExpired,
            at: at(12),
        });
        assert_eq!(s.notice, Some(Notice::SessionExpired));

        let version = s.data_version;
        let s = s.reduce(Action::Recorded(vec![item(
            5,
            2,
            at(9),
            OutboxState::Saved,
        )]));
        assert_eq!(s.data_version, version.wrapping_add(1));
        assert_eq!(s.waiting_to_send(), 1);
    }
}
