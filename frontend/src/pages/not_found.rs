//! Any address the app does not know.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::hooks::use_title;

#[component]
pub fn NotFoundPage() -> Html {
    use_title("Page not found");
    html! {
        <main id="main" class="page page-centred">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is no page at this address in Bedside." }</p>
            <p>
                <Link<Route> to={Route::Home} classes="button">{ "Go to the resident list" }</Link<Route>>
            </p>
        </main>
    }
}
