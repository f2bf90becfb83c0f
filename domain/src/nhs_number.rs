//! NHS numbers: ten digits, the last a Modulus 11 check digit.
//!
//! An [`NhsNumber`] can only hold a number whose check digit is right, so code that has one
//! never needs to check again. It is shown to people as 3-3-4 (`999 000 0018`) and travels
//! on the wire as the ten digits alone.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A valid NHS number (Modulus 11 checked). Serialised as its ten digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "9990000018", pattern = "^[0-9]{10}$"))]
pub struct NhsNumber([u8; 10]);

/// Why a string is not an NHS number. The messages are written for staff to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("an NHS number has 10 digits; this has {0}")]
    WrongLength(usize),
    #[error("an NHS number has only digits (spaces are allowed as 3-3-4)")]
    NotDigits,
    #[error("this is not a valid NHS number: its check digit is wrong")]
    WrongCheckDigit,
    #[error("this is not a valid NHS number: no NHS number has this check digit")]
    CheckDigitTen,
}

impl NhsNumber {
    /// Parses ten digits, either run together or grouped 3-3-4 by single spaces
    /// (how staff read them off a letter). Any other spacing or character is refused.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        let digits: Vec<u8> = if is_grouped_334(trimmed) {
            trimmed.bytes().filter(|b| *b != b' ').collect()
        } else {
            if trimmed.bytes().any(|b| !b.is_ascii_digit()) {
                return Err(NhsNumberError::NotDigits);
            }
            trimmed.bytes().collect()
        };
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength(digits.len()));
        }
        let mut out = [0u8; 10];
        for (slot, b) in out.iter_mut().zip(&digits) {
            *slot = b - b'0';
        }
        match check_digit(&out[..9]) {
            CheckDigit::Ten => Err(NhsNumberError::CheckDigitTen),
            CheckDigit::Digit(d) if d == out[9] => Ok(Self(out)),
            CheckDigit::Digit(_) => Err(NhsNumberError::WrongCheckDigit),
        }
    }

    /// Builds the valid NHS number that starts with these nine digits, if there is one
    /// (a tenth of all prefixes have no valid check digit). Used to make synthetic numbers.
    pub fn from_prefix(prefix: [u8; 9]) -> Option<Self> {
        if prefix.iter().any(|d| *d > 9) {
            return None;
        }
        match check_digit(&prefix) {
            CheckDigit::Ten => None,
            CheckDigit::Digit(d) => {
                let mut out = [0u8; 10];
                out[..9].copy_from_slice(&prefix);
                out[9] = d;
                Some(Self(out))
            }
        }
    }

    /// The ten digits, as stored and sent.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// True for the 999 range the NHS sets aside for test and synthetic records.
    pub fn is_test_range(&self) -> bool {
        self.0[..3] == [9, 9, 9]
    }
}

enum CheckDigit {
    Digit(u8),
    Ten,
}

/// Modulus 11: weights 10 down to 2 over the first nine digits; 11 minus the remainder,
/// where 11 means 0 and 10 means the number cannot be valid.
fn check_digit(first_nine: &[u8]) -> CheckDigit {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => CheckDigit::Digit(0),
        10 => CheckDigit::Ten,
        d => CheckDigit::Digit(d as u8),
    }
}

fn is_grouped_334(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[3] == b' '
        && b[7] == b' '
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 3 || i == 7 || c.is_ascii_digit())
}

/// 3-3-4, as the NHS asks for numbers shown to people.
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsNumber({})", self.digits())
    }
}

impl std::str::FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> Self {
        n.digits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers() {
        // 943 476 5919 is the NHS's published worked example; the 999 ones are test-range.
        for s in ["9434765919", "9990000018", "9000000009", "4010232137"] {
            let n = NhsNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(n.digits(), s);
        }
    }

    #[test]
    fn remainder_zero_gives_check_digit_zero() {
        // 999 000 001: 9*10 + 9*9 + 9*8 + 1*2 = 245; 245 mod 11 = 3; 11 - 3 = 8.
        assert_eq!(
            NhsNumber::from_prefix([9, 9, 9, 0, 0, 0, 0, 0, 1]).map(|n| n.digits()),
            Some("9990000018".to_owned())
        );
        // A remainder of 0 gives 11 - 0 = 11, which is written as check digit 0.
        let zero = (0..1000u32)
            .filter_map(|i| {
                NhsNumber::from_prefix([
                    9,
                    9,
                    9,
                    0,
                    0,
                    0,
                    (i / 100) as u8,
                    (i / 10 % 10) as u8,
                    (i % 10) as u8,
                ])
            })
            .find(|n| n.digits().ends_with('0'))
            .expect("some prefix has check digit 0");
        assert_eq!(NhsNumber::parse(&zero.digits()), Ok(zero));
    }

    #[test]
    fn refuses_wrong_check_digit() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::WrongCheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("9990000019"),
            Err(NhsNumberError::WrongCheckDigit)
        );
    }

    #[test]
    fn refuses_check_digit_ten() {
        // A tenth of all prefixes have a remainder of 1 (11 - 1 = 10): no tenth digit
        // makes them valid. Find one rather than trust a hand sum.
        let prefix = (0..10_000u32)
            .map(|i| {
                let mut p = [9, 9, 9, 1, 2, 0, 0, 0, 0];
                p[5] = (i / 1000 % 10) as u8;
                p[6] = (i / 100 % 10) as u8;
                p[7] = (i / 10 % 10) as u8;
                p[8] = (i % 10) as u8;
                p
            })
            .find(|p| NhsNumber::from_prefix(*p).is_none())
            .expect("a tenth of prefixes have check digit 10");
        for last in 0..=9u8 {
            let s: String = prefix
                .iter()
                .chain(std::iter::once(&last))
                .map(|d| char::from(b'0' + d))
                .collect();
            assert_eq!(
                NhsNumber::parse(&s),
                Err(NhsNumberError::CheckDigitTen),
                "{s}"
            );
        }
    }

    #[test]
    fn refuses_wrong_length() {
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::WrongLength(0)));
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength(9))
        );
        assert_eq!(
            NhsNumber::parse("94347659190"),
            Err(NhsNumberError::WrongLength(11))
        );
    }

    #[test]
    fn refuses_non_digits() {
        for s in [
            "943476591X",
            "94347-65919",
            "+943476591",
            "９４３４７６５９１９",
            "943.476.5919",
        ] {
            assert_eq!(NhsNumber::parse(s), Err(NhsNumberError::NotDigits), "{s}");
        }
    }

    #[test]
    fn spaces_only_as_3_3_4() {
        assert_eq!(
            NhsNumber::parse("943 476 5919").map(|n| n.digits()),
            Ok("9434765919".to_owned())
        );
        // Surrounding white space, as pasted from a letter, is forgiven.
        assert!(NhsNumber::parse("  943 476 5919\n").is_ok());
        for s in [
            "9434 765 919",
            "943  476 5919",
            "94 34 76 59 19",
            "943\t476\t5919",
        ] {
            assert_eq!(NhsNumber::parse(s), Err(NhsNumberError::NotDigits), "{s}");
        }
    }

    #[test]
    fn shown_3_3_4_and_sent_as_digits() {
        let n = NhsNumber::parse("9434765919").expect("valid");
        assert_eq!(n.to_string(), "943 476 5919");
        assert_eq!(
            serde_json::to_string(&n).expect("serialises"),
            "\"9434765919\""
        );
        let back: NhsNumber = serde_json::from_str("\"9434765919\"").expect("parses");
        assert_eq!(back, n);
        let bad = serde_json::from_str::<NhsNumber>("\"9434765918\"");
        assert!(bad.is_err());
    }

    #[test]
    fn test_range() {
        assert!(
            NhsNumber::parse("9990000018")
                .expect("valid")
                .is_test_range()
        );
        assert!(
            !NhsNumber::parse("9434765919")
                .expect("valid")
                .is_test_range()
        );
    }
}
