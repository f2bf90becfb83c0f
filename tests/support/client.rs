//! A tablet in Rust: an in-memory copy of one home (residents, entries, the outbox, the
//! cursor) kept in step with the server by the same decisions the real tablet makes
//! (`bedside_domain::sync::plan`), with reqwest doing the IO. The sync tests drive
//! several of these against one server; the sync benchmark uses one to measure a home's
//! first sync (requests and bytes on the wire are counted in [`Stats`]).
//!
//! A local write is stored the way the tablet stores it: an outbox item, and, when the
//! mutation will make an entry whose id is the mutation's id (a note, an observation set,
//! a correction's own entry, a new section), a provisional entry at version 0 that the
//! server's version (1 or more) replaces through the change feed. An edit of an existing
//! section and the settling of a proposal make no entry of their own until the server
//! answers (the same rule as the app's `bedside_client::provisional`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use bedside_domain::api::{LoginRequest, LoginResponse, Role};
use bedside_domain::news2::{self, Observations};
use bedside_domain::record::{
    CorrectionAction, Entry, EntryBody, EntryStatus, NoteCategory, Provenance, Resident,
};
use bedside_domain::sync::plan::{
    self, AfterPush, LocalOp, OutboxItem, OutboxState, Pull, PushReply,
};
use bedside_domain::sync::wire::{
    ChangesPage, Cursor, Mutation, MutationOp, Outcome, PushRequest, PushResponse, SectionKey,
    SequenceGap, SnapshotPage, SyncStatus,
};
use bedside_domain::{EntryId, PersonId};
use chrono::Utc;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Mutations per push: the server takes at most 500.
pub const PUSH_BATCH: usize = 100;
/// Push rounds in one [`Tablet::push`] before it gives up until later: enough for a full
/// outbox plus a renumbering, and a bound should the server keep answering "again".
const MAX_PUSH_ROUNDS: usize = 50;
/// Times a pull starts again from a snapshot (after a 410) before it gives up.
const MAX_SNAPSHOTS_PER_PULL: usize = 3;

/// Why a request did not give an answer the tablet can use.
#[derive(Debug)]
pub enum SyncError {
    /// The tablet is set offline: no request was made.
    Offline,
    /// No HTTP answer (refused, reset, timed out).
    Network(reqwest::Error),
    /// An answer the tablet did not expect at this point.
    Status { status: u16, body: String },
    /// An answer that is not what the contract says.
    Decode(String),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Offline => write!(f, "offline"),
            Self::Network(e) => write!(f, "network: {e}"),
            Self::Status { status, body } => write!(f, "HTTP {status}: {body}"),
            Self::Decode(e) => write!(f, "undecodable answer: {e}"),
        }
    }
}

impl std::error::Error for SyncError {}

impl SyncError {
    /// Worth trying again later: no answer, or the server was not able to answer.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Offline | Self::Network(_) => true,
            Self::Status { status, .. } => *status >= 500,
            Self::Decode(_) => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An HTTP answer as the tablet received it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The `Content-Encoding` the server chose, if any.
    pub encoding: Option<String>,
    /// The body after decoding.
    pub body: Vec<u8>,
    /// The body's size on the wire.
    pub wire_bytes: usize,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SyncError> {
        serde_json::from_slice(&self.body).map_err(|e| SyncError::Decode(e.to_string()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the tablet has sent and received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    /// Response bodies as sent (compressed when the server compressed them).
    pub wire_bytes: u64,
    /// Response bodies after decoding.
    pub body_bytes: u64,
    /// Request bodies (pushes).
    pub sent_bytes: u64,
    pub snapshots: u64,
    pub snapshot_pages: u64,
    pub change_pages: u64,
    pub pushes: u64,
}

/// How a pull went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulled {
    UpToDate,
    /// Pages of changes applied.
    Changes(usize),
    /// A snapshot was taken (first sync, another epoch, behind the floor, or a 410).
    Snapshot,
}

/// One tablet, signed in as one member of staff.
pub struct Tablet {
    /// The server, e.g. `http://127.0.0.1:1234` (tests change it when the server moves).
    pub base: String,
    http: reqwest::Client,
    pub token: String,
    pub device_id: Uuid,
    pub username: String,
    pub role: Role,
    pub home_name: String,
    /// When false, requests fail at once as if the network were down.
    pub online: bool,
    pub residents: BTreeMap<PersonId, Resident>,
    pub entries: HashMap<EntryId, Entry>,
    pub outbox: Vec<OutboxItem>,
    pub cursor: Option<Cursor>,
    /// The highest device sequence number the server has confirmed it used.
    pub last_confirmed: u64,
    /// Entries or changes per page asked for (`None`: the server's default).
    pub page_limit: Option<usize>,
    pub push_batch: usize,
    pub stats: Stats,
}

impl std::fmt::Debug for Tablet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Record contents stay out of test output; the shape is enough to debug sync.
        f.debug_struct("Tablet")
            .field("username", &self.username)
            .field("device_id", &self.device_id)
            .field("online", &self.online)
            .field("residents", &self.residents.len())
            .field("entries", &self.entries.len())
            .field("outbox", &self.outbox.len())
            .field("cursor", &self.cursor)
            .field("last_confirmed", &self.last_confirmed)
            .finish()
    }
}

impl Tablet {
    /// Signs in on a new tablet (a new device id, nothing held yet).
    pub async fn sign_in(base: &str, username: &str, password: &str) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            // Decoded here rather than by reqwest, so the bytes on the wire can be counted.
            .no_gzip()
            .no_brotli()
            .build()
            .map_err(SyncError::Network)?;
        let mut tablet = Self {
            base: base.to_owned(),
            http,
            token: String::new(),
            device_id: Uuid::now_v7(),
            username: username.to_owned(),
            role: Role::Carer,
            home_name: String::new(),
            online: true,
            residents: BTreeMap::new(),
            entries: HashMap::new(),
            outbox: Vec::new(),
            cursor: None,
            last_confirmed: 0,
            page_limit: None,
            push_batch: PUSH_BATCH,
            stats: Stats::default(),
        };
        let reply = tablet
            .request(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                Some(&LoginRequest {
                    username: username.into(),
                    password: password.into(),
                }),
            )
            .await?;
        let login: LoginResponse = expect_ok(&reply)?;
        tablet.token = login.token;
        tablet.role = login.staff.role;
        tablet.home_name = login.staff.home.name;
        Ok(tablet)
    }

    /// One request with the tablet's token, asking for gzip; counts it in [`Stats`].
    pub async fn request<B: Serialize>(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Reply, SyncError> {
        self.request_encoded(method, path, body, "gzip").await
    }

    /// As [`Tablet::request`], with the `Accept-Encoding` given.
    pub async fn request_encoded<B: Serialize>(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
        accept_encoding: &str,
    ) -> Result<Reply, SyncError> {
        if !self.online {
            return Err(SyncError::Offline);
        }
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header(ACCEPT_ENCODING, accept_encoding);
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            let json = serde_json::to_vec(body).map_err(|e| SyncError::Decode(e.to_string()))?;
            self.stats.sent_bytes += json.len() as u64;
            req = req.header("content-type", "application/json").body(json);
        }
        self.stats.requests += 1;
        let res = req.send().await.map_err(SyncError::Network)?;
        let status = res.status().as_u16();
        let encoding = res
            .headers()
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw = res.bytes().await.map_err(SyncError::Network)?;
        let body = decode(encoding.as_deref(), &raw)?;
        self.stats.wire_bytes += raw.len() as u64;
        self.stats.body_bytes += body.len() as u64;
        Ok(Reply {
            status,
            encoding,
            body,
            wire_bytes: raw.len(),
        })
    }

    async fn get<T: DeserializeOwned>(&mut self, path: &str) -> Result<T, SyncError> {
        let reply = self.request::<()>(reqwest::Method::GET, path, None).await?;
        expect_ok(&reply)
    }

    /// `path` with the tablet's page limit added to its query, if it has one.
    fn with_limit(&self, path: String) -> String {
        match self.page_limit {
            None => path,
            Some(l) if path.contains('?') => format!("{path}&limit={l}"),
            Some(l) => format!("{path}?limit={l}"),
        }
    }

    // ----- pulling -----

    pub async fn status(&mut self) -> Result<SyncStatus, SyncError> {
        self.get("/api/v1/sync/status").await
    }

    /// Brings the copy up to date: status, then nothing, changes, or a snapshot and the
    /// changes since it, as `plan_pull` decides.
    pub async fn pull(&mut self) -> Result<Pulled, SyncError> {
        let status = self.status().await?;
        match plan::plan_pull(self.cursor.as_ref(), &status) {
            Pull::UpToDate => Ok(Pulled::UpToDate),
            Pull::Snapshot => {
                self.snapshot_then_changes().await?;
                Ok(Pulled::Snapshot)
            }
            Pull::Changes { since } => match self.pull_changes(since).await {
                Err(e) if e.status() == Some(410) => {
                    self.snapshot_then_changes().await?;
                    Ok(Pulled::Snapshot)
                }
                other => other.map(Pulled::Changes),
            },
        }
    }

    /// Pages of changes from `since` until the server says there are no more; each page
    /// and its cursor are applied together. Returns the number of pages.
    pub async fn pull_changes(&mut self, since: Cursor) -> Result<usize, SyncError> {
        let mut cursor = since;
        let mut pages = 0;
        loop {
            let path = self.with_limit(format!("/api/v1/sync/changes?since={cursor}"));
            let page: ChangesPage = self.get(&path).await?;
            self.stats.change_pages += 1;
            pages += 1;
            self.apply_page(&page);
            cursor = page.cursor;
            if !page.more {
                return Ok(pages);
            }
        }
    }

    /// Applies one page of changes and moves the cursor, as one step.
    pub fn apply_page(&mut self, page: &ChangesPage) {
        let held = self.held_versions();
        for op in plan::apply_changes(&held, &page.changes) {
            self.apply_op(op);
        }
        self.cursor = Some(page.cursor.clone());
    }

    pub fn held_versions(&self) -> HashMap<EntryId, u32> {
        self.entries
            .iter()
            .map(|(id, e)| (*id, e.version))
            .collect()
    }

    fn apply_op(&mut self, op: LocalOp) {
        match op {
            LocalOp::PutResident(r) => {
                self.residents.insert(r.id, r);
            }
            LocalOp::RemoveResident(person) => {
                self.residents.remove(&person);
                self.entries.retain(|_, e| e.person_id != person);
            }
            LocalOp::PutEntry(e) => {
                self.entries.insert(e.id, e);
            }
        }
    }

    async fn snapshot_then_changes(&mut self) -> Result<(), SyncError> {
        let mut last = None;
        for _ in 0..MAX_SNAPSHOTS_PER_PULL {
            let pinned = match self.snapshot().await {
                Ok(p) => p,
                Err(e) if e.status() == Some(410) => {
                    last = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match self.pull_changes(pinned).await {
                Err(e) if e.status() == Some(410) => last = Some(e),
                other => return other.map(|_| ()),
            }
        }
        Err(last.unwrap_or(SyncError::Decode("no snapshot was taken".into())))
    }

    /// Pages in the home's records and replaces the copy with them, keeping the
    /// provisional entries of writes not yet confirmed. Returns the pinned cursor.
    pub async fn snapshot(&mut self) -> Result<Cursor, SyncError> {
        let first: SnapshotPage = self
            .get(&self.with_limit("/api/v1/sync/snapshot".into()))
            .await?;
        self.stats.snapshots += 1;
        self.stats.snapshot_pages += 1;
        let pinned = first.pinned.clone();
        let residents = first.residents;
        let mut entries = first.entries;
        let mut next = first.next;
        while let Some(token) = next {
            let page: SnapshotPage = self
                .get(&self.with_limit(format!("/api/v1/sync/snapshot?page={token}")))
                .await?;
            self.stats.snapshot_pages += 1;
            entries.extend(page.entries);
            next = page.next;
        }
        let pending: HashSet<Uuid> = self
            .outbox
            .iter()
            .filter(|i| i.is_pending())
            .map(|i| i.mutation.id)
            .collect();
        let residents: BTreeMap<PersonId, Resident> =
            residents.into_iter().map(|r| (r.id, r)).collect();
        let kept: Vec<Entry> = self
            .entries
            .values()
            .filter(|e| {
                e.version == 0 && pending.contains(&e.id.0) && residents.contains_key(&e.person_id)
            })
            .cloned()
            .collect();
        self.residents = residents;
        self.entries = entries.into_iter().map(|e| (e.id, e)).collect();
        for e in kept {
            self.entries.entry(e.id).or_insert(e);
        }
        self.cursor = Some(pinned.clone());
        Ok(pinned)
    }

    // ----- pushing -----

    /// Pushes until the outbox is empty, the server has to be asked again later, or the
    /// round limit is reached. Errors only for answers the protocol does not allow.
    pub async fn push(&mut self) -> Result<AfterPush, SyncError> {
        for _ in 0..MAX_PUSH_ROUNDS {
            let sent = plan::next_push(&self.outbox, self.push_batch);
            if sent.is_empty() {
                return Ok(AfterPush::Done);
            }
            let reply = self.send_push(&sent).await?;
            match self.record_reply(&sent, reply) {
                AfterPush::Again => continue,
                other => return Ok(other),
            }
        }
        Ok(AfterPush::Later)
    }

    /// Sends one push and reads its answer: 200 is answered, 409 a gap, no answer or a
    /// 5xx failed. Any other status is an error (the tablet is at fault).
    pub async fn send_push(&mut self, sent: &[Mutation]) -> Result<PushReply, SyncError> {
        let request = PushRequest {
            device_id: self.device_id,
            mutations: sent.to_vec(),
        };
        self.stats.pushes += 1;
        let reply = match self
            .request(reqwest::Method::POST, "/api/v1/sync/push", Some(&request))
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_transient() => return Ok(PushReply::Failed),
            Err(e) => return Err(e),
        };
        match reply.status {
            200 => Ok(PushReply::Answered(reply.json::<PushResponse>()?)),
            409 => Ok(PushReply::Gap {
                expected: reply.json::<SequenceGap>()?.expected,
            }),
            s if s >= 500 => Ok(PushReply::Failed),
            status => Err(SyncError::Status {
                status,
                body: reply.text(),
            }),
        }
    }

    /// Records a push's answer in the outbox (`after_push`), notes the device sequence
    /// the server has confirmed, and drops the provisional entries of rejected writes.
    pub fn record_reply(&mut self, sent: &[Mutation], reply: PushReply) -> AfterPush {
        if let PushReply::Answered(response) = &reply {
            // The server's word on the numbers it has used; the outbox keeps the tablet
            // from reusing any of its own (`next_device_seq` takes the larger).
            self.last_confirmed = response.next_device_seq.saturating_sub(1);
            for result in &response.results {
                if matches!(result.outcome, Outcome::Rejected { .. }) {
                    let id = EntryId(result.id);
                    if self.entries.get(&id).is_some_and(|e| e.version == 0) {
                        self.entries.remove(&id);
                    }
                }
            }
        }
        plan::after_push(&mut self.outbox, sent, reply, Utc::now())
    }

    /// Pending mutations, in device order.
    pub fn pending(&self) -> Vec<&OutboxItem> {
        let mut p: Vec<&OutboxItem> = self.outbox.iter().filter(|i| i.is_pending()).collect();
        p.sort_by_key(|i| i.mutation.device_seq);
        p
    }

    /// The outcome the server gave a mutation, once confirmed.
    pub fn outcome(&self, id: Uuid) -> Option<&Outcome> {
        self.outbox
            .iter()
            .find(|i| i.mutation.id == id)
            .and_then(|i| match &i.state {
                OutboxState::Confirmed { outcome } => Some(outcome),
                _ => None,
            })
    }

    /// Pull, then push, then pull again (so the server's versions replace the
    /// provisional entries at once): what the app does on each sync.
    pub async fn sync(&mut self) -> Result<AfterPush, SyncError> {
        self.pull().await?;
        let after = self.push().await?;
        self.pull().await?;
        Ok(after)
    }

    // ----- local writes -----

    /// Records a mutation on the tablet: its outbox item, and its provisional entry when
    /// it will make an entry with its own id. Returns the mutation's id.
    pub fn record(&mut self, op: MutationOp) -> Uuid {
        let now = Utc::now();
        let mutation = Mutation {
            id: Uuid::now_v7(),
            device_seq: plan::next_device_seq(&self.outbox, self.last_confirmed),
            created_at: now,
            op,
        };
        if let Some(entry) = self.provisional(&mutation) {
            self.entries.insert(entry.id, entry);
        }
        let id = mutation.id;
        self.outbox.push(OutboxItem {
            mutation,
            state: OutboxState::Saved,
        });
        id
    }

    fn provisional(&self, m: &Mutation) -> Option<Entry> {
        let (person, body) = match &m.op {
            MutationOp::AddNote {
                person_id,
                category,
                text,
            } => (
                *person_id,
                EntryBody::CareNote {
                    category: *category,
                    text: text.clone(),
                },
            ),
            MutationOp::AddObservations {
                person_id,
                observations,
                taken_at,
            } => {
                let scale = self.residents.get(person_id)?.spo2_scale;
                (
                    *person_id,
                    EntryBody::ObservationSet {
                        observations: *observations,
                        scale,
                        score: news2::score(observations, scale),
                        taken_at: *taken_at,
                    },
                )
            }
            MutationOp::Correct {
                entry_id,
                action,
                reason,
                ..
            } => (
                self.entries.get(entry_id)?.person_id,
                EntryBody::Correction {
                    target: *entry_id,
                    action: *action,
                    reason: reason.clone(),
                },
            ),
            MutationOp::EditSection {
                person_id,
                base_version: None,
                body,
                ..
            } => (*person_id, body.clone()),
            MutationOp::EditSection { .. } | MutationOp::ResolveSection { .. } => return None,
        };
        // Only for residents on this tablet: anything else is the server's to refuse.
        self.residents.get(&person)?;
        Some(Entry {
            id: EntryId(m.id),
            person_id: person,
            version: 0,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: self.home_name.clone(),
                ods_code: None,
                system: None,
                source_id: None,
                author: Some(self.username.clone()),
                authored_at: m.created_at,
                received_at: m.created_at,
            },
            body,
        })
    }

    pub fn add_note(&mut self, person: PersonId, category: NoteCategory, text: &str) -> Uuid {
        self.record(MutationOp::AddNote {
            person_id: person,
            category,
            text: text.into(),
        })
    }

    pub fn add_observations(&mut self, person: PersonId, observations: Observations) -> Uuid {
        self.record(MutationOp::AddObservations {
            person_id: person,
            observations,
            taken_at: Utc::now(),
        })
    }

    pub fn correct(
        &mut self,
        entry: EntryId,
        action: CorrectionAction,
        reason: &str,
        body: Option<EntryBody>,
    ) -> Uuid {
        self.record(MutationOp::Correct {
            entry_id: entry,
            action,
            reason: reason.into(),
            body,
        })
    }

    pub fn edit_section(
        &mut self,
        person: PersonId,
        section: SectionKey,
        base_version: Option<u32>,
        body: EntryBody,
    ) -> Uuid {
        self.record(MutationOp::EditSection {
            person_id: person,
            section,
            base_version,
            body,
        })
    }

    pub fn resolve_section(&mut self, proposal: EntryId, accept: bool) -> Uuid {
        self.record(MutationOp::ResolveSection {
            proposal_id: proposal,
            accept,
        })
    }

    // ----- reading the copy -----

    /// Current entries (not entered in error): what staff see.
    pub fn current_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().filter(|e| e.is_current())
    }

    /// The current care plan section for an area, as the tablet holds it (not a
    /// provisional one).
    pub fn care_plan_section(&self, person: PersonId, area: &str) -> Option<&Entry> {
        self.current_entries().find(|e| {
            e.person_id == person
                && e.version > 0
                && matches!(&e.body, EntryBody::CarePlanSection { area: a, .. } if a.eq_ignore_ascii_case(area))
        })
    }

    /// Proposals waiting for a senior, as the tablet holds them.
    pub fn open_proposals(&self) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self
            .current_entries()
            .filter(|e| {
                e.version > 0
                    && matches!(
                        &e.body,
                        EntryBody::SectionProposal {
                            resolution: None,
                            ..
                        }
                    )
            })
            .collect();
        v.sort_by_key(|e| e.id.0);
        v
    }
}

/// Decodes a body the server sent with `encoding`.
fn decode(encoding: Option<&str>, raw: &[u8]) -> Result<Vec<u8>, SyncError> {
    match encoding {
        None | Some("identity") => Ok(raw.to_vec()),
        Some("gzip") => {
            let mut out = Vec::with_capacity(raw.len() * 4);
            flate2::read::GzDecoder::new(raw)
                .read_to_end(&mut out)
                .map_err(|e| SyncError::Decode(format!("gzip: {e}")))?;
            Ok(out)
        }
        Some(other) => Err(SyncError::Decode(format!(
            "an encoding the tablet did not ask for: {other}"
        ))),
    }
}

/// The body of a 200 answer, or the answer as an error.
fn expect_ok<T: DeserializeOwned>(reply: &Reply) -> Result<T, SyncError> {
    if reply.status != 200 {
        return Err(SyncError::Status {
            status: reply.status,
            body: reply.text(),
        });
    }
    reply.json()
}
