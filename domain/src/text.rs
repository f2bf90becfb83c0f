//! Comparing people's words without regard to case.
//!
//! Names of medicines, tests and substances are matched and ordered without case
//! ("Paracetamol" and "PARACETAMOL" are the same medicine). Rust's `to_lowercase`
//! would do it for every script, but it brings a 12 KB Unicode case table into the
//! tablet's wasm, which has a size budget. [`fold_case`] covers the Latin letters of
//! Unicode's first 384 code points (English and the accented letters of the European
//! languages written in Latin script: é, Ö, Ł, Ş, Ž, …) exactly as `to_lowercase`
//! does, and leaves every other character as written.
//!
//! Leaving a character as written can only keep two spellings apart, never join two
//! different words, so for a "same thing" key the failure is a missed match (a medicine
//! shown as not yet supplied), never a wrong one.

/// `text` with the letters of U+0000 to U+017F in lower case, as `str::to_lowercase`
/// gives them; every other character unchanged.
pub fn fold_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Its lower case is two characters: i and a combining dot above.
            '\u{130}' => out.push_str("i\u{307}"),
            _ => out.push(lower(c)),
        }
    }
    out
}

/// The lower case of one character of U+0000 to U+017F other than U+0130; any other
/// character unchanged.
fn lower(c: char) -> char {
    let n = u32::from(c);
    let even = n % 2 == 0;
    let lowered = match n {
        // A-Z, and À to Þ except × (U+00D7).
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => n + 0x20,
        // Latin Extended-A pairs capital and small letter, the capital first; the
        // pairs start on an even code point in these runs and on an odd one in the
        // others. ı (U+0131), ĸ (U+0138), ŉ (U+0149) and ſ (U+017F) have no capital
        // form of their own and fall between the runs.
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if even => n + 1,
        0x139..=0x148 | 0x179..=0x17E if !even => n + 1,
        // Ÿ pairs with ÿ in Latin-1.
        0x178 => 0xFF,
        _ => n,
    };
    char::from_u32(lowered).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_the_first_384_code_points_as_rust_does() {
        for c in '\0'..='\u{17F}' {
            let s = c.to_string();
            assert_eq!(fold_case(&s), s.to_lowercase(), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn leaves_every_later_character_as_written() {
        for c in '\u{180}'..=char::MAX {
            let s = c.to_string();
            assert_eq!(fold_case(&s), s, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn lowers_words() {
        assert_eq!(fold_case("PARACETAMOL 500mg"), "paracetamol 500mg");
        assert_eq!(fold_case("Łódź ŻÓŁW Straße"), "łódź żółw straße");
        assert_eq!(fold_case("İzmir"), "i\u{307}zmir");
        // Greek and Cyrillic are compared as written.
        assert_eq!(fold_case("ΩΜΕΓΑ Ж"), "ΩΜΕΓΑ Ж");
        assert_eq!(fold_case(""), "");
    }
}
