//! The context that carries the state, the hook that reaches it, and what the app does
//! with the network and the local store (start, sign in, sync, record, sign out).
//!
//! Each flow runs as a local future and reports through [`Action`]s. The network only
//! ever fills IndexedDB; the state is then read back from IndexedDB, so what staff see
//! is always what the tablet holds.

use std::ops::Deref;
use std::rc::Rc;

use bedside_client::StoredSession;
use bedside_client::sync::{DEVICE_REVOKED_MESSAGE, Progress, SYNCED_MESSAGE};
use bedside_client::{platform, session};
use bedside_domain::PersonId;
use bedside_domain::api::LoginResponse;
use bedside_domain::sync::wire::MutationOp;
use gloo_events::EventListener;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::syncer::{Epoch, Syncer, register_background_sync};
use super::{Action, AppState, Db, Notice, Phase, RecordError};
use crate::services::api::{self, ApiFailure};
use crate::services::local_db::{DbError, LocalDb, LocalHome};

type Dispatch = UseReducerDispatcher<AppState>;

/// What components get from [`use_app`]: the state, and the things staff can do.
#[derive(Clone)]
pub struct AppHandle {
    state: UseReducerHandle<AppState>,
    syncer: Syncer,
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

    fn epoch(&self) -> &Epoch {
        self.syncer.epoch()
    }

    /// Records what staff did at the bedside: a care note, an observation set, a
    /// correction, a section edit or a senior's decision on a proposal.
    ///
    /// In one IndexedDB transaction it stores the mutation in the outbox (state "saved on
    /// this tablet", with the next device sequence number) and, when the mutation makes
    /// an entry of its own, a provisional entry (version 0, this member of staff's
    /// provenance, id = the mutation's id) that the resident's pages show at once. Then
    /// the state's outbox is updated, pages read their entries again, a sync is asked for
    /// and Background Sync registered. It all works offline; the item is sent when the
    /// network allows and shows its state through [`AppState::item_state_of`].
    ///
    /// Refused, with nothing stored, when nobody is signed in, the resident or entry is
    /// not on this tablet, or what was entered cannot be recorded (an empty note, a
    /// reading outside the physiological range): the error's words are for staff.
    pub async fn record(&self, op: MutationOp) -> Result<(), RecordError> {
        let db = self.db().ok_or(RecordError::NotSignedIn)?;
        if self.state.session.is_none() || self.state.phase != Phase::Ready {
            return Err(RecordError::NotSignedIn);
        }
        let id = platform::new_mutation_id().ok_or_else(|| {
            RecordError::Storage(DbError::Storage(
                "this browser cannot make random ids".to_owned(),
            ))
        })?;
        let mine = self.epoch().current();
        db.record(op, platform::now(), id, platform::new_device_id)
            .await?;
        // It is stored: whatever happens next, it is on the tablet.
        if self.epoch().current() == mine {
            let outbox = db.outbox().await.unwrap_or_default();
            self.state.dispatch(Action::Recorded(outbox));
        }
        self.syncer.request();
        register_background_sync();
        Ok(())
    }

    /// Signs in, stores the session, brings the home's records onto the tablet (a
    /// snapshot the first time, changes after) and shows them.
    pub fn sign_in(&self, username: String, password: String) {
        let Some(db) = self.db() else { return };
        if matches!(self.state.sign_in, super::SignIn::Working(_)) {
            return;
        }
        spawn_local(sign_in(
            db,
            self.state.dispatcher(),
            self.syncer.clone(),
            username,
            password,
        ));
    }

    /// Syncs now ("Update now"): sends what is waiting and fetches what changed. The
    /// stored copy stays on any failure.
    pub fn refresh(&self) {
        if self.state.phase != Phase::Ready || self.state.reauthenticating {
            return;
        }
        self.syncer.request();
    }

    /// Signs out and wipes every record from the tablet, unless items have not reached
    /// the server: then staff are asked first ([`Notice::UnsentAtSignOut`]), and a sync
    /// is tried meanwhile.
    pub fn sign_out(&self) {
        let waiting = self.state.waiting_to_send();
        if waiting > 0 {
            self.state.dispatch(Action::ConfirmSignOut(waiting));
            self.refresh();
            return;
        }
        self.sign_out_now();
    }

    /// Signs out and wipes the tablet, unsent items included. The session is ended on
    /// the server first (best effort, online only, a few seconds at most), so its
    /// tokens stop working even if a copy of them survived somewhere.
    pub fn sign_out_now(&self) {
        let Some(db) = self.db() else { return };
        self.epoch().bump();
        self.syncer.stop();
        let dispatch = self.state.dispatcher();
        spawn_local(async move {
            session::end_on_server(&db).await;
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

    /// Says on the resident's summary that something was just saved for them.
    pub fn set_just_saved(&self, what: Option<(PersonId, &'static str)>) {
        self.state.dispatch(Action::JustSaved(what));
    }

    /// The signed-in member of staff's role, when someone is signed in.
    pub fn role(&self) -> Option<bedside_domain::api::Role> {
        self.state.session.as_ref().map(|s| s.staff.role)
    }

    /// Whether the signed-in member of staff's role may do `what` (`Role::may`, the table
    /// the server checks); nobody signed in may do nothing. Used only to hide what the
    /// server would refuse.
    pub fn may(&self, what: bedside_domain::api::Permission) -> bool {
        self.role().is_some_and(|role| role.may(what))
    }

    /// The signed-in member of staff's token, for the few requests a page makes itself:
    /// the current one (the state follows every refresh, by this app or its worker).
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
    /// The IndexedDB database to open instead of the app's own: for component tests, so
    /// each opens a store of its own.
    #[prop_or_default]
    pub store: Option<AttrValue>,
}

/// Holds the state, opens the local store on start, follows the network, and keeps the
/// sync going.
#[component]
pub fn AppProvider(props: &AppProviderProps) -> Html {
    let state = use_reducer(|| AppState::new(navigator_online()));
    let syncer = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| Syncer::new(dispatch, Epoch::default()))
    };
    let handle = AppHandle {
        state: state.clone(),
        syncer: (*syncer).clone(),
    };

    {
        let dispatch = state.dispatcher();
        let syncer = handle.syncer.clone();
        let store = props.store.clone();
        use_effect_with((), move |_| spawn_local(start(dispatch, syncer, store)));
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
        // The service worker synced in the background: show what it stored.
        let syncer = handle.syncer.clone();
        use_effect_with((), move |_| {
            let listener = service_worker_container().map(|container| {
                EventListener::new(&container, "message", move |event| {
                    let data = js_sys::Reflect::get(event, &JsValue::from_str("data"))
                        .ok()
                        .and_then(|d| d.as_string());
                    match data.as_deref() {
                        Some(SYNCED_MESSAGE) => syncer.reload(),
                        // The worker heard the tablet is revoked, and wiped it.
                        Some(DEVICE_REVOKED_MESSAGE) => syncer.device_revoked(),
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }

    {
        // Back online: send what waits and fetch what changed meanwhile, unless the
        // server has already said the sign-in expired (then only signing in again helps).
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

fn service_worker_container() -> Option<web_sys::EventTarget> {
    let navigator = web_sys::window()?.navigator();
    let container = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    if container.is_undefined() || container.is_null() {
        return None;
    }
    Some(wasm_bindgen::JsCast::unchecked_into(container))
}

/// Whether the browser believes it has a network. `false` is reliable; `true` only
/// means a network interface is up, so requests still handle failure.
pub fn navigator_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

async fn start(dispatch: Dispatch, syncer: Syncer, store: Option<AttrValue>) {
    let opened = match store {
        Some(name) => LocalDb::open_named(&name).await,
        None => LocalDb::open().await,
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => {
            dispatch.dispatch(Action::OpenFailed(e.to_string()));
            return;
        }
    };
    db.close_when_outdated(|| {
        // A newer version of the app has upgraded the store: become it.
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let stored = read_stored(&db).await;
    let signed_in = stored.is_some();
    let outbox = db.outbox().await.unwrap_or_default();
    dispatch.dispatch(Action::Opened {
        db: Db(Rc::new(db.clone())),
        stored,
        outbox,
    });
    if signed_in {
        syncer.start(db);
        if navigator_online() {
            syncer.request();
        }
    }
}

/// The stored session and copy, when there are both. Records this version cannot read
/// (written by an incompatible version) are cleared, the outbox and session kept: the
/// next sync fetches the records afresh, which is better than showing part of a record,
/// and nothing staff wrote is lost.
async fn read_stored(db: &LocalDb) -> Option<(LoginResponse, LocalHome)> {
    let result = async { Ok::<_, DbError>((db.session().await?, db.load_home().await?)) }.await;
    match result {
        Ok((Some(session), local)) if local.as_of.is_some() => Some((session, local)),
        Ok(_) => None,
        Err(DbError::Data) => {
            // Nothing more can be done here if this fails too; the next snapshot
            // replaces the records anyway.
            let _ = db.clear_records().await;
            None
        }
        Err(_) => None,
    }
}

async fn sign_in(
    db: LocalDb,
    dispatch: Dispatch,
    syncer: Syncer,
    username: String,
    password: String,
) {
    let fail = |message: String| dispatch.dispatch(Action::SignInFailed(message));
    if !navigator_online() {
        fail(ApiFailure::Offline.sign_in_message());
        return;
    }
    dispatch.dispatch(Action::SignInWorking("Signing in…".to_owned()));
    let answer = match api::login(&username, &password).await {
        Ok(answer) => answer,
        Err(e) => return fail(e.sign_in_message()),
    };
    let mine = syncer.epoch().bump();
    // Names this sign-in, so that the sync can tell a refresh of its tokens from a
    // sign-out or another sign-in. Random where it can be; the first token is as unique.
    let key = platform::new_device_id()
        .map(|id| id.to_string())
        .unwrap_or_else(|| answer.login.token.clone());
    let stored = StoredSession::signed_in(answer, platform::now(), key);
    let session = stored.login();

    // Kept so a failed download does not lose the earlier sign-in, which is what lets
    // the stored records open offline.
    let previous = db.stored_session().await.ok().flatten();
    if let Err(e) = db.set_stored_session(&stored).await {
        return fail(format!(
            "Signed in, but this tablet could not store the sign-in ({e})."
        ));
    }
    let home = session.staff.home.name.clone();
    dispatch.dispatch(Action::SignInWorking(format!(
        "Downloading records for {home}…"
    )));

    syncer.start(db.clone());
    let progress = {
        let dispatch = dispatch.clone();
        move |p: Progress| {
            if let Progress::SnapshotPage { stored } = p {
                dispatch.dispatch(Action::SignInWorking(format!(
                    "Downloading records for {home}… (part {stored})"
                )));
            }
        }
    };
    let synced = syncer.run(Some(&progress)).await;
    if syncer.epoch().current() != mine {
        return;
    }

    // A copy of this home that the tablet already held (signing in again after the
    // sign-in expired) opens even when it could not be brought up to date.
    let local = db.load_home().await;
    let usable = |local: &LocalHome| {
        local.as_of.is_some() && local.home.as_ref().map(|h| h.id) == Some(session.staff.home.id)
    };
    let notice = match (&synced, &local) {
        (Ok(_), Ok(local)) if usable(local) => None,
        (Err(e), Ok(local)) if usable(local) && !e.is_unauthenticated() => {
            (!e.is_transient()).then(|| Notice::RefreshFailed(e.to_string()))
        }
        (Ok(_), Ok(_)) => {
            syncer.stop();
            restore_session(&db, previous).await;
            return fail("The records were stored but could not be read back.".to_owned());
        }
        (Err(e), _) => {
            syncer.stop();
            restore_session(&db, previous).await;
            return fail(download_failure(e));
        }
        (_, Err(e)) => {
            syncer.stop();
            restore_session(&db, previous).await;
            return fail(format!(
                "The records were stored but could not be read back ({e})."
            ));
        }
    };
    let Ok(local) = local else { return };
    let outbox = db.outbox().await.unwrap_or_default();
    // The download may have refreshed the tokens: the state holds the current ones.
    let session = match db.session().await {
        Ok(Some(current)) if current.staff.id == session.staff.id => current,
        _ => session,
    };
    dispatch.dispatch(Action::SignedIn {
        session,
        local,
        outbox,
        notice,
    });
}

async fn restore_session(db: &LocalDb, previous: Option<StoredSession>) {
    // Best effort: if this fails too the tablet asks for a sign-in next time, which is
    // safe.
    let _ = match previous {
        Some(p) => db.set_stored_session(&p).await,
        None => db.clear_session().await,
    };
}

fn download_failure(e: &bedside_client::SyncError) -> String {
    use bedside_client::SyncError;
    match e {
        SyncError::Api(ApiFailure::Offline) => {
            "Signed in, but the network went before the records arrived: try again once the \
             tablet is back online"
                .to_owned()
        }
        SyncError::Storage(e) => {
            format!("The records were downloaded but could not be stored on this tablet ({e}).")
        }
        other => format!("Signed in, but the records could not be downloaded: {other}"),
    }
}
