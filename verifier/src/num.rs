//! Strict number parsing. Untrusted numbers are parsed as integers and range-checked; nothing is
//! ever reduced modulo the field (`Fr::from_str("r+5") == 5` would otherwise let one statement
//! stand for another).

use crate::{error::VerifyError, Fr};
use ark_ff::{BigInteger, PrimeField};

/// Parses a canonical decimal integer: ASCII digits only, no sign, no leading zeros (except "0"),
/// at most `u128::MAX`. This is the form statements use, so that each value has one spelling.
pub fn parse_canonical_u128(field: &str, s: &str) -> Result<u128, VerifyError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::bad_value(
            field,
            format!("{s:?} is not a plain decimal integer"),
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(VerifyError::bad_value(
            field,
            format!("{s:?} has leading zeros (not canonical)"),
        ));
    }
    s.parse::<u128>()
        .map_err(|_| VerifyError::bad_value(field, format!("{s} exceeds 2^128 - 1")))
}

/// Parses a human-written non-negative integer quantity such as `1e25`, `989.4e12`, `1_000` or
/// `3600`, exactly: a value that is not a whole number, or does not fit in 128 bits, is an error.
pub fn parse_quantity(field: &str, s: &str) -> Result<u128, VerifyError> {
    let t: String = s.trim().chars().filter(|c| *c != '_').collect();
    let bad = |why: &str| VerifyError::bad_value(field, format!("{s:?}: {why}"));
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => {
            let e: i64 = t[i + 1..]
                .strip_prefix('+')
                .unwrap_or(&t[i + 1..])
                .parse()
                .map_err(|_| bad("bad exponent"))?;
            (&t[..i], e)
        }
        None => (t.as_str(), 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad("not a non-negative number"));
    }
    let digits = format!("{int_part}{frac_part}");
    let shift = exp - frac_part.len() as i64;
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let (digits, shift) = if shift < 0 {
        let cut = (-shift) as usize;
        if cut > digits.len() || !digits[digits.len() - cut..].bytes().all(|b| b == b'0') {
            return Err(bad("not a whole number"));
        }
        (&digits[..digits.len() - cut], 0)
    } else {
        (digits, shift)
    };
    let mut v: u128 = digits.parse().map_err(|_| bad("exceeds 2^128 - 1"))?;
    for _ in 0..shift {
        v = v.checked_mul(10).ok_or_else(|| bad("exceeds 2^128 - 1"))?;
    }
    Ok(v)
}

/// Formats a field element as `0x` followed by 64 lower-case hex digits (big-endian).
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(x.into_bigint().to_bytes_be()))
}

/// Parses the exact form [`fr_to_hex`] writes; anything else (upper case, short, a value ≥ the
/// field modulus) is rejected.
pub fn fr_from_hex(field: &str, s: &str) -> Result<Fr, VerifyError> {
    let body = s
        .strip_prefix("0x")
        .ok_or_else(|| VerifyError::bad_value(field, "expected 0x followed by 64 hex digits"))?;
    if body.len() != 64 || !body.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(VerifyError::bad_value(
            field,
            "expected 0x followed by 64 lower-case hex digits",
        ));
    }
    let bytes = hex::decode(body).map_err(|e| VerifyError::bad_value(field, e.to_string()))?;
    let x = Fr::from_be_bytes_mod_order(&bytes);
    if x.into_bigint().to_bytes_be() != bytes {
        return Err(VerifyError::bad_value(
            field,
            "value is not below the BN254 scalar field modulus (not canonical)",
        ));
    }
    Ok(x)
}

/// Parses a lower-case hex string of exactly `len` bytes.
pub fn bytes_from_hex(field: &str, s: &str, len: usize) -> Result<Vec<u8>, VerifyError> {
    if s.len() != 2 * len || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(VerifyError::bad_value(
            field,
            format!("expected {} lower-case hex digits", 2 * len),
        ));
    }
    hex::decode(s).map_err(|e| VerifyError::bad_value(field, e.to_string()))
}

/// The first 31 bytes of a SHA-256 digest as a field element: always below the modulus, so it is
/// encoded without any reduction.
pub fn digest_to_fr(digest: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(&digest[..31])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_decimal() {
        assert_eq!(parse_canonical_u128("t", "0").unwrap(), 0);
        assert_eq!(
            parse_canonical_u128("t", "10000000000000000000000000").unwrap(),
            10u128.pow(25)
        );
        for bad in [
            "",
            "01",
            "+5",
            "-1",
            "1e25",
            " 1",
            "1.0",
            "340282366920938463463374607431768211456",
        ] {
            assert!(parse_canonical_u128("t", bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_canonical_u128("t", &u128::MAX.to_string()).unwrap(),
            u128::MAX
        );
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("q", "1e25").unwrap(), 10u128.pow(25));
        assert_eq!(
            parse_quantity("q", "989.4e12").unwrap(),
            989_400_000_000_000
        );
        assert_eq!(parse_quantity("q", "1_000").unwrap(), 1000);
        assert_eq!(parse_quantity("q", "0.5e1").unwrap(), 5);
        assert_eq!(parse_quantity("q", "1e30").unwrap(), 10u128.pow(30));
        for bad in ["1.5", "1e-3", "abc", "-1", "1e39", "", ".", "1e", "4e38"] {
            assert!(parse_quantity("q", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_hex_is_canonical_only() {
        let x = Fr::from(12345u64);
        assert_eq!(fr_from_hex("r", &fr_to_hex(&x)).unwrap(), x);
        // The modulus itself and r+5 are rejected, never reduced.
        let p = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        let p5 = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000006";
        let max = format!("0x{}", "f".repeat(64));
        for bad in [
            p,
            p5,
            max.as_str(),
            "0x12",
            "12",
            &fr_to_hex(&x).to_uppercase(),
        ] {
            assert!(fr_from_hex("r", bad).is_err(), "{bad}");
        }
    }
}
