//! The app's routes and a small router of its own on the browser's History API.
//!
//! [`Route`] reads and writes every path the app has by hand ([`Route::parse`],
//! [`Route::to_path`]); [`Router`] keeps the current route, follows the browser's back and
//! forward buttons (`popstate`) and gives pages a [`Navigator`] through a context;
//! [`Link`] renders a real `<a href>` (so a middle click or "open in new tab" works) and
//! handles a plain left click itself. A general router crate cost the wasm about 23 KB
//! for the ten fixed routes the app has.

use gloo_events::EventListener;
use yew::prelude::*;

/// Every place in the app. The paths are part of what staff bookmark, and the server
/// answers each with `index.html`: keep them as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Route {
    /// `/`: the resident list.
    Home,
    /// `/residents/{id}`: a resident's summary.
    Resident { id: String },
    /// `/residents/{id}/documents/{doc}`: one of a resident's documents, on a page of its
    /// own for reading.
    Document { id: String, doc: String },
    /// `/residents/{id}/notes/new`: writing a care note for a resident.
    AddNote { id: String },
    /// `/residents/{id}/observations/new`: recording a set of observations for a resident.
    AddObservations { id: String },
    /// `/handover`: what was recorded on this shift, and what the server has not yet
    /// confirmed.
    Handover,
    /// `/tablet`: this tablet's name and idle time (managers).
    Tablet,
    /// `/access-log`: the home's access log (managers and administrators).
    AccessLog,
    /// `/devices`: the home's tablets, to revoke one (managers and administrators).
    Devices,
    /// Any other path (and `/not-found`).
    #[default]
    NotFound,
}

impl Route {
    /// The route for a path (the URL's path name, percent-encoded as the browser gives
    /// it). One trailing slash is ignored; an id is percent-decoded, and one that does not
    /// decode to UTF-8 is not found.
    pub fn parse(path: &str) -> Route {
        let path = path.strip_suffix('/').unwrap_or(path);
        let path = path.strip_prefix('/').unwrap_or(path);
        let mut parts = ["", "", "", "", ""];
        let mut n = 0;
        for part in path.split('/') {
            if n == parts.len() {
                return Route::NotFound;
            }
            parts[n] = part;
            n += 1;
        }
        let id = || decode(parts[1]);
        let route = match (n, parts) {
            (1, ["", ..]) => Some(Route::Home),
            (1, ["handover", ..]) => Some(Route::Handover),
            (1, ["tablet", ..]) => Some(Route::Tablet),
            (1, ["access-log", ..]) => Some(Route::AccessLog),
            (1, ["devices", ..]) => Some(Route::Devices),
            (2, ["residents", ..]) => id().map(|id| Route::Resident { id }),
            (4, ["residents", _, "documents", doc, _]) => id()
                .zip(decode(doc))
                .map(|(id, doc)| Route::Document { id, doc }),
            (4, ["residents", _, "notes", "new", _]) => id().map(|id| Route::AddNote { id }),
            (4, ["residents", _, "observations", "new", _]) => {
                id().map(|id| Route::AddObservations { id })
            }
            _ => None,
        };
        route.unwrap_or(Route::NotFound)
    }

    /// The path of this route, its ids percent-encoded.
    pub fn to_path(&self) -> String {
        let resident = |id: &str, rest: &str| format!("/residents/{}{rest}", encode(id));
        match self {
            Route::Home => "/".to_owned(),
            Route::Resident { id } => resident(id, ""),
            Route::Document { id, doc } => resident(id, &format!("/documents/{}", encode(doc))),
            Route::AddNote { id } => resident(id, "/notes/new"),
            Route::AddObservations { id } => resident(id, "/observations/new"),
            Route::Handover => "/handover".to_owned(),
            Route::Tablet => "/tablet".to_owned(),
            Route::AccessLog => "/access-log".to_owned(),
            Route::Devices => "/devices".to_owned(),
            Route::NotFound => "/not-found".to_owned(),
        }
    }
}

/// An id from a path segment: none when empty (a segment names something) or when its
/// percent-escapes do not make UTF-8. A `%` not followed by two hex digits stays as it is.
fn decode(segment: &str) -> Option<String> {
    if segment.is_empty() {
        return None;
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        match (byte, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make one byte.
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// An id for a path segment: every byte but ASCII letters, digits and `-._~` as `%XX`.
fn encode(id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(id.len());
    for &byte in id.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
    out
}

/// The current route, and going to another: what [`use_navigator`] gives.
#[derive(Clone, PartialEq)]
pub struct Navigator {
    pub route: Route,
    set: Callback<Route>,
    /// Kept in memory only (component tests), not in the browser's history.
    memory: bool,
}

impl Navigator {
    /// Goes to `to`, as a new entry in the browser's history.
    pub fn push(&self, to: &Route) {
        if !self.memory
            && let Some(history) = web_sys::window().and_then(|w| w.history().ok())
        {
            let _ =
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to.to_path()));
        }
        self.set.emit(to.clone());
    }
}

/// The navigator of the enclosing [`Router`], if there is one.
#[hook]
pub fn use_navigator() -> Option<Navigator> {
    use_context::<Navigator>()
}

#[derive(Properties, PartialEq)]
pub struct RouterProps {
    /// Start at this path and keep the route in memory, leaving the page's URL alone (for
    /// component tests); without it the router follows the browser's location.
    #[prop_or_default]
    pub path: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// Holds the current route for everything inside it.
pub struct Router {
    route: Route,
    set: Callback<Route>,
    /// Follows the back and forward buttons while the router lives.
    _popstate: Option<EventListener>,
}

/// The path the browser shows now.
fn location_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

impl Component for Router {
    /// The new route.
    type Message = Route;
    type Properties = RouterProps;

    fn create(ctx: &Context<Self>) -> Self {
        let set = ctx.link().callback(|route| route);
        let (route, popstate) = match &ctx.props().path {
            Some(path) => (Route::parse(path), None),
            None => {
                let set = set.clone();
                let popstate = web_sys::window().map(|window| {
                    EventListener::new(&window, "popstate", move |_| {
                        set.emit(Route::parse(&location_path()));
                    })
                });
                (Route::parse(&location_path()), popstate)
            }
        };
        Router {
            route,
            set,
            _popstate: popstate,
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, route: Route) -> bool {
        let changed = route != self.route;
        self.route = route;
        changed
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let navigator = Navigator {
            route: self.route.clone(),
            set: self.set.clone(),
            memory: ctx.props().path.is_some(),
        };
        html! {
            <ContextProvider<Navigator> context={navigator}>
                { ctx.props().children.clone() }
            </ContextProvider<Navigator>>
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct LinkProps {
    pub to: Route,
    #[prop_or_default]
    pub classes: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// A link to a route: a real `<a href>`, whose plain left click the router handles
/// without reloading the app. A click with a modifier key (new tab, new window,
/// download) is left to the browser.
#[component]
pub fn Link(props: &LinkProps) -> Html {
    let navigator = use_navigator();
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |e: MouseEvent| {
            let plain =
                e.button() == 0 && !(e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key());
            if plain && let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&to);
            }
        })
    };
    html! {
        <a class={props.classes.clone()} href={props.to.to_path()} {onclick}>
            { props.children.clone() }
        </a>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn id() -> String {
        "0b9f2c4e-6a1d-4e55-9a43-1c2d3e4f5a6b".to_owned()
    }

    #[test]
    fn every_route_reads_back_from_its_path() {
        let routes = [
            (Route::Home, "/".to_owned()),
            (Route::Resident { id: id() }, format!("/residents/{}", id())),
            (
                Route::Document {
                    id: id(),
                    doc: "00000000-0000-0000-0000-000000000007".into(),
                },
                format!(
                    "/residents/{}/documents/00000000-0000-0000-0000-000000000007",
                    id()
                ),
            ),
            (
                Route::AddNote { id: id() },
                format!("/residents/{}/notes/new", id()),
            ),
            (
                Route::AddObservations { id: id() },
                format!("/residents/{}/observations/new", id()),
            ),
            (Route::Handover, "/handover".to_owned()),
            (Route::Tablet, "/tablet".to_owned()),
            (Route::AccessLog, "/access-log".to_owned()),
            (Route::Devices, "/devices".to_owned()),
            (Route::NotFound, "/not-found".to_owned()),
        ];
        for (route, path) in routes {
            assert_eq!(route.to_path(), path);
            assert_eq!(Route::parse(&path), route, "{path}");
            // A trailing slash names the same place.
            if path != "/" {
                assert_eq!(Route::parse(&format!("{path}/")), route, "{path}/");
            }
        }
    }

    #[test]
    fn ids_are_percent_encoded_and_decoded() {
        let odd = Route::Document {
            id: "a b/c%é".into(),
            doc: "x?y#z".into(),
        };
        let path = odd.to_path();
        assert_eq!(path, "/residents/a%20b%2Fc%25%C3%A9/documents/x%3Fy%23z");
        assert_eq!(Route::parse(&path), odd);
        assert_eq!(
            Route::parse("/residents/-._~AZaz09"),
            Route::Resident {
                id: "-._~AZaz09".into()
            }
        );
        // Lower-case escapes read too; a `%` without two hex digits stays as written.
        assert_eq!(
            Route::parse("/residents/%c3%a9%zz%4"),
            Route::Resident {
                id: "é%zz%4".into()
            }
        );
        // Escapes that are not UTF-8 name nothing.
        assert_eq!(Route::parse("/residents/%FF"), Route::NotFound);
    }

    #[test]
    fn junk_paths_are_not_found() {
        for path in [
            "",
            "//",
            "/residents",
            "/residents/",
            "/residents//",
            "/residents//notes/new",
            "/residents/x/notes",
            "/residents/x/notes/old",
            "/residents/x/documents",
            "/residents/x/documents/",
            "/residents/x/documents//",
            "/residents/x/documents/y/z",
            "/residents/x/observations/new/more",
            "/residents/x/y/notes/new",
            "/handover/x",
            "/Handover",
            "/devices//",
            "/tablets",
            "/access_log",
            "/index.html",
            "/%2F",
            "residents/x/z",
        ] {
            let expected = match path {
                // As the router crate did: an empty path is the root, and "//" loses one
                // trailing slash, then the leading one.
                "" | "//" => Route::Home,
                _ => Route::NotFound,
            };
            assert_eq!(Route::parse(path), expected, "{path:?}");
        }
    }
}
