//! The app's state: one [`AppState`] changed only by [`Action`]s, shared through a
//! context and reached with [`use_app`].
//!
//! The state holds what every page needs (who is signed in, the resident list, the time
//! of the stored copy, whether the tablet is online, what is in progress). A resident's
//! entries are not here: the summary page reads them from IndexedDB when it opens, and
//! again whenever [`AppState::data_version`] moves.

mod handle;

use std::rc::Rc;

use bedside_domain::PersonId;
use bedside_domain::api::{HomeInfo, LoginResponse};
use chrono::{DateTime, Utc};
use yew::Reducible;

use crate::present::{ListedResident, sort_residents};
use crate::services::local_db::{LocalDb, LocalHome};

pub use handle::{AppHandle, AppProvider, use_app};

/// The local store, compared by identity so the state can be compared.
#[derive(Debug, Clone)]
pub struct Db(pub Rc<LocalDb>);

impl PartialEq for Db {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where the app is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Opening IndexedDB and reading the session.
    Starting,
    /// The local store cannot be opened: nothing can be shown.
    Broken(String),
    /// Nobody is signed in on this tablet (or nothing was ever downloaded).
    SignedOut,
    /// Someone is signed in and the tablet holds their home's records.
    Ready,
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
    pub refreshing: bool,
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
            refreshing: false,
            sign_in: SignIn::Idle,
            reauthenticating: false,
            notice: None,
            search: String::new(),
            list_scroll: 0.0,
            summary_return: None,
        }
    }

    /// The home's name as staff know it: from the stored records, else the session.
    pub fn home_name(&self) -> Option<&str> {
        self.home
            .as_ref()
            .map(|h| h.name.as_str())
            .or_else(|| self.session.as_ref().map(|s| s.staff.home.name.as_str()))
    }

    fn with_home(&mut self, local: LocalHome) {
        self.home = local.home;
        self.as_of = local.as_of;
        self.residents = Rc::new(sort_residents(local.residents));
        self.data_version = self.data_version.wrapping_add(1);
    }
}

pub enum Action {
    /// The store is open; with a session and a stored copy when there is one.
    Opened {
        db: Db,
        stored: Option<(LoginResponse, LocalHome)>,
    },
    /// The store could not be opened.
    OpenFailed(String),
    SignInWorking(String),
    SignInFailed(String),
    /// Signed in and the download is stored.
    SignedIn {
        session: LoginResponse,
        local: LocalHome,
    },
    RefreshStarted,
    /// A newer copy is stored.
    Refreshed(LocalHome),
    /// The refresh ended without a newer copy, perhaps with a notice.
    RefreshEnded(Option<Notice>),
    SignedOut {
        problem: Option<String>,
    },
    Reauthenticate,
    CancelReauthenticate,
    DismissNotice,
    Online(bool),
    Search(String),
    RememberListScroll(f64),
    /// Where to put a resident's summary when it opens next (`None` once used).
    SummaryReturn(Option<(PersonId, f64)>),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Opened { db, stored } => {
                s.db = Some(db);
                match stored {
                    Some((session, local)) => {
                        s.session = Some(session);
                        s.with_home(local);
                        s.phase = Phase::Ready;
                    }
                    None => s.phase = Phase::SignedOut,
                }
            }
            Action::OpenFailed(message) => s.phase = Phase::Broken(message),
            Action::SignInWorking(words) => s.sign_in = SignIn::Working(words),
            Action::SignInFailed(message) => s.sign_in = SignIn::Failed(message),
            Action::SignedIn { session, local } => {
                // A different member of staff may have signed in: start them afresh.
                if s.session.as_ref().map(|o| o.staff.id) != Some(session.staff.id) {
                    s.search.clear();
                    s.list_scroll = 0.0;
                }
                s.session = Some(session);
                s.with_home(local);
                s.phase = Phase::Ready;
                s.sign_in = SignIn::Idle;
                s.reauthenticating = false;
                s.notice = None;
                s.refreshing = false;
            }
            Action::RefreshStarted => s.refreshing = true,
            Action::Refreshed(local) => {
                s.refreshing = false;
                s.with_home(local);
                if matches!(s.notice, Some(Notice::RefreshFailed(_))) {
                    s.notice = None;
                }
            }
            Action::RefreshEnded(notice) => {
                s.refreshing = false;
                if notice.is_some() {
                    s.notice = notice;
                }
            }
            Action::SignedOut { problem } => {
                let online = s.online;
                let db = s.db.take();
                s = AppState::new(online);
                s.db = db;
                s.phase = Phase::SignedOut;
                s.notice = problem.map(Notice::Problem);
            }
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
        }
        Rc::new(s)
    }
}
