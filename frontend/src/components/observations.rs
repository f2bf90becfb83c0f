//! The observation set's fields and its NEWS2 as the readings come in: used to record a
//! set and to amend one. The parent keeps what was typed ([`ObsInput`]) and saves.

use bedside_domain::news2::{AirOrOxygen, Consciousness, Spo2Scale};
use yew::prelude::*;

use crate::components::fields::{Choices, TextField};
use crate::recording::{ObsInput, Param, check, is_alert, news2_text, scale_text};

#[derive(Properties, PartialEq)]
pub struct ObsFieldsProps {
    pub input: ObsInput,
    pub scale: Spo2Scale,
    pub on_input: Callback<ObsInput>,
    /// Saving was tried: every refused or missing reading says so.
    pub show_all_errors: bool,
}

const AIR: [AirOrOxygen; 2] = [AirOrOxygen::Air, AirOrOxygen::Oxygen];
const ACVPU: [Consciousness; 5] = [
    Consciousness::Alert,
    Consciousness::NewConfusion,
    Consciousness::Voice,
    Consciousness::Pain,
    Consciousness::Unresponsive,
];

/// ACVPU's five options as the chart's letters name them: short, for big one-tap choices.
const ACVPU_LABELS: [&str; 5] = ["Alert", "New confusion", "Voice", "Pain", "Unresponsive"];

/// The id to focus for a parameter's field (a choice's first option).
pub fn field_id(p: Param) -> String {
    match p {
        Param::AirOrOxygen | Param::Consciousness => format!("{}-0", p.id()),
        _ => p.id().to_owned(),
    }
}

/// "Scores 3": a reading's part of the total, in words.
fn score_badge(score: Option<u8>) -> Option<Html> {
    score.map(|s| {
        html! {
            <span class={classes!("param-score", (s == 3).then_some("param-score-3"))}>
                { format!("Scores {s}") }
            </span>
        }
    })
}

#[component]
pub fn ObsFields(props: &ObsFieldsProps) -> Html {
    let touched = use_state(|| [false; 7]);
    let c = check(&props.input, props.scale);

    let error = |i: usize, p: Param| -> Option<AttrValue> {
        if let Some(m) = c.readings[i].message()
            && (props.show_all_errors || touched[i])
        {
            return Some(AttrValue::from(m.to_owned()));
        }
        (props.show_all_errors && c.readings[i].good().is_none())
            .then(|| AttrValue::from(missing_text(p)))
    };

    let fields = Param::ALL.into_iter().enumerate().map(|(i, p)| {
        let aside = score_badge(c.scores[i]);
        let err = error(i, p);
        match p {
            Param::AirOrOxygen | Param::Consciousness => {
                let on_choose = {
                    let input = props.input.clone();
                    let on_input = props.on_input.clone();
                    Callback::from(move |n: usize| {
                        let mut next = input.clone();
                        if p == Param::AirOrOxygen {
                            next.air = AIR.get(n).copied();
                        } else {
                            next.consciousness = ACVPU.get(n).copied();
                        }
                        on_input.emit(next);
                    })
                };
                let (options, selected) = if p == Param::AirOrOxygen {
                    (
                        vec!["Air", "Oxygen"],
                        props
                            .input
                            .air
                            .and_then(|a| AIR.iter().position(|x| *x == a)),
                    )
                } else {
                    (
                        ACVPU_LABELS.to_vec(),
                        props
                            .input
                            .consciousness
                            .and_then(|a| ACVPU.iter().position(|x| *x == a)),
                    )
                };
                html! {
                    <Choices name={p.id()} legend={p.label()} {options} {selected} {on_choose}
                        error={err} {aside} />
                }
            }
            _ => {
                let on_input = {
                    let input = props.input.clone();
                    let on_input = props.on_input.clone();
                    Callback::from(move |text: String| {
                        let mut next = input.clone();
                        next.set_text(p, text);
                        on_input.emit(next);
                    })
                };
                let on_change = {
                    let touched = touched.clone();
                    Callback::from(move |()| {
                        let mut t = *touched;
                        t[i] = true;
                        touched.set(t);
                    })
                };
                // The label is the parameter's name alone (what staff and tests look
                // for); the unit, and for SpO2 the resident's scale, is its hint.
                let (unit, mode) = match p {
                    Param::Respiration => ("Breaths per minute", "numeric"),
                    Param::Spo2 => ("", "numeric"),
                    Param::Systolic => ("mmHg", "numeric"),
                    Param::Pulse => ("Beats per minute", "numeric"),
                    _ => ("°C, one decimal place", "decimal"),
                };
                let hint = if p == Param::Spo2 {
                    format!("%, on {}", scale_text(props.scale))
                } else {
                    unit.to_owned()
                };
                html! {
                    <TextField id={p.id()} label={p.label()}
                        value={props.input.text(p).to_owned()} {on_input} {on_change}
                        inputmode={mode} error={err} hint={AttrValue::from(hint)} {aside} />
                }
            }
        }
    });

    html! {
        <>
            { for fields }
            { news2_panel(c.score, c.entered()) }
        </>
    }
}

fn missing_text(p: Param) -> String {
    match p {
        Param::AirOrOxygen => "Choose air or oxygen".to_owned(),
        Param::Consciousness => "Choose how alert the resident is".to_owned(),
        _ => format!("Enter the {}", p.label().to_ascii_lowercase()),
    }
}

/// The total and the advice, as soon as every reading is in. Urgent and emergency advice
/// (and a single score of 3) is an alert: announced as it appears, marked in words and
/// by its look.
/// (A function, not a component: it has no state of its own.)
fn news2_panel(total: Option<bedside_domain::news2::Score>, entered: usize) -> Html {
    let body = match total {
        Some(score) => {
            let response = score.response();
            let alert = is_alert(response);
            let advice = html! {
                <p class={classes!("news2-advice", if alert { "news2-alert" } else { "news2-calm" })}
                    data-testid="news2-advice">
                    if alert {
                        <strong>{ "Act now. " }</strong>
                    }
                    { response.advice() }
                </p>
            };
            html! {
                <>
                    <p class="news2-total" data-testid="news2-total">
                        { news2_text(&score) }
                    </p>
                    // A new element each time the advice changes, so it is announced.
                    if alert {
                        <div role="alert" key={format!("alert-{}", score.total)}>{ advice }</div>
                    } else {
                        <div role="status" key="status">{ advice }</div>
                    }
                </>
            }
        }
        None => html! {
            <p class="news2-total news2-pending" data-testid="news2-total">
                { format!("The NEWS2 total appears when all 7 readings are entered ({} of 7 so far).", entered) }
            </p>
        },
    };
    html! {
        <section class="news2-panel" aria-labelledby="news2-heading">
            <h3 id="news2-heading">{ "NEWS2" }</h3>
            { body }
        </section>
    }
}
