//! One stable sort for every list the app orders.
//!
//! The standard library's stable sort is compiled afresh for every element type and
//! order it is used with, about 3.5 KB of wasm each time. [`sort_stable_by`] sorts the
//! positions of a list instead, through one compiled sort shared by every caller, and
//! then moves the items into that order: only the small moving part is compiled per
//! element type.

use std::cmp::Ordering;

/// `list` in the order `compare` gives, items that compare equal keeping their order
/// (as `slice::sort_by` does).
pub fn sort_stable_by<T>(list: Vec<T>, compare: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    let order = stable_order(list.len(), &|a, b| compare(&list[a], &list[b]));
    let mut slots: Vec<Option<T>> = list.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// `list` ordered by `key`, smallest first, equal keys keeping their order (as
/// `slice::sort_by_key` does).
pub fn sort_stable_by_key<T, K: Ord>(list: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    sort_stable_by(list, |a, b| key(a).cmp(&key(b)))
}

/// The positions `0..len` in the order `compare` (which compares the items at two
/// positions) gives. Not generic, so compiled once.
fn stable_order(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        // Pairs sorted by their first half only: equal keys must keep their order.
        let mut seed = 7u32;
        for len in [0usize, 1, 2, 3, 7, 20, 21, 64, 200] {
            let list: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    ((seed >> 16) % 5, i)
                })
                .collect();
            let mut expected = list.clone();
            expected.sort_by_key(|p| p.0);
            assert_eq!(sort_stable_by_key(list.clone(), |p| p.0), expected);
            let mut reversed = list.clone();
            reversed.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(sort_stable_by(list, |a, b| b.0.cmp(&a.0)), reversed);
        }
    }

    #[test]
    fn moves_items_that_are_not_copies() {
        let list = vec![String::from("b"), String::from("a"), String::from("c")];
        assert_eq!(sort_stable_by(list, |a, b| a.cmp(b)), ["a", "b", "c"]);
    }
}
