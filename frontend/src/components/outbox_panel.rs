//! What this tablet has written that has not reached the server, and anything the server
//! refused with its reason: opened from the header's "waiting to send" count.

use bedside_domain::PersonId;
use bedside_domain::sync::plan::{ItemState, OutboxItem, OutboxState};
use bedside_domain::sync::wire::MutationOp;
use yew::prelude::*;

use crate::clock::local_hhmm;
use crate::present::{item_state_class, item_state_text, mutation_kind_text};
use crate::state::{AppState, use_app};

#[derive(Properties, PartialEq)]
pub struct OutboxPanelProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn OutboxPanel(props: &OutboxPanelProps) -> Html {
    let app = use_app();
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let send = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.refresh())
    };

    let waiting: Vec<Html> = app
        .outbox
        .waiting_items()
        .map(|(item, state)| line(&app, item, &state))
        .collect();
    let rejected: Vec<Html> = app
        .outbox
        .rejected()
        .into_iter()
        .map(|(item, reason)| line(&app, item, &ItemState::Rejected(reason)))
        .collect();

    let any_waiting = !waiting.is_empty();
    html! {
        <section id="outbox-panel" class="outbox-panel" data-testid="outbox-panel"
            aria-labelledby="outbox-panel-heading">
            <div class="outbox-panel-head">
                <h2 id="outbox-panel-heading">{ "Waiting to send" }</h2>
                <button type="button" class="button button-secondary" onclick={close}>
                    { "Close" }
                </button>
            </div>
            if !any_waiting {
                <p>{ "Everything recorded on this tablet has reached the server." }</p>
            } else {
                <ul class="outbox-list" aria-label="Waiting to send">{ for waiting }</ul>
                <p class="outbox-note">
                    { "These are saved on this tablet and are sent by themselves when the \
                       network allows." }
                </p>
            }
            if let Some(error) = &app.sync.last_error {
                <p class="outbox-note">{ format!("Last attempt: {error}.") }</p>
            }
            if !rejected.is_empty() {
                <h3>{ "Not accepted by the server" }</h3>
                <ul class="outbox-list" aria-label="Not accepted by the server">{ for rejected }</ul>
                <p class="outbox-note">
                    { "These will not be added to the record. Record them again if needed, \
                       or tell a senior." }
                </p>
            }
            if app.online && any_waiting {
                <button type="button" class="button" onclick={send} disabled={app.sync.running}>
                    { if app.sync.running { "Sending…" } else { "Send now" } }
                </button>
            }
        </section>
    }
}

/// "Care note for Ada Testperson, written 09:41: Waiting to send (tried twice)". The
/// handover lists the same lines.
pub fn line(app: &AppState, item: &OutboxItem, state: &ItemState) -> Html {
    let m = &item.mutation;
    let who = person_of(&m.op)
        .and_then(|p| {
            app.residents
                .iter()
                .find(|r| r.stored.resident.id == p)
                .map(|r| r.stored.resident.name.full())
        })
        .map(|name| format!(" for {name}"))
        .unwrap_or_default();
    let tries = match &item.state {
        OutboxState::Waiting { attempts, .. } if *attempts > 0 => match attempts {
            1 => " (tried once)".to_owned(),
            2 => " (tried twice)".to_owned(),
            n => format!(" (tried {n} times)"),
        },
        _ => String::new(),
    };
    html! {
        <li class="outbox-item">
            <span class="outbox-what">
                { format!("{}{who}, written {}", mutation_kind_text(&m.op), local_hhmm(m.created_at)) }
            </span>
            <span class={item_state_class(state)}>{ format!("{}{tries}", item_state_text(state)) }</span>
        </li>
    }
}

/// The resident a mutation is about, when it says so itself.
fn person_of(op: &MutationOp) -> Option<PersonId> {
    match op {
        MutationOp::AddNote { person_id, .. }
        | MutationOp::AddObservations { person_id, .. }
        | MutationOp::EditSection { person_id, .. } => Some(*person_id),
        MutationOp::Correct { .. } | MutationOp::ResolveSection { .. } => None,
    }
}
