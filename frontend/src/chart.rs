//! The geometry of a lab result's trend chart: where each point, tick, label and the
//! reference range band go in the chart's SVG coordinates.
//!
//! Pure arithmetic, so it is tested natively; `components::lab_results` draws what this
//! works out. Coordinates are in the SVG's `viewBox` units ([`WIDTH`] × [`HEIGHT`]), which
//! CSS scales to the width of the page.

use bedside_domain::record::ReferenceRange;

/// The chart's `viewBox` size. 600 units across are drawn about 720 px wide on a 10"
/// tablet, so the 15-unit labels read at about 18 px.
pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 250.0;

/// The plotting area inside the `viewBox`: room on the left for the value labels and
/// under it for the dates.
pub const PLOT_LEFT: f64 = 64.0;
pub const PLOT_RIGHT: f64 = WIDTH - 12.0;
pub const PLOT_TOP: f64 = 14.0;
pub const PLOT_BOTTOM: f64 = HEIGHT - 46.0;

/// Keeps the first and last points off the axes.
const X_INSET: f64 = 18.0;

/// Roughly how many value ticks the axis gets.
const Y_TICK_TARGET: usize = 5;

/// Width of one character of a label in `viewBox` units (15-unit sans-serif, with room
/// to spare), to keep date labels from running into each other.
const CHAR_WIDTH: f64 = 8.6;
const LABEL_GAP: f64 = 14.0;

/// One result to draw: when it was taken, its value and the words for its date.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// Milliseconds since the epoch: the position along the time axis.
    pub millis: i64,
    pub value: f64,
    pub date_label: String,
}

/// A tick or label: its position along its axis, and its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub pos: f64,
    pub label: String,
}

/// A point's place in the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub x: f64,
    pub y: f64,
}

/// Everything the chart draws, in `viewBox` units.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLayout {
    /// One per input point, in the same order.
    pub points: Vec<Placed>,
    /// Value ticks, lowest first; `pos` is a y coordinate.
    pub y_ticks: Vec<Tick>,
    /// The dates that fit under the axis without overlapping; `pos` is an x coordinate.
    pub x_labels: Vec<Tick>,
    /// The reference range as a band: its top and bottom y coordinates.
    pub band: Option<(f64, f64)>,
}

/// Lays out a series (oldest first) with the reference range when it has numbers.
/// Values that are not finite are left out of the scale (their points sit on the axis),
/// but the caller should not pass them: see `components::lab_results`.
pub fn layout(points: &[SeriesPoint], range: Option<&ReferenceRange>) -> ChartLayout {
    let range_bounds = range
        .map(|r| {
            (
                r.low.filter(|v| v.is_finite()),
                r.high.filter(|v| v.is_finite()),
            )
        })
        .filter(|(low, high)| low.is_some() || high.is_some());

    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let values = points.iter().map(|p| p.value);
    let bounds = range_bounds
        .into_iter()
        .flat_map(|(low, high)| low.into_iter().chain(high));
    for v in values.chain(bounds).filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    // The axis ends on round values at or beyond the extremes; it is not padded further,
    // which would add a tick of empty space (or a negative one under a zero value).
    let (ticks, _) = nice_ticks(lo, hi, Y_TICK_TARGET);
    let (axis_lo, axis_hi) = match (ticks.first(), ticks.last()) {
        (Some(a), Some(b)) if b > a => (*a, *b),
        _ => (lo - 1.0, hi + 1.0),
    };
    let y = |v: f64| {
        let f = (axis_hi - v) / (axis_hi - axis_lo);
        round1(PLOT_TOP + f.clamp(0.0, 1.0) * (PLOT_BOTTOM - PLOT_TOP))
    };

    let first = points.iter().map(|p| p.millis).min().unwrap_or(0);
    let last = points.iter().map(|p| p.millis).max().unwrap_or(0);
    let x = |millis: i64| {
        if last == first {
            return round1((PLOT_LEFT + PLOT_RIGHT) / 2.0);
        }
        // Differences of epoch milliseconds fit an f64 exactly for any real date.
        let f = (millis - first) as f64 / (last - first) as f64;
        round1(PLOT_LEFT + X_INSET + f * (PLOT_RIGHT - PLOT_LEFT - 2.0 * X_INSET))
    };

    let placed: Vec<Placed> = points
        .iter()
        .map(|p| Placed {
            x: x(p.millis),
            y: y(if p.value.is_finite() {
                p.value
            } else {
                axis_lo
            }),
        })
        .collect();

    let step = ticks.get(1).zip(ticks.first()).map(|(b, a)| b - a);
    let y_ticks = ticks
        .iter()
        .map(|v| Tick {
            pos: y(*v),
            label: tick_label(*v, step.unwrap_or(1.0)),
        })
        .collect();

    let xs: Vec<f64> = placed.iter().map(|p| p.x).collect();
    let widths: Vec<f64> = points
        .iter()
        .map(|p| p.date_label.chars().count() as f64 * CHAR_WIDTH)
        .collect();
    let x_labels = pick_labels(&xs, &widths)
        .into_iter()
        .map(|(i, pos)| Tick {
            pos,
            label: points[i].date_label.clone(),
        })
        .collect();

    let band = range_bounds.map(|(low, high)| {
        let top = high.map_or(PLOT_TOP, y);
        let bottom = low.map_or(PLOT_BOTTOM, y);
        (top.min(bottom), top.max(bottom))
    });

    ChartLayout {
        points: placed,
        y_ticks,
        x_labels,
        band,
    }
}

/// Evenly spaced round values (steps of 1, 2, 2.5 or 5 times a power of ten) from at or
/// below `min` to at or above `max`, about `target` of them, and the step. A flat series
/// gets a span around its value so it still has an axis.
pub fn nice_ticks(min: f64, max: f64, target: usize) -> (Vec<f64>, f64) {
    if !min.is_finite() || !max.is_finite() || max < min {
        return (Vec::new(), 0.0);
    }
    let (min, max) = if max - min < f64::EPSILON * max.abs().max(1.0) {
        let pad = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        (min - pad, max + pad)
    } else {
        (min, max)
    };
    let intervals = target.saturating_sub(1).max(1) as f64;
    let raw = (max - min) / intervals;
    let magnitude = 10f64.powf(raw.log10().floor());
    // The tolerances absorb binary fractions: 0.3 / 3 is a hair over 0.1, and must
    // still give steps of 0.1 from 0.1 to 0.4, not of 0.2 or up to 0.5.
    const TOLERANCE: f64 = 1e-9;
    let step = match raw / magnitude {
        n if n <= 1.0 + TOLERANCE => 1.0,
        n if n <= 2.0 + TOLERANCE => 2.0,
        n if n <= 2.5 + TOLERANCE => 2.5,
        n if n <= 5.0 + TOLERANCE => 5.0,
        _ => 10.0,
    } * magnitude;
    let first = (min / step + TOLERANCE).floor();
    let last = (max / step - TOLERANCE).ceil();
    // Whole multiples of the step, so a tick is never 0.30000000000000004.
    let count = (last - first).round() as i64;
    let ticks = (0..=count)
        .map(|i| {
            let v = (first + i as f64) * step;
            // `-0` would be labelled "-0".
            if v == 0.0 { 0.0 } else { v }
        })
        .collect();
    (ticks, step)
}

/// A tick's words with as many decimals as the step needs: "5", "2.5", "0.25".
pub fn tick_label(value: f64, step: f64) -> String {
    let decimals = (0..=6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6) as usize;
    let text = format!("{value:.decimals$}");
    // Rounding can leave "-0.0" for a value just below zero.
    if text.trim_start_matches(['-', '0', '.']).is_empty() {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

/// Which points get a date label, and where it is centred: the last one always (it is
/// the newest), the first when it fits beside it, and any between that fit. Labels are
/// kept inside the plot so they never run off the chart.
fn pick_labels(xs: &[f64], widths: &[f64]) -> Vec<(usize, f64)> {
    let centre = |i: usize| {
        let half = widths[i] / 2.0;
        let low = PLOT_LEFT + half;
        let high = PLOT_RIGHT - half;
        if low > high {
            (PLOT_LEFT + PLOT_RIGHT) / 2.0
        } else {
            xs[i].clamp(low, high)
        }
    };
    let fits = |a: (usize, f64), b: (usize, f64)| {
        (a.1 - b.1).abs() >= (widths[a.0] + widths[b.0]) / 2.0 + LABEL_GAP
    };
    let Some(last) = xs.len().checked_sub(1) else {
        return Vec::new();
    };
    let last_label = (last, centre(last));
    let mut kept: Vec<(usize, f64)> = Vec::new();
    for i in 0..last {
        let candidate = (i, centre(i));
        let clear_of_previous = kept.last().is_none_or(|k| fits(*k, candidate));
        if clear_of_previous && fits(candidate, last_label) {
            kept.push(candidate);
        }
    }
    kept.push(last_label);
    kept
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const DAY: i64 = 86_400_000;

    fn series(values: &[(i64, f64)]) -> Vec<SeriesPoint> {
        values
            .iter()
            .map(|(day, v)| SeriesPoint {
                millis: day * DAY,
                value: *v,
                date_label: format!("{day} Nov 2026"),
            })
            .collect()
    }

    fn range(low: Option<f64>, high: Option<f64>) -> ReferenceRange {
        ReferenceRange {
            low,
            high,
            text: None,
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        assert_eq!(nice_ticks(3.1, 5.9, 5), (vec![3.0, 4.0, 5.0, 6.0], 1.0));
        assert_eq!(
            nice_ticks(3.5, 5.3, 5),
            (vec![3.5, 4.0, 4.5, 5.0, 5.5], 0.5)
        );
        assert_eq!(
            nice_ticks(0.0, 100.0, 5),
            (vec![0.0, 25.0, 50.0, 75.0, 100.0], 25.0)
        );
        assert_eq!(
            nice_ticks(58.0, 64.0, 5),
            (vec![58.0, 60.0, 62.0, 64.0], 2.0)
        );
        assert_eq!(nice_ticks(12.0, 246.0, 5).0, vec![0.0, 100.0, 200.0, 300.0]);
        // Small values keep whole multiples of the step (no 0.30000000000000004).
        let (small, step) = nice_ticks(0.1, 0.4, 4);
        assert_eq!(step, 0.1);
        assert_eq!(small.len(), 4);
        assert!(small.iter().any(|v| tick_label(*v, step) == "0.3"));
    }

    #[test]
    fn a_flat_series_still_gets_an_axis_around_its_value() {
        let (ticks, step) = nice_ticks(140.0, 140.0, 5);
        assert!(step > 0.0);
        assert!(ticks.first().is_some_and(|t| *t < 140.0));
        assert!(ticks.last().is_some_and(|t| *t > 140.0));
        let (zero, _) = nice_ticks(0.0, 0.0, 5);
        assert!(zero.first().is_some_and(|t| *t <= -1.0) && zero.last().is_some_and(|t| *t >= 1.0));
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5).0, Vec::<f64>::new());
        assert_eq!(nice_ticks(2.0, 1.0, 5).0, Vec::<f64>::new());
    }

    #[test]
    fn tick_labels_have_the_decimals_the_step_needs() {
        assert_eq!(tick_label(50.0, 25.0), "50");
        assert_eq!(tick_label(2.5, 2.5), "2.5");
        assert_eq!(tick_label(0.75, 0.25), "0.75");
        assert_eq!(tick_label(4.0, 0.5), "4.0");
        assert_eq!(tick_label(-0.0000001, 0.5), "0.0");
        assert_eq!(tick_label(-5.0, 5.0), "-5");
    }

    #[test]
    fn points_are_placed_by_time_and_value() {
        let pts = series(&[(1, 40.0), (3, 60.0), (11, 50.0)]);
        let l = layout(&pts, None);
        assert_eq!(l.points.len(), 3);
        // Oldest at the left, newest at the right, inside the plot.
        assert_eq!(l.points[0].x, PLOT_LEFT + X_INSET);
        assert_eq!(l.points[2].x, PLOT_RIGHT - X_INSET);
        // Two days of ten along the axis.
        let span = PLOT_RIGHT - PLOT_LEFT - 2.0 * X_INSET;
        assert!((l.points[1].x - (PLOT_LEFT + X_INSET + span * 0.2)).abs() < 0.11);
        // Higher values are higher up (smaller y), all inside the plot.
        assert!(l.points[1].y < l.points[2].y && l.points[2].y < l.points[0].y);
        for p in &l.points {
            assert!((PLOT_TOP..=PLOT_BOTTOM).contains(&p.y), "{p:?}");
        }
        // Ticks go from the bottom of the plot to the top, lowest value first.
        let first = l.y_ticks.first().expect("ticks");
        let last = l.y_ticks.last().expect("ticks");
        assert_eq!(first.pos, PLOT_BOTTOM);
        assert_eq!(last.pos, PLOT_TOP);
        assert!(first.label.parse::<f64>().expect("number") <= 40.0);
        assert!(last.label.parse::<f64>().expect("number") >= 60.0);
    }

    #[test]
    fn a_tick_and_a_point_of_the_same_value_line_up() {
        let pts = series(&[(1, 40.0), (2, 60.0)]);
        let l = layout(&pts, None);
        let tick_60 = l
            .y_ticks
            .iter()
            .find(|t| t.label == "60")
            .expect("a 60 tick");
        assert_eq!(tick_60.pos, l.points[1].y);
    }

    #[test]
    fn one_point_sits_in_the_middle() {
        let l = layout(&series(&[(5, 4.2)]), None);
        assert_eq!(l.points[0].x, (PLOT_LEFT + PLOT_RIGHT) / 2.0);
        assert_eq!(l.x_labels.len(), 1);
        assert!(l.y_ticks.len() >= 2);
    }

    #[test]
    fn the_range_band_is_drawn_and_kept_in_view() {
        // Values inside 3.5–5.3: the band sits between the ticks at those values.
        let pts = series(&[(1, 4.0), (2, 5.0)]);
        let l = layout(&pts, Some(&range(Some(3.5), Some(5.3))));
        let (top, bottom) = l.band.expect("a band");
        assert!(top < bottom);
        let y_of = |label: &str| l.y_ticks.iter().find(|t| t.label == label).map(|t| t.pos);
        if let (Some(y35), Some(y55)) = (y_of("3.5"), y_of("5.5")) {
            assert!(bottom <= y35 + 0.1 && top >= y55 - 0.1);
        }
        // A range far from the values still widens the scale so the band shows.
        let egfr = series(&[(1, 32.0), (2, 38.0)]);
        let l = layout(&egfr, Some(&range(Some(90.0), None)));
        let (top, bottom) = l.band.expect("a band");
        assert_eq!(top, PLOT_TOP, "open-ended above");
        assert!(bottom < l.points[1].y, "the band is above the values");
        // Words only ("negative"): no band.
        let words = ReferenceRange {
            low: None,
            high: None,
            text: Some("Negative".into()),
        };
        assert_eq!(layout(&egfr, Some(&words)).band, None);
    }

    #[test]
    fn values_never_go_below_zero_on_the_axis_when_none_are() {
        let l = layout(&series(&[(1, 0.0), (2, 3.0)]), None);
        assert!(l.y_ticks.iter().all(|t| !t.label.starts_with('-')));
        assert_eq!(l.points[0].y, PLOT_BOTTOM);
    }

    #[test]
    fn date_labels_do_not_overlap_and_keep_the_newest() {
        // Twenty results a day apart cannot all be labelled.
        let many: Vec<(i64, f64)> = (1..=20).map(|d| (d, d as f64)).collect();
        let l = layout(&series(&many), None);
        assert!(l.x_labels.len() >= 2 && l.x_labels.len() < 20);
        assert_eq!(
            l.x_labels.last().map(|t| t.label.as_str()),
            Some("20 Nov 2026")
        );
        assert_eq!(l.x_labels[0].label, "1 Nov 2026");
        for pair in l.x_labels.windows(2) {
            let width = pair[0].label.len() as f64 * CHAR_WIDTH;
            assert!(pair[1].pos - pair[0].pos >= width, "{pair:?}");
        }
        for t in &l.x_labels {
            let half = t.label.len() as f64 * CHAR_WIDTH / 2.0;
            assert!(t.pos - half >= PLOT_LEFT - 0.01 && t.pos + half <= PLOT_RIGHT + 0.01);
        }
        // Of two results close together only the first is labelled, beside the newest.
        let close = layout(&series(&[(1, 1.0), (2, 2.0), (300, 3.0)]), None);
        let labels: Vec<&str> = close.x_labels.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, vec!["1 Nov 2026", "300 Nov 2026"]);
    }

    #[test]
    fn an_empty_series_lays_out_nothing() {
        let l = layout(&[], None);
        assert!(l.points.is_empty() && l.x_labels.is_empty());
    }
}
