//! The context that carries the state, the hook that reaches it, and what the app does
//! with the network and the local store (start, sign in, refresh, sign out).
//!
//! Each flow runs as a local future and reports through [`Action`]s. The network only
//! ever fills IndexedDB; the state is then read back from IndexedDB, so what staff see
//! is always what the tablet holds.

use std::cell::Cell;
use std::ops::Deref;
use std::rc::Rc;

use bedside_domain::PersonId;
use bedside_domain::api::LoginResponse;
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{Action, AppState, Db, Notice, Phase};
use crate::services::api::{self, ApiFailure, Download};
use crate::services::local_db::{DbError, LocalDb, LocalHome};

type Dispatch = UseReducerDispatcher<AppState>;

/// Counts sign-ins and sign-outs. A download started under an older count must not be
/// stored: the person it was for has signed out, or someone else has signed in.
///
/// The count is checked just before the write transaction is created, with no await in
/// between; IndexedDB runs transactions over the same stores in the order they were
/// created, so a sign-out's wipe that follows always removes what the download wrote.
#[derive(Debug, Clone, Default)]
struct Epoch(Rc<Cell<u64>>);

impl Epoch {
    fn current(&self) -> u64 {
        self.0.get()
    }

    fn bump(&self) -> u64 {
        let next = self.0.get().wrapping_add(1);
        self.0.set(next);
        next
    }
}

/// What components get from [`use_app`]: the state, and the things staff can do.
#[derive(Clone)]
pub struct AppHandle {
    state: UseReducerHandle<AppState>,
    epoch: Epoch,
}

impl PartialEq for AppHandle {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
    }
}

impl Deref for AppHandle {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.state
    }
}

impl AppHandle {
    fn db(&self) -> Option<LocalDb> {
        self.state.db.as_ref().map(|d| (*d.0).clone())
    }

    /// Signs in, stores the session, downloads the home's records and stores them.
    pub fn sign_in(&self, username: String, password: String) {
        let Some(db) = self.db() else { return };
        if matches!(self.state.sign_in, super::SignIn::Working(_)) {
            return;
        }
        spawn_local(sign_in(
            db,
            self.state.dispatcher(),
            self.epoch.clone(),
            username,
            password,
        ));
    }

    /// Asks the server for a newer copy, keeping the stored one on any failure.
    pub fn refresh(&self) {
        let (Some(db), Some(session)) = (self.db(), self.state.session.as_ref()) else {
            return;
        };
        if self.state.refreshing || self.state.phase != Phase::Ready {
            return;
        }
        spawn_local(refresh(
            db,
            self.state.dispatcher(),
            self.epoch.clone(),
            session.token.clone(),
        ));
    }

    /// Forgets the session and wipes every record from the tablet.
    pub fn sign_out(&self) {
        let Some(db) = self.db() else { return };
        self.epoch.bump();
        let dispatch = self.state.dispatcher();
        spawn_local(async move {
            let problem = db.wipe().await.err().map(|e| {
                format!(
                    "Signed out, but the records on this tablet could not all be removed ({e}). \
                     Tell the manager."
                )
            });
            dispatch.dispatch(Action::SignedOut { problem });
        });
    }

    pub fn reauthenticate(&self) {
        self.state.dispatch(Action::Reauthenticate);
    }

    pub fn cancel_reauthenticate(&self) {
        self.state.dispatch(Action::CancelReauthenticate);
    }

    pub fn dismiss_notice(&self) {
        self.state.dispatch(Action::DismissNotice);
    }

    pub fn search(&self, query: String) {
        self.state.dispatch(Action::Search(query));
    }

    pub fn remember_list_scroll(&self, y: f64) {
        self.state.dispatch(Action::RememberListScroll(y));
    }

    /// Remembers where a resident's summary was, before leaving it for a document.
    pub fn set_summary_return(&self, to: Option<(PersonId, f64)>) {
        self.state.dispatch(Action::SummaryReturn(to));
    }

    /// The signed-in member of staff's token, for the few requests a page makes itself.
    pub fn token(&self) -> Option<AttrValue> {
        self.state
            .session
            .as_ref()
            .map(|s| AttrValue::from(s.token.clone()))
    }
}

/// The state of the whole app; reach it with [`use_app`].
#[hook]
pub fn use_app() -> AppHandle {
    use_context::<AppHandle>().expect("AppProvider wraps every component that uses the state")
}

#[derive(Properties, PartialEq)]
pub struct AppProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Holds the state, opens the local store on start, and follows the network.
#[component]
pub fn AppProvider(props: &AppProviderProps) -> Html {
    let state = use_reducer(|| AppState::new(navigator_online()));
    let epoch = use_memo((), |_| Epoch::default());
    let handle = AppHandle {
        state: state.clone(),
        epoch: (*epoch).clone(),
    };

    {
        let dispatch = state.dispatcher();
        let epoch = handle.epoch.clone();
        use_effect_with((), move |_| spawn_local(start(dispatch, epoch)));
    }

    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let listeners = web_sys::window().map(|window| {
                let on = dispatch.clone();
                let off = dispatch.clone();
                (
                    EventListener::new(&window, "online", move |_| {
                        on.dispatch(Action::Online(true))
                    }),
                    EventListener::new(&window, "offline", move |_| {
                        off.dispatch(Action::Online(false))
                    }),
                )
            });
            move || drop(listeners)
        });
    }

    {
        // Back online: fetch what changed meanwhile, unless the server has already said
        // the sign-in expired (then only signing in again helps).
        let handle = handle.clone();
        use_effect_with(state.online, move |online| {
            if *online && handle.notice != Some(Notice::SessionExpired) {
                handle.refresh();
            }
        });
    }

    html! {
        <ContextProvider<AppHandle> context={handle}>
            { props.children.clone() }
        </ContextProvider<AppHandle>>
    }
}

/// Whether the browser believes it has a network. `false` is reliable; `true` only
/// means a network interface is up, so requests still handle failure.
pub fn navigator_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

async fn start(dispatch: Dispatch, epoch: Epoch) {
    let db = match LocalDb::open().await {
        Ok(db) => db,
        Err(e) => {
            dispatch.dispatch(Action::OpenFailed(e.to_string()));
            return;
        }
    };
    let stored = read_stored(&db).await;
    let token = stored.as_ref().map(|(s, _)| s.token.clone());
    dispatch.dispatch(Action::Opened {
        db: Db(Rc::new(db.clone())),
        stored,
    });
    if let Some(token) = token {
        refresh(db, dispatch, epoch, token).await;
    }
}

/// The stored session and copy, when there are both. A store this version cannot read
/// (written by an incompatible version) is wiped: the next sign-in downloads afresh,
/// which is better than showing part of a record.
async fn read_stored(db: &LocalDb) -> Option<(LoginResponse, LocalHome)> {
    let result = async { Ok::<_, DbError>((db.session().await?, db.load_home().await?)) }.await;
    match result {
        Ok((Some(session), local)) if local.as_of.is_some() => Some((session, local)),
        Ok(_) => None,
        Err(DbError::Data) => {
            // Nothing more can be done here if the wipe fails too; sign-in will replace
            // the records anyway.
            let _ = db.wipe().await;
            None
        }
        Err(_) => None,
    }
}

async fn sign_in(
    db: LocalDb,
    dispatch: Dispatch,
    epoch: Epoch,
    username: String,
    password: String,
) {
    let fail = |message: String| dispatch.dispatch(Action::SignInFailed(message));
    if !navigator_online() {
        fail(ApiFailure::Offline.sign_in_message());
        return;
    }
    dispatch.dispatch(Action::SignInWorking("Signing in…".to_owned()));
    let session = match api::login(&username, &password).await {
        Ok(session) => session,
        Err(e) => return fail(e.sign_in_message()),
    };
    let mine = epoch.bump();

    // Kept so a failed download does not lose the earlier sign-in, which is what lets
    // the stored records open offline.
    let previous = db.session().await.ok().flatten();
    if let Err(e) = db.set_session(&session).await {
        return fail(format!(
            "Signed in, but this tablet could not store the sign-in ({e})."
        ));
    }
    dispatch.dispatch(Action::SignInWorking(format!(
        "Downloading records for {}…",
        session.staff.home.name
    )));

    let stored = match api::home_records(&session.token).await {
        Ok(download) if epoch.current() == mine => store(&db, &download).await,
        Ok(_) => return,
        Err(e) => {
            restore_session(&db, previous).await;
            return fail(download_failure(&e));
        }
    };
    if let Err(e) = stored {
        restore_session(&db, previous).await;
        return fail(format!(
            "The records were downloaded but could not be stored on this tablet ({e})."
        ));
    }
    match db.load_home().await {
        Ok(local) if epoch.current() == mine => {
            dispatch.dispatch(Action::SignedIn { session, local });
            keep_storage();
        }
        Ok(_) => {}
        Err(e) => fail(format!(
            "The records were stored but could not be read back ({e})."
        )),
    }
}

async fn store(db: &LocalDb, download: &Download) -> Result<(), DbError> {
    match &download.raw {
        Some(raw) => db.replace_home_raw(&download.records, raw).await,
        None => db.replace_home(&download.records).await,
    }
}

async fn restore_session(db: &LocalDb, previous: Option<LoginResponse>) {
    // Best effort: if this fails too the tablet asks for a sign-in next time, which is
    // safe.
    let _ = match previous {
        Some(p) => db.set_session(&p).await,
        None => db.clear_session().await,
    };
}

fn download_failure(e: &ApiFailure) -> String {
    match e {
        ApiFailure::Offline => {
            "Signed in, but the network went before the records arrived: try again once the \
             tablet is back online"
                .to_owned()
        }
        other => format!("Signed in, but the records could not be downloaded: {other}"),
    }
}

async fn refresh(db: LocalDb, dispatch: Dispatch, epoch: Epoch, token: String) {
    if !navigator_online() {
        return;
    }
    let mine = epoch.current();
    dispatch.dispatch(Action::RefreshStarted);
    let download = match api::home_records(&token).await {
        Ok(download) => download,
        Err(ApiFailure::Unauthenticated(_)) => {
            return dispatch.dispatch(Action::RefreshEnded(Some(Notice::SessionExpired)));
        }
        // Lost the network on the way: the offline banner already says so.
        Err(ApiFailure::Offline) => return dispatch.dispatch(Action::RefreshEnded(None)),
        Err(e) => {
            return dispatch.dispatch(Action::RefreshEnded(Some(Notice::RefreshFailed(
                e.to_string(),
            ))));
        }
    };
    if epoch.current() != mine {
        return dispatch.dispatch(Action::RefreshEnded(None));
    }
    let result = async {
        store(&db, &download).await?;
        db.load_home().await
    }
    .await;
    match result {
        Ok(local) if epoch.current() == mine => dispatch.dispatch(Action::Refreshed(local)),
        Ok(_) => dispatch.dispatch(Action::RefreshEnded(None)),
        Err(e) => dispatch.dispatch(Action::RefreshEnded(Some(Notice::RefreshFailed(format!(
            "the update could not be stored on this tablet ({e})"
        ))))),
    }
}

/// Asks the browser not to evict the records under storage pressure. The answer does
/// not change what the app does, so it is not awaited.
fn keep_storage() {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().storage().persist();
    }
}
