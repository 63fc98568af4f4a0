//! ed25519 signatures of third parties (evaluators, setup-ceremony contributors), checked with
//! `verify_strict` and with small-order keys refused: with such a key anyone can make a signature
//! that verifies.

use ed25519_dalek::{Signature, VerifyingKey};

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The public key is not a valid ed25519 point.
    BadKey,
    /// The public key has small order.
    WeakKey,
    /// The signature does not match the message under this key.
    Mismatch,
}

impl SignatureProblem {
    /// The problem in plain words, naming whose key (`"evaluator"`, `"contributor"`).
    pub fn describe(&self, whose: &str) -> String {
        match self {
            SignatureProblem::BadKey => format!("{whose} key is not a valid ed25519 point"),
            SignatureProblem::WeakKey => {
                format!("{whose} key has small order (anyone could sign for it)")
            }
            SignatureProblem::Mismatch => format!("{whose} signature does not match"),
        }
    }
}

/// Checks `signature` over `message` under `key`, strictly.
pub fn verify_strict(
    key: &[u8; 32],
    signature: &[u8; 64],
    message: &[u8],
) -> Result<(), SignatureProblem> {
    let vk = VerifyingKey::from_bytes(key).map_err(|_| SignatureProblem::BadKey)?;
    if vk.is_weak() {
        return Err(SignatureProblem::WeakKey);
    }
    vk.verify_strict(message, &Signature::from_bytes(signature))
        .map_err(|_| SignatureProblem::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn strict_checks() {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let pk = sk.verifying_key().to_bytes();
        let sig = sk.sign(b"m").to_bytes();
        assert_eq!(verify_strict(&pk, &sig, b"m"), Ok(()));
        assert_eq!(
            verify_strict(&pk, &sig, b"n"),
            Err(SignatureProblem::Mismatch)
        );
        // The identity point is a small-order key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            verify_strict(&identity, &sig, b"m"),
            Err(SignatureProblem::WeakKey)
        );
    }
}
