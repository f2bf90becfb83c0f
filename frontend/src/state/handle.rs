//! The context that carries the state, the hook that reaches it, and what the app does
//! with the network and the local store (start, sign in, enrol, choose a PIN, unlock,
//! lock, sync, record, sign out, note views for the access log).
//!
//! Each flow runs as a local future and reports through [`Action`]s. The network only
//! ever fills IndexedDB; the state is then read back from IndexedDB, so what staff see
//! is always what the tablet holds.
//!
//! The tablet's data key lives only in memory, in the store's handle (the app's, and the
//! service worker's, which the app gives it on each unlock and takes back on each lock).

use std::ops::Deref;
use std::rc::Rc;

use bedside_client::sync::{DEVICE_REVOKED_MESSAGE, Progress, SYNCED_MESSAGE};
use bedside_client::vault::{
    FORGET_MESSAGE, LOCK_MESSAGE, SignOutOutcome, UnlockError, VaultError, VaultState, key_message,
};
use bedside_client::{http, platform};
use bedside_domain::api::{Permission, Role, StaffInfo};
use bedside_domain::audit::{AuditMode, AuditPart};
use bedside_domain::sync::wire::MutationOp;
use bedside_domain::{PersonId, StaffId};
use gloo_events::EventListener;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::syncer::{Epoch, Syncer, register_background_sync};
use super::{Action, AppState, Closed, Db, Notice, Phase, PinHolder, RecordError, UnlockFailure};
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

    /// Signs this member of staff out of the tablet: their PIN, session and sync lane
    /// go; their unsent records would be lost, so staff are asked first
    /// ([`Notice::UnsentAtSignOut`]) while a sync is tried meanwhile. If others still
    /// have a PIN here the lock screen follows; if not, the store was wiped and the
    /// sign-in screen follows.
    pub fn sign_out(&self) {
        self.sign_out_with(false);
    }

    /// Signs out even though records wait to send ("Sign out anyway").
    pub fn sign_out_now(&self) {
        self.sign_out_with(true);
    }

    fn sign_out_with(&self, force: bool) {
        let (Some(db), Some(staff)) = (self.db(), self.state.staff().map(|s| s.id)) else {
            return;
        };
        self.epoch().bump();
        self.syncer.stop();
        let dispatch = self.state.dispatcher();
        let syncer = self.syncer.clone();
        spawn_local(async move {
            match db.sign_out_staff(staff, force).await {
                Ok(SignOutOutcome::Waiting { items, views }) => {
                    // Nothing was removed: stay signed in, and try to send them now.
                    syncer.start(db);
                    syncer.request();
                    dispatch.dispatch(Action::ConfirmSignOut(items + views));
                }
                Ok(SignOutOutcome::SignedOut { .. }) => {
                    close(&db, &dispatch, WorkerMessage::Forget, None).await
                }
                Err(e) => {
                    let problem = format!(
                        "Signing out did not finish ({e}). The tablet is locked. Tell the \
                         manager if this happens again."
                    );
                    close(&db, &dispatch, WorkerMessage::Lock, Some(problem)).await;
                }
            }
        });
    }

    /// Locks the tablet now (the header's "Lock", which is also how staff hand it to
    /// someone else, and the idle timer): the data key is forgotten here and in the
    /// service worker, the state drops everything about residents, and the lock screen
    /// shows who can unlock it.
    pub fn lock(&self) {
        if self.state.phase != Phase::Ready {
            return;
        }
        self.epoch().bump();
        self.syncer.stop();
        let Some(db) = self.db() else { return };
        db.lock();
        tell_worker(WorkerMessage::Lock);
        self.state.dispatch(Action::Locking);
        spawn_local(show_pin_holders(db, self.state.dispatcher()));
    }

    /// Unlocks with a member of staff's PIN and opens the records again, read afresh
    /// from the store. A wrong PIN says how many tries are left; the last one locks that
    /// person out until they sign in with their password.
    pub async fn unlock(&self, staff: StaffId, pin: String) -> Result<(), UnlockFailure> {
        let db = self
            .db()
            .ok_or_else(|| UnlockFailure::Other("the local store is not open".to_owned()))?;
        match db.unlock(staff, &pin).await {
            Ok(_) => {}
            Err(UnlockError::WrongPin { tries_left }) => {
                return Err(UnlockFailure::WrongPin { tries_left });
            }
            Err(UnlockError::LockedOut) => {
                show_pin_holders(db, self.state.dispatcher()).await;
                return Err(UnlockFailure::LockedOut);
            }
            Err(e) => return Err(UnlockFailure::Other(e.to_string())),
        }
        self.epoch().bump();
        open_unlocked(&db, &self.state.dispatcher(), &self.syncer)
            .await
            .map_err(|why| {
                db.lock();
                UnlockFailure::Other(why)
            })
    }

    /// The lock screen's "Sign in with password".
    pub fn use_password(&self) {
        self.state.dispatch(Action::UsePassword);
    }

    /// The sign-in screen's way back to the lock screen.
    pub fn back_to_lock(&self) {
        self.state.dispatch(Action::BackToLock);
    }

    /// Enrols this tablet for the signed-in manager's home ("Enrol this tablet"): the
    /// server names it and gives its secret and unlock key, the vault makes the data key,
    /// and the manager goes on to choose a PIN. The error is in words for staff.
    pub async fn enrol(&self, name: String) -> Result<(), String> {
        let (Some(db), Phase::Enrol(answer)) = (self.db(), &self.state.phase) else {
            return Err("Sign in again to enrol this tablet.".to_owned());
        };
        let answer = (**answer).clone();
        if !navigator_online() {
            return Err("No network: enrolling a tablet needs the network.".to_owned());
        }
        let enrolled = api::enrol_device(&answer.login.token, &name)
            .await
            .map_err(|e| enrol_failure(&e))?;
        let home = answer.login.staff.home.clone();
        db.enrol(&enrolled, &home).await.map_err(|e| {
            format!(
                "The server enrolled \"{}\", but this tablet could not keep its keys ({e}). \
                 Remove it from the home's tablets and try again.",
                enrolled.device.name
            )
        })?;
        let staff = answer.login.staff.clone();
        self.epoch().bump();
        db.signed_in_online(answer, platform::now())
            .await
            .map_err(|e| format!("The tablet is enrolled, but your sign-in could not be kept ({e}). Sign in again."))?;
        self.state.dispatch(Action::ChoosePin(staff));
        Ok(())
    }

    /// Leaves "Enrol this tablet" without enrolling: the manager's session ends.
    pub fn cancel_enrol(&self) {
        if let Phase::Enrol(answer) = &self.state.phase {
            let token = answer.login.token.clone();
            spawn_local(async move {
                // Best effort: an unused session ends by itself when idle.
                let _ = http::logout(&token, http::SHORT_TIMEOUT_MS).await;
            });
        }
        self.state.dispatch(Action::Closed {
            closed: Closed::default(),
            problem: None,
        });
    }

    /// Saves the PIN chosen after an online sign-in, then brings the records onto the
    /// tablet and opens them. The error is in words for staff.
    pub async fn set_pin(&self, pin: String) -> Result<(), String> {
        let (Some(db), Phase::ChoosePin(staff)) = (self.db(), &self.state.phase) else {
            return Err("Sign in again to choose a PIN.".to_owned());
        };
        let staff = staff.clone();
        db.set_pin(&staff, &pin)
            .await
            .map_err(|e| format!("Your PIN could not be saved ({e})."))?;
        spawn_local(download(
            db,
            self.state.dispatcher(),
            self.syncer.clone(),
            staff,
        ));
        Ok(())
    }

    /// Changes how long the tablet waits with no use before it locks.
    pub async fn set_idle_minutes(&self, minutes: u32) -> Result<(), String> {
        let db = self
            .db()
            .ok_or_else(|| "the local store is not open".to_owned())?;
        db.set_idle_minutes(minutes)
            .await
            .map_err(|e| format!("The setting could not be saved ({e})."))?;
        self.state.dispatch(Action::IdleMinutes(minutes));
        Ok(())
    }

    /// The name the tablet was enrolled with.
    pub async fn tablet_name(&self) -> Option<String> {
        let db = self.db()?;
        db.enrolment().await.ok().flatten().map(|e| e.device.name)
    }

    /// Notes for the access log that these residents' records were shown on this
    /// tablet (one event each), online or offline as the browser says. Reading never
    /// waits for it; a failure is shown as a notice, never dropped silently.
    pub fn record_views(&self, people: Vec<PersonId>, part: AuditPart) {
        let Some(db) = self.db() else { return };
        if people.is_empty() || self.state.phase != Phase::Ready {
            return;
        }
        let mode = if navigator_online() {
            AuditMode::Online
        } else {
            AuditMode::Offline
        };
        let dispatch = self.state.dispatcher();
        spawn_local(async move {
            for person in people {
                if let Err(e) = db.record_view(person, part, mode).await {
                    dispatch.dispatch(Action::AuditFailed(e.to_string()));
                    return;
                }
            }
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
    /// A store already open and unlocked, used as it is: for component tests, whose
    /// store holds a data key only in the handle that unlocked it.
    #[prop_or_default]
    pub unlocked: Option<Db>,
    /// Locks after this many milliseconds with no input instead of the tablet's
    /// setting: for tests, which cannot wait a minute.
    #[prop_or_default]
    pub idle_after_ms: Option<u32>,
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
        let given = props.unlocked.clone();
        use_effect_with((), move |_| {
            spawn_local(start(dispatch, syncer, store, given))
        });
    }

    super::idle::use_idle_lock(&handle, props.idle_after_ms);

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

async fn start(dispatch: Dispatch, syncer: Syncer, store: Option<AttrValue>, given: Option<Db>) {
    let opened = match (given, store) {
        (Some(db), _) => Ok((*db.0).clone()),
        (None, Some(name)) => LocalDb::open_named(&name).await,
        (None, None) => LocalDb::open().await,
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
    let idle_minutes = db
        .idle_minutes()
        .await
        .unwrap_or(super::DEFAULT_IDLE_MINUTES);
    dispatch.dispatch(Action::Opened {
        db: Db(Rc::new(db.clone())),
        closed: closed(&db).await,
        idle_minutes,
    });
    // A store handed over already unlocked (a component test's) opens at once, or asks
    // for a PIN first if its member of staff has none; the app's own starts locked, as
    // the data key is never stored.
    if !db.is_unlocked() {
        return;
    }
    if let Ok(VaultState::Unlocked { staff }) = db.vault_state().await
        && !db.has_pin(staff.id).await.unwrap_or(true)
    {
        dispatch.dispatch(Action::ChoosePin(staff));
    } else if let Err(why) = open_unlocked(&db, &dispatch, &syncer).await {
        dispatch.dispatch(Action::OpenFailed(why));
    }
}

/// What follows a good online sign-in, by whether the tablet is enrolled and who
/// signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSignIn {
    /// A manager on a tablet not enrolled: "Enrol this tablet".
    Enrol,
    /// Anyone else on a tablet not enrolled: refused, nothing stored.
    Refuse,
    /// An enrolled tablet: the vault takes the sign-in.
    Unlock,
}

pub fn after_sign_in(enrolled: bool, role: Role) -> AfterSignIn {
    match (enrolled, role.may(Permission::ManageDevices)) {
        (true, _) => AfterSignIn::Unlock,
        (false, true) => AfterSignIn::Enrol,
        (false, false) => AfterSignIn::Refuse,
    }
}

/// What the lock and sign-in screens need, read from the vault. A vault that cannot be
/// read shows the sign-in screen: signing in online sorts the tablet out.
async fn closed(db: &LocalDb) -> Closed {
    let enrolled = db.enrolment().await.ok().flatten().is_some();
    let holders = db
        .pin_holders()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|h| PinHolder {
            staff: h.staff,
            locked_out: h.locked_out,
        })
        .collect();
    Closed { enrolled, holders }
}

/// Opens the records of the member of staff who just unlocked the store: their session,
/// the home's copy and the outbox, read afresh; the worker gets the data key; syncing
/// starts.
async fn open_unlocked(db: &LocalDb, dispatch: &Dispatch, syncer: &Syncer) -> Result<(), String> {
    let session = db
        .session()
        .await
        .map_err(|e| format!("your sign-in on this tablet could not be read ({e})"))?
        .ok_or_else(|| {
            "no sign-in is kept for you on this tablet: sign in with your password".to_owned()
        })?;
    let local = match db.load_home().await {
        Ok(local) => local,
        Err(DbError::Data) => {
            // Written by an incompatible version: the next sync fetches the records
            // afresh, which is better than showing part of a record. Nothing staff
            // wrote is lost (the outbox is kept).
            let _ = db.clear_records().await;
            LocalHome {
                home: None,
                as_of: None,
                residents: Vec::new(),
            }
        }
        Err(e) => {
            return Err(format!(
                "the records on this tablet could not be read ({e})"
            ));
        }
    };
    let outbox = db.outbox().await.unwrap_or_default();
    tell_worker_unlocked(db);
    dispatch.dispatch(Action::SignedIn {
        session,
        local,
        outbox,
        notice: None,
    });
    syncer.start(db.clone());
    if navigator_online() {
        syncer.request();
    }
    Ok(())
}

/// Signs in online. On an enrolled tablet the sign-in carries the tablet's credential
/// and gives the vault the data key; then whoever has no PIN here chooses one, and the
/// records come down. On a tablet not enrolled only a manager gets further (to enrol
/// it); anyone else is refused and nothing is stored.
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
    let device = match db.device_credential().await {
        Ok(device) => device,
        Err(e) => return fail(format!("This tablet could not prepare its sign-in ({e}).")),
    };
    let answer = match api::sign_in(&username, &password, device.clone()).await {
        Ok(answer) => answer,
        Err(e) if e.is_device_revoked() => return revoked(db, &syncer),
        Err(e) => return fail(e.sign_in_message()),
    };
    match after_sign_in(device.is_some(), answer.login.staff.role) {
        AfterSignIn::Unlock => {}
        AfterSignIn::Enrol => return dispatch.dispatch(Action::EnrolStart(answer)),
        AfterSignIn::Refuse => {
            // Nothing of theirs is kept; the session the server opened ends now.
            let _ = http::logout(&answer.login.token, http::SHORT_TIMEOUT_MS).await;
            return fail(super::NOT_ENROLLED_REFUSED.to_owned());
        }
    }
    syncer.epoch().bump();
    let staff = answer.login.staff.clone();
    match db.signed_in_online(answer, platform::now()).await {
        Ok(_) => {}
        Err(VaultError::Revoked) => return revoked(db, &syncer),
        Err(VaultError::WrongHome) => {
            return fail(format!(
                "This tablet belongs to another home, not {}. Use one of your home's tablets.",
                staff.home.name
            ));
        }
        Err(e) => {
            return fail(format!(
                "Signed in, but this tablet could not keep the sign-in ({e})."
            ));
        }
    }
    match db.has_pin(staff.id).await {
        Ok(true) => download(db, dispatch, syncer, staff).await,
        Ok(false) => dispatch.dispatch(Action::ChoosePin(staff)),
        Err(e) => {
            db.lock();
            fail(format!(
                "Signed in, but this tablet could not read its PINs ({e})."
            ))
        }
    }
}

/// The server refused this tablet as revoked: it wipes itself, keys and all.
fn revoked(db: LocalDb, syncer: &Syncer) {
    syncer.start(db);
    syncer.device_revoked();
}

/// Brings the home's records onto the tablet after an online sign-in (a snapshot the
/// first time, changes after) and shows them.
async fn download(db: LocalDb, dispatch: Dispatch, syncer: Syncer, staff: StaffInfo) {
    let mine = syncer.epoch().current();
    tell_worker_unlocked(&db);
    let home = staff.home.name.clone();
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
        local.as_of.is_some() && local.home.as_ref().map(|h| h.id) == Some(staff.home.id)
    };
    // Every way the records fail to open ends below, in one place.
    let why = 'failed: {
        let notice = match (&synced, &local) {
            (Ok(_), Ok(local)) if usable(local) => None,
            (Err(e), Ok(local)) if usable(local) && !e.is_unauthenticated() => {
                (!e.is_transient()).then(|| Notice::RefreshFailed(e.to_string()))
            }
            (Ok(_), Ok(_)) => {
                break 'failed "The records were stored but could not be read back.".to_owned();
            }
            (Err(e), _) => break 'failed download_failure(e),
            (_, Err(e)) => {
                break 'failed format!("The records were stored but could not be read back ({e}).");
            }
        };
        let Ok(local) = local else { return };
        let outbox = db.outbox().await.unwrap_or_default();
        // The download may have refreshed the tokens: the state holds the current ones.
        let Ok(Some(session)) = db.session().await else {
            break 'failed "This tablet could not read back your sign-in.".to_owned();
        };
        dispatch.dispatch(Action::SignedIn {
            session,
            local,
            outbox,
            notice,
        });
        return;
    };
    // The records did not come down and the tablet holds no copy to show: it locks
    // again, and the sign-in screen says why (a PIN, if one was set, stays for next
    // time).
    syncer.stop();
    close(&db, &dispatch, WorkerMessage::Lock, None).await;
    dispatch.dispatch(Action::UsePassword);
    dispatch.dispatch(Action::SignInFailed(why));
}

/// Closes the records: told [`WorkerMessage::Lock`], the store locks and the worker
/// forgets the data key; told [`WorkerMessage::Forget`] (the store was signed out of and
/// holds no key), the worker forgets everything. Then the lock, sign-in or enrolment
/// screen shows, as the vault calls for, with `problem` as a notice.
async fn close(db: &LocalDb, dispatch: &Dispatch, message: WorkerMessage, problem: Option<String>) {
    if matches!(message, WorkerMessage::Lock) {
        db.lock();
    }
    tell_worker(message);
    let closed = closed(db).await;
    dispatch.dispatch(Action::Closed { closed, problem });
}

/// Reads again who holds a PIN, for the lock screen.
async fn show_pin_holders(db: LocalDb, dispatch: Dispatch) {
    let closed = closed(&db).await;
    dispatch.dispatch(Action::PinHolders(closed.holders));
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

/// Why enrolling failed, for the manager.
fn enrol_failure(e: &ApiFailure) -> String {
    match e {
        ApiFailure::Offline => "No network: enrolling a tablet needs the network.".to_owned(),
        ApiFailure::Unauthenticated(_) => {
            "Your sign-in has expired: cancel, and sign in again to enrol this tablet.".to_owned()
        }
        ApiFailure::Server { message, .. } => format!("The tablet was not enrolled: {message}"),
        ApiFailure::BadResponse => "The server's answer could not be read. The app may need \
                                    updating: close it and open it again."
            .to_owned(),
    }
}

/// What the app tells its service worker about the data key.
pub(super) enum WorkerMessage {
    /// Unlocked: the data key (a non-extractable `CryptoKey`, which may be posted) and
    /// whose session the worker syncs with, as `vault::key_message` makes it.
    Key(JsValue),
    /// Locked: forget the key.
    Lock,
    /// Signed out or wiped: forget the key.
    Forget,
}

fn tell_worker_unlocked(db: &LocalDb) {
    if let Some(message) = key_message(db) {
        tell_worker(WorkerMessage::Key(message));
    }
}

/// Posts a message to the service worker that controls this page (or, before it does,
/// the active one); with no worker, nothing happens.
pub(super) fn tell_worker(message: WorkerMessage) {
    let data = match message {
        WorkerMessage::Key(data) => data,
        WorkerMessage::Lock | WorkerMessage::Forget => {
            let kind = if matches!(message, WorkerMessage::Lock) {
                LOCK_MESSAGE
            } else {
                FORGET_MESSAGE
            };
            let data = js_sys::Object::new();
            let _ =
                js_sys::Reflect::set(&data, &JsValue::from_str("type"), &JsValue::from_str(kind));
            data.into()
        }
    };
    let Some(container) = service_worker_container() else {
        return;
    };
    let get = |target: &JsValue, name: &str| {
        js_sys::Reflect::get(target, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let post = move |worker: JsValue| {
        if let Some(f) = get(&worker, "postMessage")
            .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
        {
            let _ = f.call1(&worker, &data);
        }
    };
    if let Some(controller) = get(&container, "controller") {
        post(controller);
        return;
    }
    // `ready` settles only once a worker is active: a page with none never posts.
    let Some(ready) = get(&container, "ready")
        .and_then(|r| wasm_bindgen::JsCast::dyn_into::<js_sys::Promise>(r).ok())
    else {
        return;
    };
    spawn_local(async move {
        if let Ok(registration) = wasm_bindgen_futures::JsFuture::from(ready).await
            && let Some(active) = get(&registration, "active")
        {
            post(active);
        }
    });
}
