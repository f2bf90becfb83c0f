//! The one source of randomness: a seeded ChaCha8 stream with the few draws the
//! generator needs, plus date and time helpers.
//!
//! Every draw goes through integer ranges of fixed width (`u32`, `i64`), never `usize` or
//! floats, so the same seed gives the same values on 32- and 64-bit targets alike.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) struct Gen(ChaCha8Rng);

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A fresh seed for a child generator, so one resident's draws do not shift the next's.
    pub(crate) fn seed(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A whole number in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi, "empty range {lo}..={hi}");
        if lo >= hi {
            return lo;
        }
        self.0.random_range(lo..=hi)
    }

    /// An index into a list of `len` items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        let len = u32::try_from(len).expect("lists in the generator are small");
        assert!(len > 0, "cannot pick from an empty list");
        self.0.random_range(0..len) as usize
    }

    /// True `percent` times in a hundred.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.0.random_range(0..100u32) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Picks by integer weight.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        assert!(total > 0, "weights must not all be zero");
        let mut roll = self.0.random_range(0..total);
        for (item, w) in items {
            if roll < *w {
                return item;
            }
            roll -= w;
        }
        &items[items.len() - 1].0
    }

    /// Fisher–Yates, written here so the order depends only on our own `u32` draws.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// `n` different items (fewer if the list is shorter), in random order.
    pub(crate) fn sample<T: Clone>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        self.shuffle(&mut idx);
        idx.into_iter().take(n).map(|i| items[i].clone()).collect()
    }

    /// A day in `from..=to` (or `from` when the range is empty).
    pub(crate) fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0);
        from + TimeDelta::days(self.int(0, span))
    }

    /// A moment on `day` between the two hours (the end hour excluded), to the minute.
    pub(crate) fn time(&mut self, day: NaiveDate, from_hour: i64, to_hour: i64) -> DateTime<Utc> {
        let minute = self.int(from_hour * 60, to_hour * 60 - 1);
        at_minute(day, minute)
    }
}

/// Midnight at the start of `day`, UTC.
pub(crate) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists on every day")
        .and_utc()
}

pub(crate) fn at_minute(day: NaiveDate, minute_of_day: i64) -> DateTime<Utc> {
    midnight(day) + TimeDelta::minutes(minute_of_day.clamp(0, 24 * 60 - 1))
}

pub(crate) fn days_before(day: NaiveDate, n: i64) -> NaiveDate {
    day - TimeDelta::days(n)
}

pub(crate) fn days_after(day: NaiveDate, n: i64) -> NaiveDate {
    day + TimeDelta::days(n)
}

/// A date as staff read it: "12 Nov 2026".
pub(crate) fn label(day: NaiveDate) -> String {
    bedside_domain::dates::date_label(day)
}

/// Tenths as text ("36.8"), so no float is ever formatted.
pub(crate) fn tenths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let v = value.abs();
    format!("{sign}{}.{}", v / 10, v % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut a = Gen::new(7);
        let mut b = Gen::new(7);
        let xs: Vec<i64> = (0..50).map(|_| a.int(0, 1000)).collect();
        let ys: Vec<i64> = (0..50).map(|_| b.int(0, 1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|x| *x != xs[0]), "draws vary");
    }

    #[test]
    fn tenths_are_formatted_without_floats() {
        assert_eq!(tenths(368), "36.8");
        assert_eq!(tenths(5), "0.5");
        assert_eq!(tenths(-12), "-1.2");
    }

    #[test]
    fn shuffle_keeps_every_item() {
        let mut g = Gen::new(1);
        let mut v: Vec<u32> = (0..20).collect();
        g.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<u32>>());
        assert_ne!(
            v, sorted,
            "twenty items shuffled stay in order only by a 1 in 20! chance"
        );
    }
}
