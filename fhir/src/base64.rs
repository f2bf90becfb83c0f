//! FHIR `base64Binary`: the standard alphabet with padding; whitespace between groups is
//! allowed (R4's pattern says so, and senders wrap long attachments at 76 columns).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes, or says why it cannot.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, &'static str> {
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return Err("its length is not a multiple of 4 (missing padding?)");
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let groups = clean.len() / 4;
    for (g, quad) in clean.chunks(4).enumerate() {
        let last = g + 1 == groups;
        let pad = quad.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err("it has padding ('=') in the middle");
        }
        let mut n: u32 = 0;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | value(c).ok_or("it has characters outside the base64 alphabet")?;
        }
        n <<= 6 * pad as u32;
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0u8..=255).collect();
        for n in 0..40 {
            let enc = encode(&data[..n]);
            assert_eq!(decode(&enc).as_deref(), Ok(&data[..n]), "length {n}");
        }
        assert_eq!(encode(b"Hello"), "SGVsbG8=");
        assert_eq!(decode("SGVs\r\n bG8=").as_deref(), Ok(&b"Hello"[..]));
    }

    #[test]
    fn rejects_what_is_not_base64() {
        for bad in ["SGVsbG8", "SGV=sbG8", "SGVsbG8*", "====", "SGVsbG8=SGVs"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
