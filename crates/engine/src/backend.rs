//! Which arithmetic backend proves: decided once per process, in this one place.
//!
//! The IFMA backend runs where the CPU has `avx512f` and `avx512ifma` and the environment does not
//! set `ZKGOV_NO_IFMA` (set it to measure or test the portable paths on such a CPU). Code holding
//! the `Ifma` token returned by `ifma` may call the functions
//! compiled for those features; nothing else makes one.

/// The backend in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// arkworks' field arithmetic and zkgov's portable batch-affine MSM.
    Portable,
    /// Eight field elements per AVX-512 vector in 52-bit limbs (x86-64 with IFMA).
    Ifma,
}

impl Backend {
    /// The backend this process uses.
    pub fn active() -> Backend {
        #[cfg(target_arch = "x86_64")]
        if ifma().is_some() {
            return Backend::Ifma;
        }
        Backend::Portable
    }

    /// Its name, for reports and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Ifma => "avx512-ifma",
        }
    }
}

/// Evidence that the CPU has `avx512f` and `avx512ifma`. Its field is private to this module, so
/// only [`ifma`] makes one: code that holds an `Ifma` may call the functions compiled for those
/// features.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ifma(());

/// The IFMA token when the IFMA code is to run (see the module documentation).
#[cfg(target_arch = "x86_64")]
pub(crate) fn ifma() -> Option<Ifma> {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    AVAILABLE
        .get_or_init(|| {
            std::env::var_os("ZKGOV_NO_IFMA").is_none()
                && std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512ifma")
        })
        .then_some(Ifma(()))
}
