//! The worker itself: the class `sw.js` constructs once the wasm is loaded, and the Cache
//! Storage and fetch calls behind install, activate and each strategy.
//!
//! The decisions (what to precache, which caches are stale, which strategy answers a
//! request) are made by the pure functions in `precache` and `route`; this module only
//! carries them out.

use std::cell::RefCell;
use std::rc::Rc;

use bedside_domain::StaffId;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{
    Cache, CacheQueryOptions, Request, RequestCache, RequestInit, RequestMode, Response,
    ResponseInit, ServiceWorkerGlobalScope, Url,
};

use bedside_client::LocalDb;
use bedside_client::vault::{FORGET_MESSAGE, KEY_MESSAGE, LOCK_MESSAGE};

use crate::precache::{self, INDEX_PATH, Precache};
use crate::route::{self, RequestFacts, Strategy};

/// How long a page load waits for the network before it is answered from the shell cache.
/// Tablets sit where Wi-Fi is poor; a carer should not wait long for a page whose shell is
/// already on the tablet. The cached shell is this same build's, so nothing is lost: the
/// app fetches its data itself once it runs.
pub const NAVIGATION_TIMEOUT_MS: i32 = 4_000;

/// One build's service worker. `sw.js` makes one per worker start, from its `BUILD` line,
/// and forwards the install, activate, fetch, sync and message events to it.
#[wasm_bindgen]
pub struct ShellWorker {
    cache_name: String,
    precache: Precache,
    origin: String,
    /// The tablet's data key and whose session to sync with, as the app last sent them
    /// ([`KEY_MESSAGE`]); in memory only, so it is gone whenever the browser stops the
    /// worker, and forgotten when the app locks or signs out.
    key: Rc<RefCell<Option<(JsValue, StaffId)>>>,
}

#[wasm_bindgen]
impl ShellWorker {
    /// Fails (throws in JavaScript) when the build's precache list is unusable; `sw.js`
    /// then leaves every request to the network.
    #[wasm_bindgen(constructor)]
    pub fn new(build_id: String, precache: Vec<String>) -> Result<ShellWorker, JsError> {
        if build_id.is_empty() {
            return Err(JsError::new("the build id is empty"));
        }
        let precache = Precache::new(precache).map_err(|e| JsError::new(&e.to_string()))?;
        let origin = scope()
            .map_err(|_| JsError::new("not running in a service worker"))?
            .origin();
        Ok(Self {
            cache_name: precache::cache_name(&build_id),
            precache,
            origin,
            key: Rc::default(),
        })
    }

    /// A message from a page of the app (`event.data`): [`KEY_MESSAGE`] hands over the
    /// unlocked data key and the member of staff it is for; [`LOCK_MESSAGE`] and
    /// [`FORGET_MESSAGE`] take it away. Anything else is ignored. Returns whether the
    /// worker now holds a key.
    pub fn message(&self, data: JsValue) -> bool {
        let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).ok();
        let kind = field("type").and_then(|t| t.as_string());
        match kind.as_deref() {
            Some(KEY_MESSAGE) => {
                let staff = field("staff")
                    .and_then(|s| s.as_string())
                    .and_then(|s| StaffId::parse(&s).ok());
                let key = field("key").filter(|k| k.is_instance_of::<web_sys::CryptoKey>());
                // A message that is not a usable key leaves the worker without one: it
                // never syncs with a key it cannot check.
                *self.key.borrow_mut() = key.zip(staff);
            }
            Some(LOCK_MESSAGE | FORGET_MESSAGE) => *self.key.borrow_mut() = None,
            _ => {}
        }
        self.key.borrow().is_some()
    }

    /// The `install` step: fetch every file of the build into its own cache, then take
    /// over from the previous worker without waiting for its pages to close.
    pub fn install(&self) -> Promise {
        let cache_name = self.cache_name.clone();
        let paths: Vec<String> = self.precache.paths().map(str::to_owned).collect();
        future_to_promise(async move {
            let scope = scope()?;
            precache_files(&scope, &cache_name, &paths).await?;
            JsFuture::from(scope.skip_waiting()?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The `activate` step: delete older builds' caches and control the open pages now,
    /// so the first visit is already served offline next time.
    pub fn activate(&self) -> Promise {
        let cache_name = self.cache_name.clone();
        future_to_promise(async move {
            let scope = scope()?;
            delete_stale_caches(&scope, &cache_name).await?;
            JsFuture::from(scope.clients().claim()).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The `sync` step (Background Sync, tag [`SYNC_TAG`]): the same sync run as the
    /// app's, under the same lock, with the session the app stored in IndexedDB. Open
    /// pages are told when it is done, so they show what it stored. Rejects when the
    /// network failed, so the browser tries again later; resolves when there is nothing
    /// a retry would change (nobody signed in, the sign-in expired, a refusal). The run
    /// refreshes the session's tokens under the same lock as the app's, and wipes a
    /// revoked tablet.
    ///
    /// Without the data key (the app has not sent it since this worker started, or the
    /// tablet is locked) the run is skipped quietly: the app syncs by itself once someone
    /// unlocks it.
    pub fn sync(&self) -> Promise {
        let held = self.key.borrow().clone();
        let key = self.key.clone();
        future_to_promise(async move {
            let scope = scope()?;
            let Some((data_key, staff)) = held else {
                return Ok(JsValue::UNDEFINED);
            };
            let db = LocalDb::open()
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            if db.set_data_key(data_key, staff).is_err() {
                *key.borrow_mut() = None;
                db.close();
                return Ok(JsValue::UNDEFINED);
            }
            let result = bedside_client::sync::sync(&db, &|_| {}).await;
            db.lock();
            db.close();
            if matches!(&result, Err(e) if e.is_device_revoked()) {
                // The run wiped the tablet: the key opens nothing any more.
                *key.borrow_mut() = None;
            }
            // Even a failed run may have stored something (an attempt counted, pages
            // pulled before the network went).
            match &result {
                Err(
                    bedside_client::SyncError::NotSignedIn
                    | bedside_client::SyncError::SessionChanged
                    | bedside_client::SyncError::Locked,
                ) => {}
                // The run wiped the tablet: pages show the sign-in screen and say why.
                Err(e) if e.is_device_revoked() => {
                    tell_pages(&scope, DEVICE_REVOKED_MESSAGE).await;
                }
                _ => tell_pages(&scope, SYNCED_MESSAGE).await,
            }
            match result {
                Err(e) if e.is_transient() => Err(JsError::new(&e.to_string()).into()),
                _ => Ok(JsValue::UNDEFINED),
            }
        })
    }

    /// The `fetch` step: the response to give `respondWith`, or nothing when the browser
    /// should fetch the request as if there were no worker.
    pub fn handle(&self, request: Request) -> Option<Promise> {
        let strategy = self.strategy(&request)?;
        let cache_name = self.cache_name.clone();
        match strategy {
            Strategy::Network => None,
            Strategy::NetworkFirstShell => Some(future_to_promise(async move {
                network_first_shell(&request, &cache_name, NAVIGATION_TIMEOUT_MS)
                    .await
                    .map(JsValue::from)
            })),
            Strategy::CacheFirst => Some(future_to_promise(async move {
                cache_first(&request, &cache_name).await.map(JsValue::from)
            })),
        }
    }
}

impl ShellWorker {
    /// `None` only when the browser hands us a URL it cannot parse again, which it never
    /// should; such a request is left to the browser.
    fn strategy(&self, request: &Request) -> Option<Strategy> {
        let url = Url::new(&request.url()).ok()?;
        let method = request.method();
        let path = url.pathname();
        let facts = RequestFacts {
            method: &method,
            same_origin: url.origin() == self.origin,
            path: &path,
            navigation: request.mode() == RequestMode::Navigate,
        };
        Some(route::route(&facts, &self.precache))
    }
}

pub use bedside_client::sync::{
    BACKGROUND_SYNC_TAG as SYNC_TAG, DEVICE_REVOKED_MESSAGE, SYNCED_MESSAGE,
};

/// Posts `message` ([`SYNCED_MESSAGE`] or [`DEVICE_REVOKED_MESSAGE`]) to every open page
/// of the app. Best effort: a page that misses it catches up at its own next sync.
async fn tell_pages(scope: &ServiceWorkerGlobalScope, message: &str) {
    let Ok(clients) = JsFuture::from(scope.clients().match_all()).await else {
        return;
    };
    let Ok(clients) = clients.dyn_into::<Array>() else {
        return;
    };
    for client in clients.iter() {
        if let Ok(client) = client.dyn_into::<web_sys::Client>() {
            let _ = client.post_message(&JsValue::from_str(message));
        }
    }
}

fn scope() -> Result<ServiceWorkerGlobalScope, JsValue> {
    js_sys::global()
        .dyn_into::<ServiceWorkerGlobalScope>()
        .map_err(|_| JsError::new("not running in a service worker").into())
}

async fn open_cache(scope: &ServiceWorkerGlobalScope, name: &str) -> Result<Cache, JsValue> {
    let caches = scope.caches()?;
    JsFuture::from(caches.open(name)).await?.dyn_into::<Cache>()
}

/// Puts every path in the named cache, all or nothing (`addAll` stores none when one
/// fails, and the install fails with it). The requests bypass the HTTP cache: file names
/// are the same in every build, so an HTTP-cached copy may belong to an older one.
pub async fn precache_files(
    scope: &ServiceWorkerGlobalScope,
    cache_name: &str,
    paths: &[String],
) -> Result<(), JsValue> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::Reload);
    let requests = Array::new();
    for path in paths {
        requests.push(&Request::new_with_str_and_init(path, &init)?.into());
    }
    let cache = open_cache(scope, cache_name).await?;
    JsFuture::from(cache.add_all_with_request_sequence(&requests)).await?;
    Ok(())
}

/// Deletes every shell cache but `current`; returns how many it deleted.
pub async fn delete_stale_caches(
    scope: &ServiceWorkerGlobalScope,
    current: &str,
) -> Result<usize, JsValue> {
    let caches = scope.caches()?;
    let keys: Array = JsFuture::from(caches.keys()).await?.dyn_into()?;
    let keys: Vec<String> = keys.iter().filter_map(|key| key.as_string()).collect();
    let stale = precache::stale_caches(keys.iter().map(String::as_str), current);
    for name in &stale {
        JsFuture::from(caches.delete(name)).await?;
    }
    Ok(stale.len())
}

/// A page load: the network's answer when it comes within `timeout_ms`; otherwise, or
/// when the network fails, the cached `index.html`. With nothing cached, whatever the
/// network does in the end.
pub async fn network_first_shell(
    request: &Request,
    cache_name: &str,
    timeout_ms: i32,
) -> Result<Response, JsValue> {
    let scope = scope()?;
    let network = scope.fetch_with_request(request);
    let timer = Promise::new(&mut |resolve, _reject| {
        // If the timer cannot be set, the race is simply the network alone.
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout_ms);
    });
    let first = JsFuture::from(Promise::race(&Array::of2(&network, &timer))).await;
    if let Ok(answer) = &first
        && answer.is_instance_of::<Response>()
    {
        return Ok(answer.clone().unchecked_into());
    }
    // The network failed or is slow: the shell from the cache, if we have it.
    if let Some(shell) = cached_index(&scope, cache_name).await? {
        return without_redirect(shell);
    }
    match first {
        // Slow, and nothing cached: keep waiting for the network.
        Ok(_) => JsFuture::from(network).await?.dyn_into::<Response>(),
        Err(error) => Err(error),
    }
}

async fn cached_index(
    scope: &ServiceWorkerGlobalScope,
    cache_name: &str,
) -> Result<Option<Response>, JsValue> {
    let cache = open_cache(scope, cache_name).await?;
    // Cache keys include the query string; the shell is the same page whatever it is.
    let options = CacheQueryOptions::new();
    options.set_ignore_search(true);
    let found = JsFuture::from(cache.match_with_str_and_options(INDEX_PATH, &options)).await?;
    Ok(found.dyn_into::<Response>().ok())
}

/// A build file: from the shell cache, or the network when it is not there (it always
/// should be once installed). What the network returns is not stored: the cache holds
/// exactly one build, written at install.
pub async fn cache_first(request: &Request, cache_name: &str) -> Result<Response, JsValue> {
    let scope = scope()?;
    let cache = open_cache(&scope, cache_name).await?;
    let options = CacheQueryOptions::new();
    options.set_ignore_search(true);
    let found = JsFuture::from(cache.match_with_request_and_options(request, &options)).await?;
    if let Ok(response) = found.dyn_into::<Response>() {
        return Ok(response);
    }
    JsFuture::from(scope.fetch_with_request(request))
        .await?
        .dyn_into::<Response>()
}

/// Browsers refuse a redirected response as the answer to a navigation. If the server
/// redirected while we precached `index.html`, hand out a copy without the redirect flag.
fn without_redirect(response: Response) -> Result<Response, JsValue> {
    if !response.redirected() {
        return Ok(response);
    }
    let init = ResponseInit::new();
    init.set_status(response.status());
    init.set_status_text(&response.status_text());
    init.set_headers_headers(&response.headers());
    Response::new_with_opt_readable_stream_and_init(response.body().as_ref(), &init)
}
