//! One holder of a named lock at a time: in this context (a queue of promises per name)
//! and across every tab of the app and its service worker (the Web Locks API,
//! `navigator.locks`, where the browser has it).
//!
//! - [`SYNC_LOCK`]: one sync at a time. Two syncs at once would be safe for the server
//!   (mutation ids make pushes idempotent) but could renumber the outbox under each other
//!   after a sequence gap, and would fetch everything twice.
//! - [`AUTH_LOCK`]: one refresh of the session's tokens at a time. A refresh token works
//!   once; a second use ends the whole session, so two contexts must never trade the same
//!   one. A sync takes it while holding [`SYNC_LOCK`]; nothing takes them the other way
//!   round, so they cannot deadlock.

use std::cell::RefCell;
use std::future::Future;

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The name of the sync's lock, shared by the app and the service worker.
pub const SYNC_LOCK: &str = "bedside-sync";

/// The name of the lock a refresh of the session's tokens holds, shared by the app and
/// the service worker.
pub const AUTH_LOCK: &str = "bedside-auth";

thread_local! {
    /// Per lock name, a promise that settles when the last queued holder in this context
    /// is done. (Per name: a sync that refreshes takes one lock inside the other.) A
    /// list, not a map: there are two names, and a map would be one more copy of the
    /// hash table code in the wasm.
    static TAILS: RefCell<Vec<(String, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Resolves its promise when dropped, so a cancelled holder never blocks the queue.
struct Release(Option<Function>);

impl Drop for Release {
    fn drop(&mut self) {
        if let Some(resolve) = self.0.take() {
            // Resolving a promise cannot fail.
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Release) {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    (promise, Release(resolver))
}

/// Runs `work` once every earlier holder of `name`, in this context and in any other of
/// this origin, has finished.
pub async fn exclusive<F: Future>(name: &str, work: F) -> F::Output {
    let (previous, release) = queue(name);
    // The previous holder's promise only ever resolves.
    if let Some(previous) = previous {
        let _ = JsFuture::from(previous).await;
    }
    let out = across_contexts(name, work).await;
    drop(release);
    out
}

/// The non-generic part of [`exclusive`]: joins the queue of `name` in this context.
/// Returns the promise of the holder before (if any) and what ends this turn.
fn queue(name: &str) -> (Option<Promise>, Release) {
    let (mine, release) = deferred();
    let previous = TAILS.with(|tails| {
        let mut tails = tails.borrow_mut();
        match tails.iter_mut().find(|(n, _)| n == name) {
            Some((_, tail)) => Some(std::mem::replace(tail, mine)),
            None => {
                tails.push((name.to_owned(), mine));
                None
            }
        }
    });
    (previous, release)
}

/// `navigator.locks.request(name, callback)`, holding the lock until `work` is done. Runs
/// `work` unlocked where the browser has no Web Locks (or refuses them, as in an opaque
/// origin): the queue in this context still holds.
async fn across_contexts<F: Future>(name: &str, work: F) -> F::Output {
    let Some(held) = request(name) else {
        return work.await;
    };
    // `requested` settles only after we release, unless the request itself fails; then
    // it rejects first and we go on without the lock.
    let first = JsFuture::from(held.first).await;
    let out = work.await;
    drop(held.release);
    if first.is_ok() {
        // Wait for the browser to have released it, so the next holder starts cleanly.
        let _ = JsFuture::from(held.requested).await;
    }
    out
}

/// A Web Lock asked for: `first` settles when it is granted (or the request fails),
/// `requested` once it is released after `release` is dropped.
struct Requested {
    first: Promise,
    requested: Promise,
    release: Release,
}

/// The non-generic part of [`across_contexts`]: asks for the lock `name`; `None` where
/// the browser has no Web Locks or refuses the request.
fn request(name: &str) -> Option<Requested> {
    let (locks, request) = web_locks()?;
    let (held_until, release) = deferred();
    let (granted, grant) = deferred();
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        drop(grant);
        // The lock is held until this promise settles.
        held_until
    });
    let requested = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    Some(Requested {
        first: Promise::race(&Array::of2(&granted, &requested)),
        requested,
        release,
    })
}

fn web_locks() -> Option<(JsValue, Function)> {
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()?;
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}
