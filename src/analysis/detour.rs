//! The detour factor: how much longer the way over the network is than the straight line.
//! A factor far above 1 usually means the network does not join the places directly (a bus
//! network that misses a village, a road layer cut at a municipal border). Rural classes
//! compare mean distances over many units, corridors one route between two tätorter; both
//! divide the same two distances here and flag the same threshold.

/// Detour factor above which the network is suspected not to connect the places.
pub const WARNING: f64 = 2.0;

/// Network distance over straight-line distance (1 = perfectly straight); `None` when the
/// straight-line distance is 0 or either distance is not a finite number.
///
/// ```
/// use kartrummet::analysis::detour;
/// assert_eq!(detour::factor(3000.0, 2000.0), Some(1.5));
/// assert_eq!(detour::factor(10.0, 0.0), None);
/// assert!(detour::is_suspect(detour::factor(5000.0, 2000.0).unwrap()));
/// ```
pub fn factor(network_m: f64, straight_m: f64) -> Option<f64> {
    (straight_m > 0.0 && straight_m.is_finite() && network_m.is_finite())
        .then(|| network_m / straight_m)
}

/// Whether a detour factor is above [`WARNING`].
pub fn is_suspect(factor: f64) -> bool {
    factor > WARNING
}
