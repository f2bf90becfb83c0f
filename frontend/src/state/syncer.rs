//! When the app syncs, and what it tells the state afterwards.
//!
//! The run itself is `bedside_client::sync` (the service worker runs the same one, and
//! the two never run at once). Here: runs are asked for after sign-in, when the network
//! comes back, right after each local write, by "Update now", and on a timer while the app
//! is open (every minute when all is well; after a failure 5 s, 15 s, 1 min, then every
//! 5 min); requests during a run are folded into one more run after it. After each local
//! write the service worker's Background Sync is asked for too, where the browser has it,
//! so the outbox is sent even if the app is closed first; nothing depends on it.
//!
//! The run refreshes the session's tokens when they are due (`bedside_client::session`);
//! after each run, and after the worker's, the state takes the stored session's current
//! token, so pages that fetch for themselves use it. A run that hears the tablet is
//! revoked has wiped it: the app shows the sign-in screen, saying why.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use bedside_client::sync::{self, BACKGROUND_SYNC_TAG, Progress, Pulled, SyncError, SyncReport};
use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::UseReducerDispatcher;

use super::{Action, AppState, SyncOutcome};
use crate::services::local_db::LocalDb;

type Dispatch = UseReducerDispatcher<AppState>;

/// Seconds between runs while all is well.
const EVERY_S: u32 = 60;
/// Seconds before trying again after the 1st, 2nd, 3rd and later failures in a row.
const BACKOFF_S: [u32; 4] = [5, 15, 60, 300];

/// Counts sign-ins and sign-outs. What a run started under an older count read must not
/// be shown: the person it was for has signed out, or someone else has signed in. (The
/// run's own writes are guarded in IndexedDB by the session's token.)
#[derive(Debug, Clone, Default)]
pub(super) struct Epoch(Rc<Cell<u64>>);

impl Epoch {
    pub(super) fn current(&self) -> u64 {
        self.0.get()
    }

    pub(super) fn bump(&self) -> u64 {
        let next = self.0.get().wrapping_add(1);
        self.0.set(next);
        next
    }
}

/// The app's sync scheduler. Cheap to clone (a handle).
#[derive(Clone)]
pub(super) struct Syncer(Rc<Inner>);

struct Inner {
    db: RefCell<Option<LocalDb>>,
    dispatch: Dispatch,
    epoch: Epoch,
    /// Someone is signed in and the server has not refused them.
    active: Cell<bool>,
    running: Cell<bool>,
    again: Cell<bool>,
    failures: Cell<u32>,
    timer: RefCell<Option<Timeout>>,
    /// Persistent storage has been asked for (once, after the first sync).
    persisted: Cell<bool>,
}

impl Syncer {
    pub(super) fn new(dispatch: Dispatch, epoch: Epoch) -> Self {
        Self(Rc::new(Inner {
            db: RefCell::new(None),
            dispatch,
            epoch,
            active: Cell::new(false),
            running: Cell::new(false),
            again: Cell::new(false),
            failures: Cell::new(0),
            timer: RefCell::new(None),
            persisted: Cell::new(false),
        }))
    }

    pub(super) fn epoch(&self) -> &Epoch {
        &self.0.epoch
    }

    /// Runs are allowed from now on, against this store.
    pub(super) fn start(&self, db: LocalDb) {
        *self.0.db.borrow_mut() = Some(db);
        self.0.active.set(true);
        self.0.failures.set(0);
    }

    /// No more runs until [`Self::start`] (signed out, or the sign-in expired).
    pub(super) fn stop(&self) {
        self.0.active.set(false);
        self.0.timer.borrow_mut().take();
    }

    /// A run soon: now, or right after the one under way.
    pub(super) fn request(&self) {
        if !self.0.active.get() {
            return;
        }
        if self.0.running.get() {
            self.0.again.set(true);
            return;
        }
        self.0.running.set(true);
        let me = self.clone();
        spawn_local(async move {
            loop {
                me.0.again.set(false);
                let _ = me.run(None).await;
                if !(me.0.again.get() && me.0.active.get()) {
                    break;
                }
            }
            me.0.running.set(false);
        });
    }

    /// One run, reported to the state (unless `progress` is given: sign-in reports its
    /// own), with the next one scheduled after it.
    pub(super) async fn run(
        &self,
        progress: Option<&dyn Fn(Progress)>,
    ) -> Result<SyncReport, SyncError> {
        let Some(db) = self.0.db.borrow().clone() else {
            return Err(SyncError::NotSignedIn);
        };
        let mine = self.0.epoch.current();
        let reporting = progress.is_none();
        if reporting {
            self.0.dispatch.dispatch(Action::SyncStarted);
        }
        let quiet = |_: Progress| {};
        let result = sync::sync(&db, progress.unwrap_or(&quiet)).await;
        if self.0.epoch.current() != mine {
            return Err(SyncError::SessionChanged);
        }
        if matches!(&result, Err(e) if e.is_device_revoked()) {
            self.device_revoked();
            return result;
        }

        let outcome = outcome(&result);
        match &outcome {
            SyncOutcome::Succeeded => self.0.failures.set(0),
            SyncOutcome::WillRetry(_) | SyncOutcome::Failed(_) => {
                self.0.failures.set(self.0.failures.get().saturating_add(1));
            }
            SyncOutcome::SessionExpired => self.stop(),
            SyncOutcome::Abandoned => {}
        }
        if reporting {
            // What the tablet holds now, whatever happened: a failed push still
            // counted its attempt, and a pull may have stored pages before failing.
            let changed = match &result {
                Ok(report) => report.pushed > 0 || report.pulled != Pulled::Nothing,
                Err(_) => true,
            };
            let local = if changed {
                db.load_home().await.ok()
            } else {
                None
            };
            let outbox = db.outbox().await.ok();
            let session = db.session().await.ok().flatten();
            if self.0.epoch.current() != mine {
                return result;
            }
            if let Some(session) = session {
                self.0.dispatch.dispatch(Action::SessionRefreshed(session));
            }
            self.0.dispatch.dispatch(Action::SyncEnded {
                local,
                outbox,
                outcome: outcome.clone(),
                at: bedside_client::platform::now(),
            });
        }
        if outcome == SyncOutcome::Succeeded {
            self.after_success();
        }
        self.schedule();
        result
    }

    /// Reads the outbox and the copy again after the service worker synced.
    pub(super) fn reload(&self) {
        let Some(db) = self.0.db.borrow().clone() else {
            return;
        };
        if !self.0.active.get() {
            return;
        }
        let mine = self.0.epoch.current();
        let dispatch = self.0.dispatch.clone();
        let epoch = self.0.epoch.clone();
        spawn_local(async move {
            let local = db.load_home().await.ok();
            let outbox = db.outbox().await.ok();
            let session = db.session().await.ok().flatten();
            if epoch.current() == mine {
                if let Some(session) = session {
                    dispatch.dispatch(Action::SessionRefreshed(session));
                }
                dispatch.dispatch(Action::SyncEnded {
                    local,
                    outbox,
                    outcome: SyncOutcome::Succeeded,
                    at: bedside_client::platform::now(),
                });
            }
        });
    }

    /// The server said this tablet has been removed from the home's devices, and the run
    /// (here or in the worker) wiped it: no more runs; the sign-in screen says why. The
    /// tablet is no longer enrolled: everything, its keys too, is gone.
    pub(super) fn device_revoked(&self) {
        self.0.epoch.bump();
        self.stop();
        let db = self.0.db.borrow().clone();
        let dispatch = self.0.dispatch.clone();
        super::handle::tell_worker(super::handle::WorkerMessage::Forget);
        spawn_local(async move {
            // Wiped already by the run; again here (it is idempotent) in case that failed.
            let wiped = match db {
                Some(db) => {
                    db.lock();
                    db.wipe_all().await.is_ok()
                }
                None => true,
            };
            let mut words = super::DEVICE_REMOVED.to_owned();
            if !wiped {
                words.push_str(" The records could not all be removed: tell the manager.");
            }
            dispatch.dispatch(Action::Closed {
                closed: super::Closed::default(),
                problem: Some(words),
            });
        });
    }

    fn schedule(&self) {
        if !self.0.active.get() {
            return;
        }
        let failures = self.0.failures.get();
        let seconds = match failures {
            0 => EVERY_S,
            n => BACKOFF_S[(n as usize - 1).min(BACKOFF_S.len() - 1)],
        };
        let me: Weak<Inner> = Rc::downgrade(&self.0);
        let timer = Timeout::new(seconds * 1000, move || {
            // Offline, the `online` event asks for a run when the network is back.
            if let Some(inner) = me.upgrade()
                && super::handle::navigator_online()
            {
                Syncer(inner).request();
            }
        });
        *self.0.timer.borrow_mut() = Some(timer);
    }

    fn after_success(&self) {
        if !self.0.persisted.replace(true) {
            request_persistent_storage();
        }
        let dispatch = self.0.dispatch.clone();
        spawn_local(async move {
            if let Some(full) = storage_nearly_full().await {
                dispatch.dispatch(Action::StorageNearlyFull(full));
            }
        });
    }
}

/// What the state records of a run's result.
fn outcome(result: &Result<SyncReport, SyncError>) -> SyncOutcome {
    match result {
        Ok(_) => SyncOutcome::Succeeded,
        Err(SyncError::SessionChanged) => SyncOutcome::Abandoned,
        Err(e) if e.is_unauthenticated() => SyncOutcome::SessionExpired,
        Err(e) if e.is_transient() => SyncOutcome::WillRetry(e.to_string()),
        Err(e) => SyncOutcome::Failed(e.to_string()),
    }
}

fn navigator() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()
}

/// Asks the browser not to evict the tablet's records under storage pressure. The answer
/// changes nothing the app does, so failures are ignored.
fn request_persistent_storage() {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().storage().persist();
    }
}

/// Whether the browser says storage is over 90% used; `None` when it will not say.
async fn storage_nearly_full() -> Option<bool> {
    let window = web_sys::window()?;
    let estimate = JsFuture::from(window.navigator().storage().estimate().ok()?)
        .await
        .ok()?;
    let number = |name: &str| {
        Reflect::get(&estimate, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_f64())
    };
    let (usage, quota) = (number("usage")?, number("quota")?);
    Some(nearly_full(usage, quota))
}

/// Over 90% of the quota used.
pub fn nearly_full(usage: f64, quota: f64) -> bool {
    quota > 0.0 && usage > 0.9 * quota
}

/// Asks the service worker to sync in the background (Background Sync) as soon as the
/// browser sees a network, even if the app is closed by then. Where the browser has no
/// Background Sync, or no worker is registered, nothing happens: the app's own timer
/// and triggers still run.
pub(super) fn register_background_sync() {
    let Some(container) = navigator()
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("serviceWorker")).ok())
        .filter(|c| !c.is_undefined())
    else {
        return;
    };
    spawn_local(async move {
        let _ = register(&container).await;
    });
}

async fn register(container: &JsValue) -> Option<()> {
    // `ready` settles only once a worker is active, so a page with none never waits
    // on it here: this future is simply left pending.
    let ready: Promise = Reflect::get(container, &JsValue::from_str("ready"))
        .ok()?
        .dyn_into()
        .ok()?;
    let registration = JsFuture::from(ready).await.ok()?;
    let manager = Reflect::get(&registration, &JsValue::from_str("sync")).ok()?;
    if manager.is_undefined() || manager.is_null() {
        return None;
    }
    let register: Function = Reflect::get(&manager, &JsValue::from_str("register"))
        .ok()?
        .dyn_into()
        .ok()?;
    let pending: Promise = register
        .call1(&manager, &JsValue::from_str(BACKGROUND_SYNC_TAG))
        .ok()?
        .dyn_into()
        .ok()?;
    JsFuture::from(pending).await.ok()?;
    Some(())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn storage_is_nearly_full_past_ninety_percent() {
        assert!(!nearly_full(0.0, 0.0));
        assert!(!nearly_full(90.0, 100.0));
        assert!(nearly_full(90.5, 100.0));
        assert!(!nearly_full(5e8, 6e10));
    }
}
