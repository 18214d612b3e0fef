//! Hardening tests: see the owning helper. (placeholder, replaced)
