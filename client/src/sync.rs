//! The sync engine: one run pushes what this tablet wrote, then pulls what changed.
//!
//! Push: only the signed-in member of staff's lane (their outbox items, their sync device
//! id, their token): `next_push` picks its pending mutations in device order; the answer (or its
//! absence) goes through `after_push`, and the new outbox states are stored in one
//! transaction; a sequence gap (409) renumbers and pushes again; nothing is ever dropped
//! for want of an answer. Pull: `GET status`, then `plan_pull` says whether the tablet is
//! up to date, needs changes since its cursor, or needs a snapshot (first sync, another
//! epoch, or fallen behind the log's floor; also whenever the server answers 410). A
//! snapshot is paged in and resumable (a restart carries on from the last stored page);
//! after its last page the tablet pulls changes since the snapshot's pinned cursor. Each
//! page is stored with its cursor in one transaction. If the push got anything applied,
//! the run pulls again so the server's versions replace the provisional entries at once.
//!
//! Then the signed-in member of staff's queued views of records are uploaded
//! (`POST /api/v1/audit/events`, 500 at a time), and deleted once answered.
//!
//! Every decision is `bedside_domain::sync::plan`'s; this module does the IO around them.
//! A run needs the data key in memory ([`SyncError::Locked`] otherwise).
//! Runs hold [`lock::SYNC_LOCK`], so the app and its service worker never sync at once.
//!
//! Every call goes through the session's [`Auth`]: a token about to expire is refreshed
//! first, and a call refused with 401 is made once more after a refresh; the run's writes
//! are checked against the sign-in's key, which a refresh keeps, so a refresh in the
//! middle of a run (by it, another tab, or the worker) does not stop it. A tablet the
//! server says is revoked (403 `device_revoked`) is wiped, enrolment and all, before the run returns.

use bedside_domain::sync::plan::{AfterPush, Pull, PushReply, next_push, plan_pull};
use bedside_domain::sync::wire::{Cursor, PushRequest, SyncStatus};
use chrono::{DateTime, Utc};

use crate::db::{DbError, LocalDb, SnapshotProgress, SnapshotStep};
use crate::http::{self, ApiFailure, Changes, Pushed};
use crate::lock::{self, SYNC_LOCK};
use crate::platform;
use crate::session::Auth;
use crate::vault::AUDIT_BATCH;
use bedside_domain::audit::AuditUpload;

/// The Background Sync tag: the app registers it after each local write, and the service
/// worker's `sync` handler answers it with a run.
pub const BACKGROUND_SYNC_TAG: &str = "bedside-sync";

/// What the service worker posts to the app's pages after a run: they read the tablet's
/// copy again.
pub const SYNCED_MESSAGE: &str = "bedside-synced";

/// What the service worker posts to the app's pages when the server said the tablet is
/// revoked and the run wiped it: they show the sign-in screen and say why.
pub const DEVICE_REVOKED_MESSAGE: &str = "bedside-device-revoked";

/// The most mutations sent in one push.
pub const PUSH_BATCH: usize = 100;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Mutations sent (and answered) in this run.
    pub pushed: usize,
    /// Views of records uploaded in this run.
    pub views: usize,
    pub pulled: Pulled,
    /// The time the copy is now up to date as of.
    pub as_of: Option<DateTime<Utc>>,
}

/// What the pull brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pulled {
    /// Nothing was pulled (the run stopped before, or nothing was new).
    #[default]
    Nothing,
    /// Pages of changes, and how many writes they made.
    Changes { pages: u32, writes: usize },
    /// A snapshot (pages stored in this run), then changes.
    Snapshot { pages: u32, writes: usize },
}

/// How far a run has got, for the words shown while signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Pushing {
        waiting: usize,
    },
    Checking,
    /// A snapshot page was stored; `stored` counts every page of this snapshot so far.
    SnapshotPage {
        stored: u32,
    },
    ChangesPage {
        stored: u32,
    },
}

/// Why a run stopped. Messages are for staff and carry no record contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// Nobody is signed in on this tablet.
    #[error("nobody is signed in")]
    NotSignedIn,
    /// Someone signed out or in while the run was under way; it stopped writing.
    #[error("the sign-in changed while updating")]
    SessionChanged,
    /// The tablet is locked (the data key is not in memory here): nothing can be read or
    /// written until someone unlocks it.
    #[error("the tablet is locked")]
    Locked,
    #[error("{0}")]
    Api(ApiFailure),
    #[error("{0}")]
    Storage(DbError),
}

impl SyncError {
    /// Worth trying again by itself, after a pause (no network, the server failing).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api(a) => a.is_transient(),
            Self::NotSignedIn | Self::SessionChanged | Self::Locked | Self::Storage(_) => false,
        }
    }

    /// The server refused the token, and a refresh did not help: only signing in again
    /// does.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::Api(ApiFailure::Unauthenticated(_)))
    }

    /// The server said this tablet was removed from the home's devices (403
    /// `device_revoked`); [`sync`] has wiped it.
    pub fn is_device_revoked(&self) -> bool {
        matches!(self, Self::Api(a) if a.is_device_revoked())
    }
}

impl From<DbError> for SyncError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::SessionChanged => Self::SessionChanged,
            DbError::Locked => Self::Locked,
            other => Self::Storage(other),
        }
    }
}

impl From<ApiFailure> for SyncError {
    fn from(e: ApiFailure) -> Self {
        Self::Api(e)
    }
}

type SyncResult<T> = Result<T, SyncError>;

/// One sync run, under the sync lock, with the stored session. `progress` hears how far
/// it has got. When the server says the tablet is revoked, the run wipes the local store
/// (as a sign-out does) before it returns that error.
pub async fn sync(db: &LocalDb, progress: &dyn Fn(Progress)) -> SyncResult<SyncReport> {
    lock::exclusive(SYNC_LOCK, async {
        let result = run(db, progress).await;
        if let Err(e) = &result
            && e.is_device_revoked()
        {
            // Everything goes, the enrolment too. Reported as revoked even if the wipe
            // fails: the app wipes again as it shows the sign-in screen, and says so if
            // it cannot.
            let _ = db.wipe_all().await;
        }
        result
    })
    .await
}

async fn run(db: &LocalDb, progress: &dyn Fn(Progress)) -> SyncResult<SyncReport> {
    let auth = Auth::load(db).await?;
    let mut report = SyncReport::default();

    // What staff wrote goes first: it is what must never be lost. A push that fails for
    // a reason other than no network or the sign-in (the server failing at pushes only,
    // say) does not stop the pull; the run still reports it.
    let pushed = push(db, &auth, progress).await;
    let push_error = match pushed {
        Ok(n) => {
            report.pushed = n;
            None
        }
        Err(
            e @ (SyncError::Api(ApiFailure::Offline | ApiFailure::Unauthenticated(_))
            | SyncError::SessionChanged
            | SyncError::NotSignedIn),
        ) => return Err(e),
        Err(e) if e.is_device_revoked() => return Err(e),
        Err(e) => Some(e),
    };

    // Then the views of records made on this tablet (offline, mostly): a failure here
    // leaves them queued for the next run and does not stop the pull.
    let audit_error = match upload_views(db, &auth).await {
        Ok(n) => {
            report.views = n;
            None
        }
        Err(e @ SyncError::Api(ApiFailure::Offline | ApiFailure::Unauthenticated(_))) => {
            return Err(e);
        }
        Err(e) if e.is_device_revoked() => return Err(e),
        Err(e) => Some(e),
    };

    let (pulled, as_of) = pull(db, &auth, progress).await?;
    report.pulled = pulled;
    report.as_of = Some(as_of);
    match push_error.or(audit_error) {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// Uploads the signed-in member of staff's queued views, a batch at a time, deleting
/// each batch once the server has answered for it (every event of a batch is stored,
/// already held, or refused for good). An answer lost on the way leaves the batch queued:
/// sent again, the server holds it already and stores nothing twice. Other staff's views
/// wait for their own sign-in. Returns how many were answered.
async fn upload_views(db: &LocalDb, auth: &Auth<'_>) -> SyncResult<usize> {
    let staff = auth.session().staff.id;
    let mut answered = 0;
    // A bound, in case a server answers without the queue ever getting shorter.
    for _ in 0..1_000 {
        let views = db.audit_queue(staff, AUDIT_BATCH).await?;
        if views.is_empty() {
            break;
        }
        let ids: Vec<_> = views.iter().map(|v| v.id).collect();
        let upload = AuditUpload {
            device: None,
            events: views,
        };
        auth.call(|token| {
            let upload = &upload;
            async move { http::upload_audit(&token, upload).await }
        })
        .await?;
        db.forget_views(&ids).await?;
        answered += ids.len();
    }
    Ok(answered)
}

/// Pushes every pending mutation, a batch at a time. Returns how many were answered.
async fn push(db: &LocalDb, auth: &Auth<'_>, progress: &dyn Fn(Progress)) -> SyncResult<usize> {
    let session = auth.key();
    // Only the signed-in member of staff's lane: other staff's items are sent with their
    // own sign-in, so the server credits each to its author.
    let staff = auth.session().staff.id;
    let first = db.outbox_of(staff).await?;
    let pending = first.iter().filter(|i| i.is_pending()).count();
    if pending == 0 {
        return Ok(0);
    }
    progress(Progress::Pushing { waiting: pending });
    let device_id = db
        .ensure_device_id(&session, platform::new_device_id)
        .await?;
    // Enough rounds for every batch, a renumbering after a gap, and writes made while
    // pushing; a server that keeps answering without answering is not chased forever.
    let rounds = pending / PUSH_BATCH + 4;
    let mut answered = 0;
    for _ in 0..rounds {
        let outbox = db.outbox_of(staff).await?;
        let batch = next_push(&outbox, PUSH_BATCH);
        if batch.is_empty() {
            break;
        }
        let request = PushRequest {
            device_id,
            mutations: batch.clone(),
        };
        let answer = auth
            .call(|token| {
                let request = &request;
                async move { http::push(&token, request).await }
            })
            .await;
        let (reply, failure) = match answer {
            Ok(Pushed::Answered(response)) => (PushReply::Answered(response), None),
            Ok(Pushed::Gap { expected }) => (PushReply::Gap { expected }, None),
            // No answer, or not one the tablet can use: the batch waits for the next
            // run, its attempt counted.
            Err(e) => (PushReply::Failed, Some(e)),
        };
        let was_answered = matches!(reply, PushReply::Answered(_));
        let next = db
            .store_push_result(&session, &batch, reply, platform::now())
            .await?;
        if let Some(e) = failure {
            return Err(e);
        }
        if was_answered {
            answered += batch.len();
        }
        match next {
            AfterPush::Again => continue,
            AfterPush::Done | AfterPush::Later => break,
        }
    }
    Ok(answered)
}

/// Brings the copy up to date: a snapshot when needed (or one under way), then changes.
/// Returns what it pulled and the time the copy is up to date as of.
async fn pull(
    db: &LocalDb,
    auth: &Auth<'_>,
    progress: &dyn Fn(Progress),
) -> SyncResult<(Pulled, DateTime<Utc>)> {
    let session = auth.key();
    let home = auth.session().staff.home.id;
    progress(Progress::Checking);
    let status = auth
        .call(|token| async move { http::sync_status(&token).await })
        .await?;

    // A snapshot under way carries on, unless it was for another home.
    let resume = match db.snapshot_progress().await? {
        Some(p) if p.home == home && p.next.is_some() => Some(p),
        Some(_) => {
            db.abandon_snapshot(&session).await?;
            None
        }
        None => None,
    };
    // A cursor in another home's log means nothing here.
    let cursor = if db.home().await?.map(|h| h.id) == Some(home) {
        db.cursor().await?
    } else {
        None
    };

    // Where changes are pulled from, or `None` for a snapshot first. (One call site
    // each for the snapshot and the changes keeps the wasm small: their futures are
    // large.)
    let mut resume = resume;
    let mut since = match (&resume, plan_pull(cursor.as_ref(), &status)) {
        (Some(_), _) | (None, Pull::Snapshot) => None,
        (None, Pull::Changes { since }) => Some(since),
        (None, Pull::UpToDate) => {
            db.set_as_of(&session, status.server_time).await?;
            return Ok((Pulled::Nothing, status.server_time));
        }
    };
    let mut snapshot_pages: Option<u32> = None;
    let (pages, writes) = loop {
        let from = match since.take() {
            Some(since) => since,
            None => {
                let (pinned, pages) = snapshot(db, auth, resume.take(), progress).await?;
                snapshot_pages = Some(snapshot_pages.unwrap_or(0) + pages);
                pinned
            }
        };
        match changes(db, auth, from, &status, progress).await? {
            Some(done) => break done,
            // 410: the log no longer reaches the cursor: start again from a snapshot.
            // A 410 straight after a snapshot is the server's fault, not ours.
            None if snapshot_pages.is_some() => {
                return Err(SyncError::Api(ApiFailure::BadResponse));
            }
            None => {}
        }
    };
    let pulled = match snapshot_pages {
        Some(pages) => Pulled::Snapshot { pages, writes },
        None => Pulled::Changes { pages, writes },
    };
    Ok((pulled, status.server_time))
}

/// Pages of changes from `since` to the end of the log, each stored with its cursor;
/// the last with the time of `status`. `None` when the server answers 410.
async fn changes(
    db: &LocalDb,
    auth: &Auth<'_>,
    mut since: Cursor,
    status: &SyncStatus,
    progress: &dyn Fn(Progress),
) -> SyncResult<Option<(u32, usize)>> {
    let session = auth.key();
    let mut pages = 0u32;
    let mut writes = 0usize;
    loop {
        let from = &since;
        let page = auth
            .call(|token| async move { http::changes(&token, from).await })
            .await?;
        let page = match page {
            Changes::Expired => return Ok(None),
            Changes::Page(page) => page,
        };
        if page.more && page.cursor == since {
            // "More" without moving on would loop for ever.
            return Err(SyncError::Api(ApiFailure::BadResponse));
        }
        let last = !page.more;
        writes += db
            .apply_changes_page(&session, &page, last.then_some(status.server_time))
            .await?;
        pages += 1;
        progress(Progress::ChangesPage { stored: pages });
        if last {
            return Ok(Some((pages, writes)));
        }
        since = page.cursor;
    }
}

/// Pages a snapshot in, from the start or from `resume`. Returns its pinned cursor and
/// how many pages this call stored.
async fn snapshot(
    db: &LocalDb,
    auth: &Auth<'_>,
    resume: Option<SnapshotProgress>,
    progress: &dyn Fn(Progress),
) -> SyncResult<(Cursor, u32)> {
    let session = auth.key();
    let mut state = resume;
    let mut restarted = false;
    let mut pages = 0u32;
    // The page already asked for while the previous one was stored, with the token it
    // was asked with.
    let mut asked: Option<(String, Option<String>, http::SnapshotRequest)> = None;
    loop {
        let (token, page_token, request) = match asked.take() {
            Some(asked) => asked,
            None => {
                let page_token = state.as_ref().and_then(|p| p.next.clone());
                let token = auth.token().await?;
                let request = http::snapshot_start(&token, page_token.as_deref());
                (token, page_token, request)
            }
        };
        // A token refused on the way (it expired while the last page was stored) is
        // refreshed and the page asked for again, once.
        let fetched = match request.finish().await {
            Err(e @ ApiFailure::Unauthenticated(_)) => {
                let page = page_token.as_deref();
                auth.retry(
                    Err(e),
                    &token,
                    |t| async move { http::snapshot(&t, page).await },
                )
                .await
            }
            other => other.map_err(SyncError::Api),
        };
        let forgotten = match &fetched {
            // The server no longer knows the page token (it restarted, or the snapshot
            // expired), or has pinned another one: start again, once.
            Err(SyncError::Api(ApiFailure::Server { status, .. })) => {
                matches!(status, 400 | 404 | 410)
            }
            Ok(snap) => state.as_ref().is_some_and(|p| p.pinned != snap.page.pinned),
            Err(_) => false,
        };
        if forgotten && state.is_some() && !restarted {
            db.abandon_snapshot(&session).await?;
            state = None;
            restarted = true;
            continue;
        }
        let snap = fetched?;
        if forgotten {
            return Err(SyncError::Api(ApiFailure::BadResponse));
        }
        // The next page comes over the network while this one is stored.
        asked = match snap.page.next.clone() {
            Some(next) => {
                let token = auth.token().await?;
                let request = http::snapshot_start(&token, Some(&next));
                Some((token, Some(next), request))
            }
            None => None,
        };
        let step = db
            .store_snapshot_page(&session, state.as_ref(), &snap.page, Some(&snap.parsed))
            .await?;
        pages += 1;
        match step {
            SnapshotStep::Continue(p) => {
                progress(Progress::SnapshotPage { stored: p.pages });
                state = Some(p);
            }
            SnapshotStep::Done(cursor) => {
                progress(Progress::SnapshotPage {
                    stored: state.as_ref().map_or(1, |p| p.pages + 1),
                });
                return Ok((cursor, pages));
            }
        }
    }
}
