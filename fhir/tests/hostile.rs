//! No input makes the crate panic: odd JSON everywhere, garbage narrative, odd references.
//! (Nesting depth is the engine's limit; here every element Bedside reads gets every odd
//! value.)

mod common;

use std::time::Instant;

use bedside_fhir::inbound::{
    conditional_reference, interpret, interpret_document, panel_of, reference_of, reference_type,
};
use bedside_fhir::narrative::html_to_text;
use bedside_fhir::outbound::entry_resources;
use common::{ctx, demo, fixture};
use serde_json::{Value, json};

fn odd_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("   "),
        json!("x"),
        json!("2023-02-30"),
        json!("\u{0}\u{202e}<script>"),
        json!([]),
        json!([null]),
        json!([1, "a", {}]),
        json!({}),
        json!({"reference": 5, "coding": "x", "value": "y", "div": 3}),
    ]
}

/// Every path to an object member, up to a depth.
fn paths(v: &Value, prefix: Vec<PathPart>, depth: usize, out: &mut Vec<Vec<PathPart>>) {
    if depth == 0 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let mut p = prefix.clone();
                p.push(PathPart::Key(k.clone()));
                out.push(p.clone());
                paths(x, p, depth - 1, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate().take(2) {
                let mut p = prefix.clone();
                p.push(PathPart::Index(i));
                out.push(p.clone());
                paths(x, p, depth - 1, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn replace(v: &mut Value, path: &[PathPart], new: Value) {
    let mut cur = v;
    for (i, part) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let next = match part {
            PathPart::Key(k) => cur.get_mut(k),
            PathPart::Index(ix) => cur.get_mut(*ix),
        };
        let Some(next) = next else { return };
        if last {
            *next = new;
            return;
        }
        cur = next;
    }
}

fn samples() -> Vec<Value> {
    let mut out: Vec<Value> = [
        "UKCore-AllergyIntolerance-Amoxicillin-Example.json",
        "UKCore-CarePlan-WellnessPlan-Example.json",
        "UKCore-Composition-Discharge-Example.json",
        "UKCore-Condition-HipReplacement-Example.json",
        "UKCore-DiagnosticReport-Lab-DiagnosticStudiesReport-Example.json",
        "UKCore-Encounter-InpatientEncounter-Example.json",
        "UKCore-Flag-FoodAllergy-Example.json",
        "UKCore-MedicationRequest-Amoxicillin-Example.json",
        "UKCore-MedicationStatement-Amoxicillin-Example.json",
        "UKCore-Observation-Lab-WhiteCellCount-Example.json",
        "UKCore-Patient-RichardSmith-Example.json",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    // One exported resource of each kind from the demo (with its panel report).
    let mut kinds = Vec::new();
    for (_, entries) in demo().into_iter().take(30) {
        for e in entries {
            if !kinds.contains(&e.kind()) {
                kinds.push(e.kind());
                out.extend(entry_resources(&e, "Patient/p"));
            }
        }
    }
    out.push(json!({
        "resourceType": "DocumentReference", "status": "current", "subject": {"reference": "Patient/p"},
        "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERi0xLjQK", "title": "Letter"}},
                    {"attachment": {"contentType": "text/html; charset=iso-8859-1", "data": "PGI+aGk8L2I+"}},
                    {"attachment": {"url": "https://example.org/doc/1"}}],
    }));
    out
}

#[test]
fn odd_values_everywhere_never_panic() {
    let context = ctx();
    let start = Instant::now();
    let mut calls = 0usize;
    for sample in samples() {
        let mut all = Vec::new();
        paths(&sample, Vec::new(), 5, &mut all);
        for path in &all {
            for odd in odd_values() {
                let mut v = sample.clone();
                replace(&mut v, path, odd);
                // Either answer is fine; a panic fails the test.
                let _ = interpret(&v, &context);
                calls += 1;
            }
        }
    }
    assert!(calls > 5_000, "{calls}");
    eprintln!("{calls} odd resources in {:?}", start.elapsed());
}

#[test]
fn odd_whole_inputs() {
    let context = ctx();
    let cases = vec![
        json!(null),
        json!(true),
        json!(1),
        json!("Patient"),
        json!([]),
        json!({"resourceType": ""}),
        json!({"resourceType": "\u{0}"}),
        json!({"resourceType": "Bundle", "type": "document"}),
        json!({"resourceType": "Bundle", "type": "document", "entry": "x"}),
        json!({"resourceType": "Bundle", "type": "document", "entry": [null, 1, {"resource": "x"}]}),
        json!({"resourceType": "Bundle", "type": "document", "entry": [{"resource": {"resourceType": "Composition", "section": [{"section": [{"section": "x"}]}]}}]}),
        json!({"resourceType": "Observation", "status": ["final"], "code": {"coding": "x"}}),
        json!({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/1"}, "valueQuantity": {"value": 1e308, "comparator": "<"}, "effectiveDateTime": "9999-12-31T23:59:59.999999999999+14:00"}),
        json!({"resourceType": "Patient", "name": [{"use": "official"}, {"use": "nickname", "given": [""]}], "birthDate": "0001-01-01"}),
        json!({"resourceType": "Patient", "name": [{"text": "   "}]}),
        json!({"resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": {"reference": "Patient/1"}, "title": "DNACPR", "goal": [{"reference": "#"}], "contained": "x"}),
        json!({"resourceType": "Consent", "status": "active", "scope": {}, "category": [{}], "patient": {"reference": "Patient/1"}, "provision": {"provision": [{"provision": [{"provision": [{"provision": [{"provision": [{"type": "deny"}]}]}]}]}]}}),
    ];
    for v in &cases {
        let _ = interpret(v, &context);
        let _ = interpret_document(v, &context);
        let _ = panel_of(v);
        let _ = reference_of(v);
    }
    // Sections nested far deeper than anyone writes.
    let mut section = json!({"title": "leaf", "text": {"div": "<div>x</div>"}});
    for i in 0..200 {
        section = json!({"title": format!("level {i}"), "section": [section]});
    }
    let deep = json!({
        "resourceType": "Composition", "status": "final", "type": {"text": "x"},
        "subject": {"reference": "Patient/1"}, "date": "2024-01-01", "author": [{"display": "A"}],
        "title": "Deep", "section": [section],
    });
    assert!(interpret(&deep, &context).is_ok());
}

#[test]
fn odd_references_and_narrative() {
    for r in [
        "",
        "/",
        "//",
        "Patient/",
        "/Patient",
        "Patient?",
        "?identifier=x|y",
        "Patient?identifier=",
        "Patient?identifier=|",
        "Patient?identifier=%",
        "Patient?identifier=%E2%28",
        "urn:uuid:",
        "#",
        "http://",
        "Patient/1/_history/",
        "ﬁ/ﬁ",
        "Patient?identifier=a|b&name=c",
    ] {
        let _ = reference_type(r);
        let _ = conditional_reference(r);
    }
    for html in [
        "<",
        ">",
        "<<<>>>",
        "&",
        "&#",
        "&#x;",
        "&#xFFFFFFFF;",
        "&#55296;",
        "&#99999999999999999999;",
        "<!--",
        "<![CDATA[",
        "<table><td>a<td>b",
        "</p></p></div>",
        "<br/><br/><br/>",
        "<li>",
        "<ol><li>a<ol><li>b",
        "<script>",
        "<p title=\"unterminated>text",
        "\u{0}<p>\u{0}</p>",
        "<a href='x'>link</a>",
        "<tr><td></td></tr>",
        "ÿ<ÿ>ÿ",
        "<pre>\r\n</pre>",
    ] {
        let text = html_to_text(html);
        assert!(
            !text.contains("<p") && !text.contains("<td"),
            "{html}: {text}"
        );
    }
    let long = "<ul>".repeat(10_000) + &"<li>x</li>".repeat(10_000);
    assert!(html_to_text(&long).contains("• x"));
}

#[test]
fn thousands_of_resources_interpret_quickly() {
    let resources: Vec<Value> = demo()
        .into_iter()
        .take(30)
        .flat_map(|(_, entries)| {
            entries
                .into_iter()
                .flat_map(|e| entry_resources(&e, "Patient/p"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(resources.len() > 3_000, "{}", resources.len());
    let context = ctx();
    let start = Instant::now();
    for r in &resources {
        interpret(r, &context).expect("valid");
    }
    let took = start.elapsed();
    eprintln!("{} resources interpreted in {took:?}", resources.len());
    // The budget is well under a second in release; debug builds are several times slower.
    let budget_ms = if cfg!(debug_assertions) { 5_000 } else { 500 };
    assert!(took.as_millis() < budget_ms, "{took:?}");
}
