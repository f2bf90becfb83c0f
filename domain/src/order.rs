//! One stable sort for every list the summary, the sync plan and the tablet app order.
//!
//! The standard library's stable sort is compiled afresh for every element type and
//! order it is used with, about 3.5 KB of wasm each time, and the tablet's wasm has a
//! size budget. These functions sort the positions of a list instead, through one
//! compiled sort shared by every caller, and then move the items into that order by
//! swapping: only the small comparing and swapping parts are compiled per element type.
//!
//! All of them are stable, as `slice::sort_by` is: items that compare equal keep their
//! order. [`sort_by`] and [`sort_by_key`] sort a slice in place; [`sorted_by`] and
//! [`sorted_by_key`] take and return a `Vec`, for iterator chains.

use std::cmp::Ordering;

/// Sorts `list` in place in the order `compare` gives (as `slice::sort_by` does).
pub fn sort_by<T>(list: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let order = stable_order(list.len(), &|a, b| compare(&list[a], &list[b]));
    permute(order, &mut |a, b| list.swap(a, b));
}

/// Sorts `list` in place by `key`, smallest first (as `slice::sort_by_key` does).
pub fn sort_by_key<T, K: Ord>(list: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(list, |a, b| key(a).cmp(&key(b)));
}

/// `list` in the order `compare` gives.
pub fn sorted_by<T>(mut list: Vec<T>, compare: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    sort_by(&mut list, compare);
    list
}

/// `list` ordered by `key`, smallest first.
pub fn sorted_by_key<T, K: Ord>(mut list: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    sort_by_key(&mut list, key);
    list
}

/// The positions `0..len` in the order `compare` (which compares the items at two
/// positions) gives. Not generic, so compiled once.
fn stable_order(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Puts the item at `order[i]` at position `i`, for every `i`, through `swap`. Not
/// generic, so compiled once.
///
/// A permutation is a set of cycles; each is walked once from its smallest position,
/// swapping the item that belongs at the current position into it. Positions already
/// in place are marked by setting `order[i] = i`, so no cycle is walked twice.
fn permute(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs whose first half takes few values, so many compare equal.
    fn pairs(len: usize, seed: &mut u32) -> Vec<(u32, usize)> {
        (0..len)
            .map(|i| {
                *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((*seed >> 16) % 5, i)
            })
            .collect()
    }

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        // Sorted by their first half only: equal keys must keep their order.
        let mut seed = 7u32;
        for len in [0usize, 1, 2, 3, 7, 20, 21, 64, 200] {
            let list = pairs(len, &mut seed);
            let mut expected = list.clone();
            expected.sort_by_key(|p| p.0);
            assert_eq!(sorted_by_key(list.clone(), |p| p.0), expected);
            let mut in_place = list.clone();
            sort_by_key(&mut in_place, |p| p.0);
            assert_eq!(in_place, expected);

            let mut reversed = list.clone();
            reversed.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(sorted_by(list.clone(), |a, b| b.0.cmp(&a.0)), reversed);
            let mut in_place = list;
            sort_by(&mut in_place, |a, b| b.0.cmp(&a.0));
            assert_eq!(in_place, reversed);
        }
    }

    #[test]
    fn puts_every_permutation_of_four_in_order() {
        // Every arrangement of 0..4 exercises cycles of every length and fixed points.
        let mut count = 0;
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    for d in 0..4 {
                        let mut list = vec![a, b, c, d];
                        let mut seen = list.clone();
                        seen.sort_unstable();
                        seen.dedup();
                        if seen.len() < 4 {
                            continue;
                        }
                        count += 1;
                        sort_by_key(&mut list, |x| *x);
                        assert_eq!(list, [0, 1, 2, 3]);
                    }
                }
            }
        }
        assert_eq!(count, 24);
    }

    #[test]
    fn moves_items_that_are_not_copies() {
        let list = vec![String::from("b"), String::from("a"), String::from("c")];
        assert_eq!(sorted_by(list, |a, b| a.cmp(b)), ["a", "b", "c"]);
        let mut items = [String::from("z"), String::from("x"), String::from("y")];
        sort_by(&mut items, |a, b| a.cmp(b));
        assert_eq!(items, ["x", "y", "z"]);
    }

    #[test]
    fn sorts_mutable_references_and_leaves_them_usable() {
        let mut values = [3u64, 1, 2];
        let mut refs: Vec<&mut u64> = values.iter_mut().collect();
        sort_by_key(&mut refs, |r| **r);
        for (n, r) in refs.into_iter().enumerate() {
            *r = 10 + n as u64;
        }
        assert_eq!(values, [12, 10, 11]);
    }
}
