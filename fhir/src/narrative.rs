//! Narrative: XHTML (a FHIR `text.div`, an HTML attachment) turned into plain text people
//! can read on a tablet, and plain text turned into XHTML for export.
//!
//! The reader is a small tolerant tokenizer, not an HTML parser: senders' narratives are
//! XHTML in theory and anything in practice, and all we need is the words in reading order
//! with the structure that helps: paragraphs, line breaks, list items ("• item") and table
//! rows ("cell — cell"). Markup never survives; scripts and styles are dropped with their
//! content; entities are decoded.

/// Block elements that end a paragraph (a blank line before and after).
const PARAGRAPHS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "pre",
    "hr",
];
/// Block elements that end a line.
const LINES: &[&str] = &[
    "div",
    "tr",
    "li",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "address",
    "figure",
    "figcaption",
    "nav",
    "main",
    "aside",
];
/// Elements whose content is never text for people.
const SKIPPED: &[&str] = &[
    "script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg", "math",
];

struct Writer {
    out: String,
    /// Newlines owed before the next text (1: a line break, 2: a blank line).
    pending_break: usize,
    pending_space: bool,
    /// Inside `<pre>`: whitespace is kept.
    pre: usize,
    /// Lists being written: `None` for bullets, `Some(n)` for the next number.
    lists: Vec<Option<u32>>,
    /// In a table cell: paragraph breaks inside become line breaks, and breaks before the
    /// cell's first words are dropped so the row reads "label — value".
    in_cell: usize,
    cell_started: bool,
    /// Cells seen in the current row.
    cells: usize,
    /// Text to write before the next words (a bullet, a cell separator).
    prefix: Option<String>,
}

impl Writer {
    fn new() -> Self {
        Self {
            out: String::new(),
            pending_break: 0,
            pending_space: false,
            pre: 0,
            lists: Vec::new(),
            in_cell: 0,
            cell_started: false,
            cells: 0,
            prefix: None,
        }
    }

    fn request_break(&mut self, n: usize) {
        if self.in_cell > 0 {
            if !self.cell_started {
                return;
            }
            self.pending_break = self.pending_break.max(1);
        } else {
            self.pending_break = self.pending_break.max(n);
        }
        self.pending_space = false;
    }

    /// `<br>`: a line break even when one is already owed.
    fn hard_break(&mut self) {
        if self.out.is_empty() && self.prefix.is_none() {
            return;
        }
        self.flush_prefix();
        self.trim_trailing_spaces();
        self.out.push('\n');
        self.pending_break = 0;
        self.pending_space = false;
    }

    fn trim_trailing_spaces(&mut self) {
        while self.out.ends_with(' ') || self.out.ends_with('\t') {
            self.out.pop();
        }
    }

    fn flush_breaks(&mut self) {
        if self.pending_break > 0 && !self.out.is_empty() {
            self.trim_trailing_spaces();
            let have = self.out.chars().rev().take_while(|c| *c == '\n').count();
            for _ in have..self.pending_break {
                self.out.push('\n');
            }
        }
        self.pending_break = 0;
    }

    fn flush_prefix(&mut self) {
        if let Some(p) = self.prefix.take() {
            self.flush_breaks();
            self.out.push_str(&p);
            self.pending_space = false;
        }
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn push_char(&mut self, c: char) {
        self.flush_breaks();
        self.flush_prefix();
        if self.pending_space && !self.at_line_start() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push(c);
        if self.in_cell > 0 {
            self.cell_started = true;
        }
    }

    fn text(&mut self, s: &str) {
        if self.pre > 0 {
            for c in s.chars() {
                if c == '\n' {
                    self.hard_break();
                } else if c != '\r' {
                    self.push_char(c);
                }
            }
            return;
        }
        for c in s.chars() {
            // A non-breaking space is a space to the reader too.
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                self.push_char(c);
            }
        }
    }

    fn open(&mut self, name: &str, attrs: &str) {
        match name {
            "br" => self.hard_break(),
            "ul" => {
                self.request_break(2);
                self.lists.push(None);
            }
            "ol" => {
                self.request_break(2);
                self.lists.push(Some(1));
            }
            "li" => {
                self.request_break(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                self.prefix = Some(marker);
            }
            "pre" => {
                self.request_break(2);
                self.pre += 1;
            }
            "tr" => {
                self.request_break(1);
                self.cells = 0;
            }
            "td" | "th" => {
                if self.cells > 0 {
                    // The row goes on: breaks owed by the previous cell's paragraphs
                    // are not line breaks of the row.
                    self.pending_break = 0;
                    self.pending_space = false;
                    self.prefix = Some(match self.prefix.take() {
                        Some(p) => format!("{p} — "),
                        None => " — ".to_owned(),
                    });
                }
                self.cells += 1;
                self.in_cell += 1;
                self.cell_started = false;
            }
            "img" => {
                if let Some(alt) = attribute(attrs, "alt").filter(|a| !a.trim().is_empty()) {
                    self.text(&format!("[{}]", decode_entities(&alt)));
                }
            }
            _ if PARAGRAPHS.contains(&name) => self.request_break(2),
            _ if LINES.contains(&name) => self.request_break(1),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "ul" | "ol" => {
                self.lists.pop();
                self.request_break(2);
            }
            "pre" => {
                self.pre = self.pre.saturating_sub(1);
                self.request_break(2);
            }
            "td" | "th" => {
                self.in_cell = self.in_cell.saturating_sub(1);
                // A cell with nothing in it still separates the row's cells.
                self.pending_space = false;
            }
            "tr" => {
                // A row of empty cells leaves no dangling separator.
                if self.prefix.as_deref().is_some_and(|p| p.trim() == "—") {
                    self.prefix = None;
                }
                self.request_break(1);
            }
            _ if PARAGRAPHS.contains(&name) => self.request_break(2),
            _ if LINES.contains(&name) => self.request_break(1),
            _ => {}
        }
    }

    fn finish(self) -> String {
        let mut lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let mut text = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in lines {
            if line.is_empty() {
                blank += 1;
                // Never more than one blank line in a row.
                if blank > 1 || text.is_empty() {
                    continue;
                }
            } else {
                blank = 0;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line);
        }
        text
    }
}

/// Finds `name="value"` (or single-quoted, or bare) in a tag's attribute text.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let start = from + pos;
        let before_ok = start == 0
            || lower[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace);
        let rest = attrs[start + name.len()..].trim_start();
        if before_ok && let Some(rest) = rest.strip_prefix('=') {
            let rest = rest.trim_start();
            return Some(match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or("").to_owned(),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            });
        }
        from = start + name.len();
    }
    None
}

/// Converts XHTML or HTML to readable plain text (see the module docs). Never fails:
/// whatever is not markup is text.
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::new();
    let mut rest = html;
    // The element whose content is being skipped, and how deeply it is nested.
    let mut skipping: Option<(String, usize)> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                w.text(&decode_entities(rest));
            }
            break;
        };
        if lt > 0 && skipping.is_none() {
            w.text(&decode_entities(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let (inner, next) = match after.find("]]>") {
                Some(end) => (&after[..end], &after[end + 3..]),
                None => (after, ""),
            };
            if skipping.is_none() {
                w.text(inner);
            }
            rest = next;
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let after = &rest[1..];
        let closing = after.starts_with('/');
        let name_src = if closing { &after[1..] } else { after };
        let name_len = name_src
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_'))
            .unwrap_or(name_src.len());
        if name_len == 0 || !name_src.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A lone '<' ("a < b") is text.
            if skipping.is_none() {
                w.text("<");
            }
            rest = after;
            continue;
        }
        let Some(gt) = find_tag_end(rest) else {
            // An unterminated tag: the rest is not text anyone wrote.
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let raw_name = &name_src[..name_len];
        // Namespace prefixes (xhtml:p) do not change the element.
        let name = raw_name
            .rsplit(':')
            .next()
            .unwrap_or(raw_name)
            .to_ascii_lowercase();
        let self_closing = tag.ends_with('/');
        if let Some((skip, depth)) = &mut skipping {
            if *skip == name {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else if !self_closing {
                    *depth += 1;
                }
            }
            continue;
        }
        if closing {
            w.close(&name);
        } else if SKIPPED.contains(&name.as_str()) {
            if !self_closing {
                skipping = Some((name, 1));
            }
        } else {
            let attrs = tag.get(1 + name_len..).unwrap_or("");
            w.open(&name, attrs);
            if self_closing {
                w.close(&name);
            }
        }
    }
    w.finish()
}

/// The end of a tag that starts at `s[0] == '<'`, skipping `>` inside quoted attributes.
fn find_tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Decodes character references: numeric ones and the named entities senders use.
/// Unknown names are left as they are.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .char_indices()
            .take(32)
            .find(|(_, c)| *c == ';' || c.is_whitespace() || *c == '&')
            .filter(|(_, c)| *c == ';')
            .map(|(i, _)| i + 1);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(char::from_u32(code).unwrap_or('\u{fffd}'));
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "pound" => '£',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "plusmn" => '±',
        "times" => '×',
        "divide" => '÷',
        "micro" => 'µ',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "sup2" => '²',
        "sup3" => '³',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "auml" => 'ä',
        "ccedil" => 'ç',
        "shy" => '\u{ad}',
        _ => return None,
    })
}

/// Escapes text for XHTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Wraps XHTML content in the narrative `div` FHIR requires.
pub(crate) fn div(inner: &str) -> String {
    format!("<div xmlns=\"{XHTML_NS}\">{inner}</div>")
}

/// Plain text (paragraphs separated by blank lines, lines by newlines) as a narrative
/// `div`: each paragraph a `<p>`, each line break a `<br/>`. [`html_to_text`] gives the
/// text back.
pub(crate) fn text_to_xhtml(text: &str) -> String {
    let mut inner = String::new();
    for para in split_paragraphs(text) {
        inner.push_str("<p>");
        for (i, line) in para.split('\n').enumerate() {
            if i > 0 {
                inner.push_str("<br/>");
            }
            inner.push_str(&escape(line));
        }
        inner.push_str("</p>");
    }
    div(&inner)
}

fn split_paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_lists_and_breaks() {
        let cases: Vec<(&str, &str)> = vec![
            ("<div>Hello <b>world</b></div>", "Hello world"),
            ("<p>One</p><p>Two</p>", "One\n\nTwo"),
            (
                "Line one<br/>Line two<br>Line three",
                "Line one\nLine two\nLine three",
            ),
            ("<ul><li>Tea</li><li>Toast</li></ul>", "• Tea\n• Toast"),
            (
                "<ol><li>First</li><li>Second</li></ol>",
                "1. First\n2. Second",
            ),
            (
                "<table><tr><th>Causative agent</th><td>Penicillin</td></tr><tr><th>Severity</th><td>Mild</td></tr></table>",
                "Causative agent — Penicillin\nSeverity — Mild",
            ),
            (
                "<table><tr><th>Name</th><td><p>Prefix: Dr</p><p>Family Name: Abacus</p></td></tr></table>",
                "Name — Prefix: Dr\nFamily Name: Abacus",
            ),
            (
                "A &amp; B &lt;3 &#163;5 &#x2014; &nbsp;x &bogus; &",
                "A & B <3 £5 — x &bogus; &",
            ),
            ("<script>alert('x')</script><style>p{}</style>Safe", "Safe"),
            ("<!-- hidden -->Shown<![CDATA[ & raw]]>", "Shown & raw"),
            ("<pre>a  b\n  c</pre>", "a  b\n  c"),
            ("a < b and c > d", "a < b and c > d"),
            ("<p>Unclosed <b", "Unclosed"),
            ("<img alt=\"x-ray\"/> seen", "[x-ray] seen"),
            ("<p title='a > b'>Quoted</p>", "Quoted"),
            (
                "<div><div><p>Deep</p></div></div><p></p><p>After</p>",
                "Deep\n\nAfter",
            ),
            ("<xhtml:p>Prefixed</xhtml:p>", "Prefixed"),
            ("<table><tr><td></td><td></td></tr></table>Next", "Next"),
        ];
        for (html, want) in cases {
            assert_eq!(html_to_text(html), want, "{html}");
        }
    }

    #[test]
    fn text_round_trips_through_xhtml() {
        let text = "Primary: AKI\nSecondary: UTI & <dehydration>\n\nAll other medicines unchanged.";
        let x = text_to_xhtml(text);
        assert!(x.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>"));
        assert!(!x.contains("<dehydration>"));
        assert_eq!(html_to_text(&x), text);
    }
}
