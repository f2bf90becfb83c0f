//! Form fields every recording screen shares: a text field (one line or several) and a
//! group of big one-tap choices. Each has a visible label, its hint and its error tied to
//! it with `aria-describedby`, and `aria-invalid` while it holds something that cannot be
//! saved. One component of each, whatever the form, keeps one copy of them in the wasm.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The ids of a field's hint and error, for `aria-describedby`.
fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    match (hint, error) {
        (false, false) => None,
        (true, false) => Some(format!("{id}-hint")),
        (false, true) => Some(format!("{id}-error")),
        (true, true) => Some(format!("{id}-hint {id}-error")),
    }
}

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    /// Each keystroke, with the field's whole text.
    pub on_input: Callback<String>,
    /// When staff leave the field having changed it.
    #[prop_or_default]
    pub on_change: Callback<()>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// `numeric` or `decimal` for readings: the tablet shows its number keypad.
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    /// The input's type (`text` unless given, e.g. `date`).
    #[prop_or_default]
    pub kind: Option<AttrValue>,
    /// A text area of this many rows instead of one line.
    #[prop_or_default]
    pub rows: Option<u32>,
    /// Shown beside the label (a reading's NEWS2 score).
    #[prop_or_default]
    pub aside: Option<Html>,
    #[prop_or_default]
    pub readonly: bool,
}

#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let id = props.id.clone();
    let oninput = props.on_input.reform(|e: InputEvent| {
        // Inputs and text areas both have `value`; the cast only names the property.
        e.target_unchecked_into::<HtmlInputElement>().value()
    });
    let onchange = props.on_change.reform(|_: Event| ());
    let describedby = described_by(&id, props.hint.is_some(), props.error.is_some());
    let invalid = props.error.as_ref().map(|_| "true");
    let control = match props.rows {
        Some(rows) => html! {
            <textarea id={id.clone()} name={id.clone()} rows={rows.to_string()}
                value={props.value.clone()} {oninput} {onchange}
                aria-describedby={describedby} aria-invalid={invalid}
                readonly={props.readonly} />
        },
        None => html! {
            <input id={id.clone()} name={id.clone()}
                type={props.kind.clone().unwrap_or(AttrValue::Static("text"))}
                value={props.value.clone()} inputmode={props.inputmode.clone()}
                autocomplete="off" {oninput} {onchange}
                aria-describedby={describedby} aria-invalid={invalid}
                readonly={props.readonly} />
        },
    };
    html! {
        <div class={classes!("field", props.error.as_ref().map(|_| "field-invalid"))}>
            <div class="field-label-row">
                <label for={id.clone()}>{ props.label.clone() }</label>
                if let Some(aside) = &props.aside {
                    { aside.clone() }
                }
            </div>
            if let Some(hint) = &props.hint {
                <p class="hint" id={format!("{id}-hint")}>{ hint.clone() }</p>
            }
            if let Some(error) = &props.error {
                <p class="field-error" id={format!("{id}-error")}>
                    <span class="visually-hidden">{ "Error: " }</span>{ error.clone() }
                </p>
            }
            { control }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChoicesProps {
    /// The radio group's name; each option's id is this and its number.
    pub name: AttrValue,
    pub legend: AttrValue,
    pub options: Vec<&'static str>,
    pub selected: Option<usize>,
    pub on_choose: Callback<usize>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Shown beside the legend (a reading's NEWS2 score).
    #[prop_or_default]
    pub aside: Option<Html>,
}

/// One tap chooses: radio buttons drawn as large buttons, the chosen one marked with a
/// tick as well as its colour.
#[component]
pub fn Choices(props: &ChoicesProps) -> Html {
    let name = &props.name;
    let describedby = described_by(name, props.hint.is_some(), props.error.is_some());
    let invalid = props.error.as_ref().map(|_| "true");
    html! {
        <fieldset class={classes!("field", "choices", props.error.as_ref().map(|_| "field-invalid"))}
            id={name.clone()}>
            <legend>
                { props.legend.clone() }
                if let Some(aside) = &props.aside {
                    { aside.clone() }
                }
            </legend>
            if let Some(hint) = &props.hint {
                <p class="hint" id={format!("{name}-hint")}>{ hint.clone() }</p>
            }
            if let Some(error) = &props.error {
                <p class="field-error" id={format!("{name}-error")}>
                    <span class="visually-hidden">{ "Error: " }</span>{ error.clone() }
                </p>
            }
            <div class="choice-list">
                { for props.options.iter().enumerate().map(|(i, label)| {
                    let id = format!("{name}-{i}");
                    let onchange = props.on_choose.reform(move |_: Event| i);
                    html! {
                        <div class="choice">
                            <input type="radio" class="choice-input" id={id.clone()} name={name.clone()}
                                checked={props.selected == Some(i)} {onchange}
                                aria-describedby={describedby.clone()} aria-invalid={invalid} />
                            <label for={id} class="choice-label">{ *label }</label>
                        </div>
                    }
                }) }
            </div>
        </fieldset>
    }
}

/// Moves the focus to the element with this id (the first field to fix, say).
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
