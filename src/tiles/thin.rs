//! Points thinned below `maxzoom`: one drawn point per cell of a grid in tile space (aligned
//! with the tile edges), the first in source order, which counts the points it stands for.
//!
//! A drawn point that stands for others carries `count` (the points of the cell, itself
//! included) and `ids` (their feature ids, comma-separated, at most [`MAX_IDS`]), so the
//! drawn points plus those counted in them are the points of the tile and a popup can say so.

use std::collections::HashMap;

use super::encode::TileValue;

/// Attribute of a drawn point standing for others: how many points it stands for.
pub const COUNT: &str = "count";
/// Attribute of a drawn point standing for others: their feature ids, comma-separated.
pub const IDS: &str = "ids";
/// Most feature ids listed in [`IDS`].
pub const MAX_IDS: usize = 20;

/// One drawn point and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Position in the layer's features of the drawn point's feature.
    pub position: usize,
    /// The drawn point, tile units.
    pub at: [i32; 2],
    /// Points in its cell, itself included.
    pub count: usize,
    /// Positions of their features, each once, at most [`MAX_IDS`].
    pub members: Vec<usize>,
}

impl Mark {
    /// `count` and `ids` when the point stands for others, with `id_of` giving the feature id
    /// at a position; nothing when alone.
    ///
    /// ```
    /// use kartrummet::tiles::thin::Mark;
    /// let alone = Mark { position: 0, at: [1, 1], count: 1, members: vec![0] };
    /// assert!(alone.attributes(|p| p as u64 + 1).is_empty());
    /// let three = Mark { count: 3, members: vec![0, 8, 11], ..alone };
    /// let attributes = three.attributes(|p| p as u64 + 1);
    /// assert_eq!(attributes[1].1, kartrummet::tiles::encode::TileValue::Str("1,9,12".into()));
    /// ```
    pub fn attributes(&self, id_of: impl Fn(usize) -> u64) -> Vec<(&'static str, TileValue)> {
        if self.count <= 1 {
            return Vec::new();
        }
        let ids: Vec<String> = self.members.iter().map(|&p| id_of(p).to_string()).collect();
        vec![
            (COUNT, TileValue::Int(self.count as i64)),
            (IDS, TileValue::Str(ids.join(","))),
        ]
    }
}

/// The drawn points of one tile, in the order of their first point.
#[derive(Debug)]
pub struct Marks {
    cell: f64,
    index: HashMap<(i64, i64), usize>,
    marks: Vec<Mark>,
}

impl Marks {
    /// No points yet, on a grid of `cell` tile units.
    pub fn new(cell: f64) -> Self {
        Self {
            cell,
            index: HashMap::new(),
            marks: Vec::new(),
        }
    }

    /// Counts the point `at` (tile units) of the feature at `position`: the first point of a
    /// cell is drawn, later ones are counted in it.
    ///
    /// ```
    /// use kartrummet::tiles::thin::Marks;
    /// let mut marks = Marks::new(32.0);
    /// marks.add([1.0, 1.0], 0);
    /// marks.add([30.0, 2.0], 1);
    /// marks.add([33.0, 2.0], 2);
    /// let counts: Vec<usize> = marks.iter().map(|m| m.count).collect();
    /// assert_eq!(counts, [2, 1]);
    /// ```
    pub fn add(&mut self, [x, y]: [f64; 2], position: usize) {
        let key = (
            (x / self.cell).floor() as i64,
            (y / self.cell).floor() as i64,
        );
        let next = self.marks.len();
        let slot = *self.index.entry(key).or_insert(next);
        if slot == next {
            self.marks.push(Mark {
                position,
                at: [x.round() as i32, y.round() as i32],
                count: 0,
                members: Vec::new(),
            });
        }
        let mark = &mut self.marks[slot];
        mark.count += 1;
        if mark.members.len() < MAX_IDS && !mark.members.contains(&position) {
            mark.members.push(position);
        }
    }

    /// The drawn points.
    pub fn iter(&self) -> impl Iterator<Item = &Mark> {
        self.marks.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_capped_and_counted_once_per_feature() {
        let mut marks = Marks::new(32.0);
        for i in 0..50 {
            marks.add([5.0, 5.0], i);
        }
        // A multipoint feature with two points in one cell: two points, one id.
        marks.add([6.0, 6.0], 0);
        let mark = marks.iter().next().unwrap();
        assert_eq!(
            (mark.count, mark.members.len(), mark.position),
            (51, MAX_IDS, 0)
        );
        let attributes = mark.attributes(|p| p as u64);
        assert_eq!(attributes[0], (COUNT, TileValue::Int(51)));
        let TileValue::Str(ids) = &attributes[1].1 else {
            panic!("ids are text")
        };
        assert!(ids.starts_with("0,1,2,"));
        assert_eq!(ids.split(',').count(), MAX_IDS);
    }

    #[test]
    fn negative_coordinates_fall_in_their_own_cells() {
        let mut marks = Marks::new(32.0);
        marks.add([-1.0, 0.0], 0);
        marks.add([1.0, 0.0], 1);
        assert_eq!(marks.iter().count(), 2);
    }
}
