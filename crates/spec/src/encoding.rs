//! Strict number parsing. Untrusted numbers are parsed as integers and range-checked; nothing is
//! ever reduced modulo the field (`Fr::from_str("r+5") == 5` would otherwise let one statement
//! stand for another).

use crate::{error::SpecError, Fr};
use ark_ff::{BigInteger, PrimeField};

/// Parses a canonical decimal integer: ASCII digits only, no sign, no leading zeros (except "0"),
/// at most `u128::MAX`. This is the form statements use, so that each value has one spelling.
pub fn parse_canonical_u128(field: &str, s: &str) -> Result<u128, SpecError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SpecError::bad_value(
            field,
            format!("{s:?} is not a plain decimal integer"),
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(SpecError::bad_value(
            field,
            format!("{s:?} has leading zeros (not canonical)"),
        ));
    }
    s.parse::<u128>()
        .map_err(|_| SpecError::bad_value(field, format!("{s} exceeds 2^128 - 1")))
}

/// Parses a human-written non-negative integer quantity such as `1e25`, `989.4e12`, `1_000` or
/// `3600`, exactly: a value that is not a whole number, or does not fit in 128 bits, is an error.
/// The exponent is any `i64`; its arithmetic is checked, so no spelling overflows it.
pub fn parse_quantity(field: &str, s: &str) -> Result<u128, SpecError> {
    let t: String = s.trim().chars().filter(|c| *c != '_').collect();
    let bad = |why: &str| SpecError::bad_value(field, format!("{s:?}: {why}"));
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => {
            let e = &t[i + 1..];
            let magnitude = e.strip_prefix(['+', '-']).unwrap_or(e);
            if magnitude.is_empty() || !magnitude.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("bad exponent"));
            }
            let e: i64 = e
                .parse()
                .map_err(|_| bad("exponent outside the 64-bit range"))?;
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
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    // The value is `digits · 10^shift`. In i128 the difference of an i64 and a length cannot
    // overflow.
    let shift = i128::from(exp) - frac_part.len() as i128;
    let (digits, shift) = if shift < 0 {
        let cut = usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX);
        if cut > digits.len() || !digits[digits.len() - cut..].bytes().all(|b| b == b'0') {
            return Err(bad("not a whole number"));
        }
        (&digits[..digits.len() - cut], 0)
    } else {
        (digits, shift)
    };
    let too_big = || bad("exceeds 2^128 - 1");
    let v: u128 = digits.parse().map_err(|_| too_big())?;
    u32::try_from(shift)
        .ok()
        .and_then(|k| 10u128.checked_pow(k))
        .and_then(|scale| v.checked_mul(scale))
        .ok_or_else(too_big)
}

/// Parses a bound on a mean score, exactly, into lowest terms `(num, den)`: a decimal (`0.9`,
/// `.5`), a fraction of two quantities (`9/10`, `1/3`) or a whole quantity (`1`, `1e0`). This is
/// the one parser of red lines, for policy files and `--below` / `--at-least` alike. Both terms
/// must fit in 64 bits and the denominator must not be zero.
pub fn parse_ratio(field: &str, s: &str) -> Result<(u64, u64), SpecError> {
    let bad = |why: &str| SpecError::bad_value(field, format!("{s:?}: {why}"));
    let t = s.trim();
    let (num, den) = match t.split_once('/') {
        Some((n, d)) => (parse_quantity(field, n)?, parse_quantity(field, d)?),
        None => match t.split_once('.') {
            Some((int, frac)) if !t.contains(['e', 'E']) => {
                if !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(
                        "expected a decimal such as 0.5, a fraction such as 1/3 or a whole number",
                    ));
                }
                let den = u32::try_from(frac.len())
                    .ok()
                    .and_then(|k| 10u128.checked_pow(k))
                    .ok_or_else(|| bad("too many decimal places"))?;
                (parse_quantity(field, &format!("{int}{frac}"))?, den)
            }
            _ => (parse_quantity(field, t)?, 1),
        },
    };
    if den == 0 {
        return Err(bad("the denominator is zero"));
    }
    let g = gcd(num, den);
    match (u64::try_from(num / g), u64::try_from(den / g)) {
        (Ok(n), Ok(d)) => Ok((n, d)),
        _ => Err(bad(
            "numerator and denominator must be below 2^64 in lowest terms",
        )),
    }
}

/// Greatest common divisor (`gcd(0, d) = d`).
fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Formats a field element as `0x` followed by 64 lower-case hex digits (big-endian).
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(x.into_bigint().to_bytes_be()))
}

/// Parses the exact form [`fr_to_hex`] writes; anything else (upper case, short, a value ≥ the
/// field modulus) is rejected.
pub fn fr_from_hex(field: &str, s: &str) -> Result<Fr, SpecError> {
    let body = s
        .strip_prefix("0x")
        .ok_or_else(|| SpecError::bad_value(field, "expected 0x followed by 64 hex digits"))?;
    if body.len() != 64 || !body.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(SpecError::bad_value(
            field,
            "expected 0x followed by 64 lower-case hex digits",
        ));
    }
    let bytes = hex::decode(body).map_err(|e| SpecError::bad_value(field, e.to_string()))?;
    let x = Fr::from_be_bytes_mod_order(&bytes);
    if x.into_bigint().to_bytes_be() != bytes {
        return Err(SpecError::bad_value(
            field,
            "value is not below the BN254 scalar field modulus (not canonical)",
        ));
    }
    Ok(x)
}

/// Parses a lower-case hex string of exactly `len` bytes.
pub fn bytes_from_hex(field: &str, s: &str, len: usize) -> Result<Vec<u8>, SpecError> {
    if s.len() != 2 * len || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(SpecError::bad_value(
            field,
            format!("expected {} lower-case hex digits", 2 * len),
        ));
    }
    hex::decode(s).map_err(|e| SpecError::bad_value(field, e.to_string()))
}

/// The first 31 bytes of a SHA-256 digest as a field element: always below the modulus, so it is
/// encoded without any reduction.
pub fn digest_to_fr(digest: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(&digest[..31])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling of a red line, for policies and flags alike (issue 16: a policy's
    /// `red_line = "0.9"` was refused while `--below 0.9` was accepted).
    #[test]
    fn ratios_in_every_spelling() {
        for (s, want) in [
            ("0.9", (9, 10)),
            ("9/10", (9, 10)),
            ("0.90", (9, 10)),
            ("90/100", (9, 10)),
            (".5", (1, 2)),
            ("1/2", (1, 2)),
            (" 1 / 3 ", (1, 3)),
            ("0.95", (19, 20)),
            ("2", (2, 1)),
            ("1e0", (1, 1)),
            ("0", (0, 1)),
            ("0.0", (0, 1)),
            ("0.5e1", (5, 1)),
        ] {
            assert_eq!(parse_ratio("r", s).unwrap(), want, "{s}");
        }
        for bad in [
            "", "-1", "1/0", "a", "0.5.5", "1e-3", "5e-1/1", "1/", ".", "0.1_0",
        ] {
            assert!(parse_ratio("r", bad).is_err(), "{bad}");
        }
        let e = parse_ratio("r", "18446744073709551616/3").unwrap_err();
        assert!(e.to_string().contains("below 2^64"), "{e}");
    }

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
        for bad in [
            "1.5", "1e-3", "abc", "-1", "1e39", "", ".", "1e", "4e38", "1e++5", "1e+-5", "1e-",
        ] {
            assert!(parse_quantity("q", bad).is_err(), "{bad}");
        }
    }

    /// The error `parse_quantity` gives for `s`.
    fn quantity_error(s: &str) -> String {
        match parse_quantity("q", s) {
            Err(e) => e.to_string(),
            Ok(v) => panic!("{s} parsed as {v}"),
        }
    }

    /// Exponents at the ends of `i64` (where `exponent - fraction digits` overflows 64 bits),
    /// beyond them, and mantissas of a hundred thousand digits: each gives its one error or its
    /// exact value, never a wrapped exponent.
    #[test]
    fn quantity_exponents_at_the_limits() {
        let (min, max) = (i64::MIN, i64::MAX);
        // A fraction digit moves the exponent below i64::MIN: once it wrapped to i64::MAX and
        // the tiny number was called too large.
        assert!(quantity_error(&format!("1.5e{min}")).contains("not a whole number"));
        assert!(quantity_error(&format!("1e{min}")).contains("not a whole number"));
        assert!(quantity_error(&format!("1e{max}")).contains("exceeds 2^128 - 1"));
        assert!(quantity_error(&format!("1.5e{max}")).contains("exceeds 2^128 - 1"));
        assert_eq!(parse_quantity("q", &format!("0.0e{min}")).unwrap(), 0);
        assert_eq!(parse_quantity("q", &format!("0e{max}")).unwrap(), 0);
        for beyond in [
            "1e9223372036854775808",
            "1e-9223372036854775809",
            "1e99999999999999999999",
        ] {
            assert!(quantity_error(beyond).contains("exponent outside the 64-bit range"));
        }
        let zeros = "0".repeat(100_000);
        assert_eq!(
            parse_quantity("q", &format!("1{zeros}e-100000")).unwrap(),
            1
        );
        assert_eq!(parse_quantity("q", &format!("{zeros}7")).unwrap(), 7);
        assert_eq!(
            parse_quantity("q", &format!("0.{zeros}7e100001")).unwrap(),
            7
        );
        assert!(quantity_error(&format!("1{zeros}")).contains("exceeds 2^128 - 1"));
        assert!(quantity_error(&format!("1.{zeros}1")).contains("not a whole number"));
        assert!(quantity_error(&format!("1{zeros}e{min}")).contains("not a whole number"));
        assert_eq!(
            parse_quantity("q", "340282366920938463463374607431768211455").unwrap(),
            u128::MAX
        );
        assert_eq!(
            parse_quantity("q", "34028236692093846346337460743176821145.5e1").unwrap(),
            u128::MAX
        );
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
