//! Synthetic demo data (work in progress).
