//! Sign-in rate limits, kept in memory: per account, a number of failed sign-ins in a
//! window locks the account out (even for the right password) until the oldest failure
//! leaves the window; per network address, a number of attempts a minute.
//!
//! In memory is right for one server node (what Bedside runs on today); several nodes
//! would need the counts in PostgreSQL or a shared cache, or each node would allow its
//! own share. A restart forgets the counts, which only ever lets someone in sooner.
//!
//! A small sliding-window log rather than a crate such as `governor`: the account limit
//! counts only failures and must be checked without being spent (a locked-out right
//! password is refused, a right password does not use up an attempt), which a GCRA
//! limiter does not offer; and the log gives the exact `Retry-After`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One limit: at most `max` events in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub window: Duration,
}

/// Events per key in a sliding window.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: Limit,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Above this many keys, keys whose events have all left the window are swept on the
/// next write, so a flood of made-up usernames or addresses cannot grow memory for ever.
const SWEEP_ABOVE: usize = 10_000;

impl SlidingWindow {
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// When `key` may try again, if it has used up its limit at `now`.
    pub fn blocked_for(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut events = self.lock();
        let queue = events.get_mut(key)?;
        self.expire(queue, now);
        self.wait(queue, now)
    }

    /// Records an event for `key` at `now`.
    pub fn record(&self, key: &str, now: Instant) {
        let mut events = self.lock();
        if events.len() > SWEEP_ABOVE {
            let window = self.limit.window;
            events.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let queue = events.entry(key.to_owned()).or_default();
        self.expire(queue, now);
        queue.push_back(now);
        // Only the newest `max` matter for the decision.
        while queue.len() > self.limit.max.max(1) {
            queue.pop_front();
        }
    }

    /// Records an event unless the limit is used up; answers how long to wait if it is.
    pub fn try_record(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut events = self.lock();
        if let Some(queue) = events.get_mut(key) {
            self.expire(queue, now);
            if let Some(wait) = self.wait(queue, now) {
                return Err(wait);
            }
        }
        drop(events);
        self.record(key, now);
        Ok(())
    }

    /// Forgets `key` (a good sign-in clears the account's failures).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding the lock leaves only counts behind: still usable.
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn expire(&self, queue: &mut VecDeque<Instant>, now: Instant) {
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limit.window)
        {
            queue.pop_front();
        }
    }

    fn wait(&self, queue: &VecDeque<Instant>, now: Instant) -> Option<Duration> {
        if queue.len() < self.limit.max {
            return None;
        }
        // The limit frees up when the oldest counted event leaves the window.
        let oldest = queue.len().checked_sub(self.limit.max)?;
        let since = now.duration_since(*queue.get(oldest)?);
        Some(self.limit.window.saturating_sub(since))
    }
}

/// The sign-in limits of one server.
#[derive(Debug)]
pub struct LoginLimits {
    /// Failed sign-ins per username (whether or not it exists, so the limit reveals
    /// nothing about who has an account).
    pub account_failures: SlidingWindow,
    /// Sign-in attempts per network address.
    pub address_attempts: SlidingWindow,
}

impl LoginLimits {
    pub fn new(account: Limit, address: Limit) -> Self {
        Self {
            account_failures: SlidingWindow::new(account),
            address_attempts: SlidingWindow::new(address),
        }
    }
}

/// Whole seconds to wait, rounded up and at least 1, for `Retry-After`.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn five_in_fifteen() -> SlidingWindow {
        SlidingWindow::new(Limit {
            max: 5,
            window: Duration::from_secs(15 * 60),
        })
    }

    #[test]
    fn the_sixth_event_in_the_window_is_blocked_until_the_oldest_leaves() {
        let w = five_in_fifteen();
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(w.blocked_for("ann", t0 + Duration::from_secs(i)), None);
            w.record("ann", t0 + Duration::from_secs(i));
        }
        let now = t0 + Duration::from_secs(60);
        assert_eq!(
            w.blocked_for("ann", now),
            Some(Duration::from_secs(15 * 60 - 60))
        );
        // Just before the oldest failure leaves the window: still blocked.
        let edge = t0 + Duration::from_secs(15 * 60) - Duration::from_millis(1);
        assert_eq!(w.blocked_for("ann", edge), Some(Duration::from_millis(1)));
        assert_eq!(
            w.blocked_for("ann", t0 + Duration::from_secs(15 * 60)),
            None
        );
    }

    #[test]
    fn keys_are_counted_apart_and_clearing_forgets_one() {
        let w = five_in_fifteen();
        let t0 = Instant::now();
        for _ in 0..5 {
            w.record("ann", t0);
        }
        assert!(w.blocked_for("ann", t0).is_some());
        assert_eq!(w.blocked_for("bob", t0), None);
        w.clear("ann");
        assert_eq!(w.blocked_for("ann", t0), None);
    }

    #[test]
    fn try_record_spends_only_when_allowed() {
        let w = SlidingWindow::new(Limit {
            max: 2,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        assert_eq!(w.try_record("1.2.3.4", t0), Ok(()));
        assert_eq!(
            w.try_record("1.2.3.4", t0 + Duration::from_secs(10)),
            Ok(())
        );
        assert_eq!(
            w.try_record("1.2.3.4", t0 + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        // A refused attempt does not push the window further out.
        assert_eq!(
            w.try_record("1.2.3.4", t0 + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn idle_keys_are_swept_when_there_are_many() {
        let w = SlidingWindow::new(Limit {
            max: 1,
            window: Duration::from_secs(1),
        });
        let t0 = Instant::now();
        for i in 0..=SWEEP_ABOVE {
            w.record(&format!("user{i}"), t0);
        }
        w.record("late", t0 + Duration::from_secs(2));
        assert_eq!(w.lock().len(), 1);
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(840)), 840);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
