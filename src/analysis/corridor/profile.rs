//! The profile along a corridor: population and weekday departures per bin of chainage.

use geo::Coord;
use serde::Serialize;

use super::axis::Chainage;

/// One bin of the profile.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bin {
    /// Chainage where the bin starts, metres from the start of the axis.
    pub from_m: f64,
    /// Chainage where the bin ends (the last bin ends at the axis length).
    pub to_m: f64,
    /// Population whose unit projects into this bin (cut units count in proportion).
    pub population: f64,
    /// Weekday departures of the stops that project into this bin.
    pub departures: f64,
    /// Stops that project into this bin.
    pub stops: usize,
}

/// Population and departures binned by chainage along an axis.
///
/// ```
/// use geo::{coord, LineString};
/// use kartrummet::analysis::corridor::axis::Chainage;
/// use kartrummet::analysis::corridor::profile::Profile;
/// let axis = Chainage::new(LineString::from(vec![(0.0, 0.0), (2500.0, 0.0)]));
/// let mut profile = Profile::new(&axis, 1000.0);
/// profile.add_population(coord! { x: 1200.0, y: 300.0 }, 10.0);
/// profile.add_stop(coord! { x: 2400.0, y: -50.0 }, 4.0);
/// let bins = profile.into_bins();
/// assert_eq!(bins.len(), 3);
/// assert_eq!((bins[1].population, bins[2].departures, bins[2].to_m), (10.0, 4.0, 2500.0));
/// ```
#[derive(Debug)]
pub struct Profile<'a> {
    axis: &'a Chainage,
    bin_m: f64,
    bins: Vec<Bin>,
}

impl<'a> Profile<'a> {
    /// An empty profile along `axis` with bins of `bin_m` metres (at least one bin).
    pub fn new(axis: &'a Chainage, bin_m: f64) -> Self {
        let count = ((axis.length() / bin_m).ceil() as usize).max(1);
        let bins = (0..count)
            .map(|i| Bin {
                from_m: i as f64 * bin_m,
                to_m: ((i + 1) as f64 * bin_m).min(axis.length()),
                population: 0.0,
                departures: 0.0,
                stops: 0,
            })
            .collect();
        Self { axis, bin_m, bins }
    }

    fn bin(&mut self, at: Coord<f64>) -> Option<&mut Bin> {
        let chainage = self.axis.at(at)?;
        let last = self.bins.len() - 1;
        let i = ((chainage / self.bin_m) as usize).min(last);
        self.bins.get_mut(i)
    }

    /// Adds population at `at`.
    pub fn add_population(&mut self, at: Coord<f64>, population: f64) {
        if let Some(bin) = self.bin(at) {
            bin.population += population;
        }
    }

    /// Adds a stop with its departures at `at`.
    pub fn add_stop(&mut self, at: Coord<f64>, departures: f64) {
        if let Some(bin) = self.bin(at) {
            bin.departures += departures;
            bin.stops += 1;
        }
    }

    /// The bins, in order of chainage.
    pub fn into_bins(self) -> Vec<Bin> {
        self.bins
    }
}
