//! Lab results: a table with the latest result of each test, abnormal ones marked in
//! words and by a mark that does not rely on colour, and under a test, when tapped, a
//! chart of its results over time with the same values listed as a table (the chart's
//! text alternative, and the exact figures for staff).
//!
//! The chart is SVG drawn here from [`crate::chart`]'s layout; its look comes from
//! classes in `styles.css` and SVG attributes, never inline styles (the server's Content
//! Security Policy forbids them).

use bedside_domain::record::{AbnormalFlag, Entry, EntryBody, LabValue};
use bedside_domain::summary::{LabLine, recent_labs};
use chrono::{Datelike, NaiveDate};
use yew::prelude::*;

use crate::chart::{self, SeriesPoint};
use crate::clock::{local_date, today};
use crate::components::Entries;
use crate::components::source::SourceLine;
use crate::present::{date_label, date_label_short, flag_text, lab_value_text, range_words};
use crate::select::{LabTrend, lab_trend};

/// One result as the chart's description and its table say it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultLine {
    pub date: NaiveDate,
    pub value: String,
    /// The number, when the chart draws this result.
    pub charted: Option<f64>,
    pub flag: Option<AbnormalFlag>,
}

impl ResultLine {
    fn abnormal(&self) -> bool {
        self.flag.is_some_and(AbnormalFlag::is_abnormal)
    }
}

fn result_lines(trend: &LabTrend<'_>) -> Vec<ResultLine> {
    trend
        .results
        .iter()
        .map(|r| ResultLine {
            date: local_date(r.taken_at),
            value: lab_value_text(r.value),
            charted: match r.value {
                LabValue::Quantity { value, .. } if r.charted => Some(*value),
                _ => None,
            },
            flag: r.flag,
        })
        .collect()
}

/// The chart in words, for screen readers: how many results over what time, the latest,
/// the lowest and highest drawn, and the range.
pub fn trend_description(
    test: &str,
    results: &[ResultLine],
    unit: Option<&str>,
    range: Option<&str>,
) -> String {
    let (Some(first), Some(last)) = (results.first(), results.last()) else {
        return format!("No results of {test}.");
    };
    let mut text = if results.len() == 1 {
        format!("1 result of {test}, on {}.", date_label(first.date))
    } else {
        format!(
            "{} results of {test}, from {} to {}.",
            results.len(),
            date_label(first.date),
            date_label(last.date)
        )
    };
    let flag = last
        .flag
        .filter(|f| f.is_abnormal())
        .map(|f| format!(", {}", f.label()))
        .unwrap_or_default();
    text.push_str(&format!(" Latest {}{flag}.", last.value));
    let drawn: Vec<f64> = results.iter().filter_map(|r| r.charted).collect();
    if drawn.len() > 1 {
        let low = drawn.iter().copied().fold(f64::INFINITY, f64::min);
        let high = drawn.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let unit = unit
            .filter(|u| !u.trim().is_empty())
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        text.push_str(&format!(" Lowest {low}{unit}, highest {high}{unit}."));
    }
    let flagged = results.iter().filter(|r| r.abnormal()).count();
    if flagged > 0 {
        text.push_str(&format!(" {flagged} flagged by the lab."));
    }
    if let Some(range) = range {
        text.push_str(&format!(" Reference range {range}."));
    }
    text
}

/// A diamond around a point: the mark of a result the lab flagged, unlike the circle
/// of the others in shape as well as colour.
fn diamond(x: f64, y: f64, r: f64) -> String {
    format!(
        "M{x} {} L{} {y} L{x} {} L{} {y} Z",
        y - r,
        x + r,
        y + r,
        x - r
    )
}

fn num(v: f64) -> AttrValue {
    AttrValue::from(v.to_string())
}

/// The legend's small shapes, drawn as the chart draws them.
fn legend_mark(kind: &'static str) -> Html {
    html! {
        <svg class="legend-mark" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
            { match kind {
                "normal" => html! { <circle class="chart-point" cx="10" cy="10" r="5" /> },
                "flagged" => html! { <path class="chart-point chart-point-abnormal" d={diamond(10.0, 10.0, 7.0)} /> },
                _ => html! { <rect class="chart-band" x="1" y="4" width="18" height="12" /> },
            } }
        </svg>
    }
}

fn chart_svg(id: &str, lines: &[ResultLine], trend: &LabTrend<'_>, description: &str) -> Html {
    // Dates in this year without the year, as elsewhere in the app.
    let year = today().year();
    let drawn: Vec<&ResultLine> = lines.iter().filter(|l| l.charted.is_some()).collect();
    let series: Vec<SeriesPoint> = trend
        .charted()
        .zip(drawn.iter())
        .map(|(r, line)| SeriesPoint {
            millis: r.taken_at.timestamp_millis(),
            value: line.charted.unwrap_or_default(),
            date_label: date_label_short(line.date, year),
        })
        .collect();
    let layout = chart::layout(&series, trend.range);
    let polyline: String = layout
        .points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <svg class="trend-chart" viewBox={format!("0 0 {} {}", chart::WIDTH, chart::HEIGHT)}
            role="img" aria-labelledby={format!("{id}-title")} aria-describedby={format!("{id}-desc")}
            focusable="false">
            <desc id={format!("{id}-desc")}>{ description.to_owned() }</desc>
            if let Some((top, bottom)) = layout.band {
                <rect class="chart-band" x={num(chart::PLOT_LEFT)} y={num(top)}
                    width={num(chart::PLOT_RIGHT - chart::PLOT_LEFT)} height={num(bottom - top)} />
            }
            { for layout.y_ticks.iter().map(|t| html! {
                <>
                    <line class="chart-grid" x1={num(chart::PLOT_LEFT)} y1={num(t.pos)}
                        x2={num(chart::PLOT_RIGHT)} y2={num(t.pos)} />
                    <text class="chart-label" x={num(chart::PLOT_LEFT - 8.0)} y={num(t.pos)}
                        dy="0.35em" text-anchor="end">{ t.label.clone() }</text>
                </>
            }) }
            <line class="chart-axis" x1={num(chart::PLOT_LEFT)} y1={num(chart::PLOT_BOTTOM)}
                x2={num(chart::PLOT_RIGHT)} y2={num(chart::PLOT_BOTTOM)} />
            if layout.points.len() > 1 {
                <polyline class="chart-line" points={polyline} />
            }
            { for layout.points.iter().zip(drawn.iter()).map(|(p, line)| if line.abnormal() {
                html! { <path class="chart-point chart-point-abnormal" d={diamond(p.x, p.y, 9.0)} /> }
            } else {
                html! { <circle class="chart-point" cx={num(p.x)} cy={num(p.y)} r="6" /> }
            }) }
            { for layout.x_labels.iter().map(|t| html! {
                <text class="chart-label" x={num(t.pos)} y={num(chart::PLOT_BOTTOM + 28.0)}
                    text-anchor="middle">{ t.label.clone() }</text>
            }) }
        </svg>
    }
}

/// A test's results over time: the chart, its legend, and every result in a table.
fn trend_view(id: &str, test: &str, trend: &LabTrend<'_>) -> Html {
    let lines = result_lines(trend);
    let range = trend.range.and_then(range_words);
    let band = trend
        .range
        .is_some_and(|r| r.low.is_some() || r.high.is_some());
    let description = trend_description(test, &lines, trend.unit, range.as_deref());
    let drawn = lines.iter().filter(|l| l.charted.is_some()).count();
    let any_flagged = lines.iter().any(|l| l.charted.is_some() && l.abnormal());
    let heading = match trend.unit.filter(|u| !u.trim().is_empty()) {
        Some(unit) => format!("{test} over time ({unit})"),
        None => format!("{test} over time"),
    };
    html! {
        <div class="trend">
            <h3 class="trend-title" id={format!("{id}-title")}>{ heading }</h3>
            if drawn == 0 {
                <p class="not-recorded">{ "No results in numbers to draw." }</p>
            } else {
                { chart_svg(id, &lines, trend, &description) }
                <ul class="chart-legend">
                    <li>{ legend_mark("normal") }{ "Result" }</li>
                    if any_flagged {
                        <li>{ legend_mark("flagged") }{ "Flagged by the lab" }</li>
                    }
                    if band {
                        <li>{ legend_mark("band") }{ format!("Reference range {}", range.clone().unwrap_or_default()) }</li>
                    }
                </ul>
            }
            if drawn < lines.len() && drawn > 0 {
                <p class="hint">{ "Results in words or in another unit are listed below but not drawn." }</p>
            }
            <table class="trend-values">
                <caption>{ format!("Every {test} result, oldest first") }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Taken" }</th>
                        <th scope="col">{ "Result" }</th>
                        <th scope="col">{ "Flag" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for lines.iter().map(|l| {
                        let (words, class) = flag_text(l.flag);
                        html! {
                            <tr>
                                <td>{ date_label(l.date) }</td>
                                <td class="lab-value">{ l.value.clone() }</td>
                                <td><span class={class}>{ words }</span></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

const COLUMNS: usize = 6;

/// One test: its latest result in a row, where it came from in a row under it (too long
/// to share a cell on a tablet), and the row its trend opens into.
fn lab_rows(
    i: usize,
    line: &LabLine<'_>,
    open: bool,
    toggle: Callback<MouseEvent>,
    entries: &[Entry],
) -> Html {
    let EntryBody::LabResult {
        test,
        value,
        reference_range,
        flag,
        taken_at,
        panel,
    } = &line.latest.body
    else {
        return html! {};
    };
    let id = format!("trend-{i}");
    // The table is narrow on a tablet: dates in this year go without the year.
    let year = today().year();
    let (flag_words, flag_class) = flag_text(*flag);
    let abnormal = flag.is_some_and(AbnormalFlag::is_abnormal);
    let previous = match line.previous.map(|p| &p.body) {
        Some(EntryBody::LabResult {
            value, taken_at, ..
        }) => html! {
            <>
                { lab_value_text(value) }
                <span class="lab-date">{ format!("on {}", date_label_short(local_date(*taken_at), year)) }</span>
            </>
        },
        _ => html! { <span class="not-recorded">{ "No earlier result" }</span> },
    };
    let name = html! {
        <>
            <span class="lab-test">{ test.text.clone() }</span>
            if let Some(panel) = panel.as_ref().filter(|p| **p != test.text) {
                <span class="lab-panel">{ panel.clone() }</span>
            }
        </>
    };
    html! {
        <>
            <tr class={classes!("lab-row", abnormal.then_some("lab-row-abnormal"))}>
                <th scope="row">
                    if line.count > 1 {
                        <button type="button" class="lab-toggle" aria-expanded={open.to_string()}
                            aria-controls={id.clone()} onclick={toggle}>
                            { name }
                            <span class="lab-toggle-hint">
                                { if open { "Hide trend" } else { "Show trend" } }
                            </span>
                        </button>
                    } else {
                        { name }
                    }
                </th>
                <td class="lab-value" data-label="Latest">{ lab_value_text(value) }</td>
                <td class="lab-range" data-label="Range">
                    { match reference_range.as_ref().and_then(range_words) {
                        Some(words) => html! { words },
                        None => html! { <span class="not-recorded">{ "Not given" }</span> },
                    } }
                </td>
                <td data-label="Flag"><span class={flag_class}>{ flag_words }</span></td>
                <td class="lab-taken" data-label="Taken">{ date_label_short(local_date(*taken_at), year) }</td>
                <td data-label="Previous">{ previous }</td>
            </tr>
            <tr class="lab-source-row">
                <td colspan={COLUMNS.to_string()}><SourceLine provenance={line.latest.provenance.clone()} /></td>
            </tr>
            if line.count > 1 {
                <tr class="lab-trend-row" id={id.clone()} hidden={!open}>
                    <td colspan={COLUMNS.to_string()}>
                        if open {
                            { trend_view(&id, &test.text, &lab_trend(entries, &test.key())) }
                        }
                    </td>
                </tr>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct LabResultsProps {
    pub entries: Entries,
}

/// The lab results section's content. One test's trend is open at a time.
#[component]
pub fn LabResults(props: &LabResultsProps) -> Html {
    // The open test, by its concept key, so it stays open when newer results arrive.
    let open = use_state(Option::<String>::default);
    let lines = recent_labs(&props.entries);
    if lines.is_empty() {
        return html! { <p class="not-recorded">{ "Not recorded" }</p> };
    }
    let rows = lines.iter().enumerate().map(|(i, line)| {
        let key = match &line.latest.body {
            EntryBody::LabResult { test, .. } => test.key(),
            _ => String::new(),
        };
        let is_open = open.as_deref() == Some(key.as_str());
        let toggle = {
            let open = open.clone();
            Callback::from(move |_: MouseEvent| {
                open.set(if is_open { None } else { Some(key.clone()) });
            })
        };
        lab_rows(i, line, is_open, toggle, &props.entries)
    });
    html! {
        <div class="table-wrap">
            <table class="labs">
                <caption class="visually-hidden">
                    { "Latest result of each test, most recent first. Tap a test to see its results over time." }
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Test" }</th>
                        <th scope="col">{ "Latest" }</th>
                        <th scope="col">{ "Range" }</th>
                        <th scope="col">{ "Flag" }</th>
                        <th scope="col">{ "Taken" }</th>
                        <th scope="col">{ "Previous" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for rows }
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::select::fixtures::day;

    fn line(d: u32, value: f64, flag: Option<AbnormalFlag>) -> ResultLine {
        ResultLine {
            date: day(2026, 11, d),
            value: format!("{value} mmol/L"),
            charted: Some(value),
            flag,
        }
    }

    #[test]
    fn the_chart_is_described_in_words() {
        let results = vec![
            line(1, 4.1, None),
            line(5, 5.9, Some(AbnormalFlag::High)),
            line(9, 6.2, Some(AbnormalFlag::High)),
        ];
        assert_eq!(
            trend_description("Potassium", &results, Some("mmol/L"), Some("3.5–5.3")),
            "3 results of Potassium, from 1 Nov 2026 to 9 Nov 2026. Latest 6.2 mmol/L, high. \
             Lowest 4.1 mmol/L, highest 6.2 mmol/L. 2 flagged by the lab. Reference range \
             3.5–5.3."
        );
        assert_eq!(
            trend_description("Potassium", &results[..1], Some("mmol/L"), None),
            "1 result of Potassium, on 1 Nov 2026. Latest 4.1 mmol/L."
        );
        assert_eq!(
            trend_description("Potassium", &[], None, None),
            "No results of Potassium."
        );
    }

    #[test]
    fn flagged_points_are_diamonds_around_the_point() {
        assert_eq!(diamond(10.0, 20.0, 5.0), "M10 15 L15 20 L10 25 L5 20 Z");
    }
}
