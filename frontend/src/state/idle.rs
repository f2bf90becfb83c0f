//! Locking the tablet after a while with no use: while someone is signed in, any touch,
//! pointer press, key, wheel or scroll counts as use; after the tablet's idle time with
//! none, it locks (as the header's "Lock" does).

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions, EventListenerPhase};
use gloo_timers::callback::Interval;
use yew::prelude::*;

use super::{AppHandle, Phase};

/// What counts as someone using the tablet.
const ACTIVITY: [&str; 5] = ["pointerdown", "keydown", "touchstart", "wheel", "scroll"];

/// Watches for use while the app is unlocked, and locks it after `after_ms` (or the
/// tablet's setting) with none.
#[hook]
pub(super) fn use_idle_lock(app: &AppHandle, after_ms: Option<u32>) {
    let ready = app.phase == Phase::Ready;
    let after_ms = after_ms.unwrap_or_else(|| app.idle_minutes.saturating_mul(60_000));
    let app = app.clone();
    use_effect_with((ready, after_ms), move |&(ready, after_ms)| {
        let watch = ready.then(|| watch(app, after_ms));
        move || drop(watch)
    });
}

/// The listeners and the timer; dropping them stops the watch.
struct Watch {
    _listeners: Vec<EventListener>,
    _timer: Interval,
}

fn watch(app: AppHandle, after_ms: u32) -> Option<Watch> {
    let window = web_sys::window()?;
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    // Capturing at the window sees every event in the page, even the scroll of a panel
    // (which does not bubble) and events a component stops.
    let options = EventListenerOptions {
        phase: EventListenerPhase::Capture,
        passive: true,
    };
    let listeners = ACTIVITY
        .into_iter()
        .map(|kind| {
            let last = last.clone();
            EventListener::new_with_options(&window, kind, options, move |_| {
                last.set(js_sys::Date::now());
            })
        })
        .collect();
    // Checked a few times per idle time (at least every second): cheaper than a timer
    // set again on every touch, and exact enough for minutes.
    let every = (after_ms / 4).clamp(20, 1000);
    let locked = Cell::new(false);
    let timer = Interval::new(every, move || {
        // Once: the watch ends when the lock screen shows.
        if !locked.get() && js_sys::Date::now() - last.get() >= f64::from(after_ms) {
            locked.set(true);
            app.lock();
        }
    });
    Some(Watch {
        _listeners: listeners,
        _timer: timer,
    })
}
