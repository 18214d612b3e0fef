//! The map's colours, read from `web/js/palette.json`: the one file the web map's modules
//! import too, so an image from the server and the map in the browser agree.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// The colours of the map (see `web/js/palette.json`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Palette {
    /// Sequential palettes by name, light to dark, by number of classes (3–7).
    pub palettes: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Features without a value in a choropleth.
    pub no_data: String,
    /// Default colours of layers, by their place in the list.
    pub qualitative: Vec<String>,
    /// Travel-time bands, near to far.
    pub bands: Vec<String>,
    /// Units that reach no service.
    pub unreachable: String,
    /// Outlines of choropleth areas.
    pub choropleth_outline: String,
    /// Behind everything.
    pub background: String,
    /// The own basemap, by part.
    pub basemap: BTreeMap<String, String>,
    /// Label text, by kind.
    pub labels: BTreeMap<String, String>,
}

/// The palette, parsed once.
pub static PALETTE: LazyLock<Palette> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../web/js/palette.json"))
        .expect("web/js/palette.json is valid (checked by a test)")
});

/// `#rrggbb` as a colour; anything else is mid grey.
///
/// ```
/// assert_eq!(kartrummet::render::palette::rgb("#0072b2"), [0, 114, 178]);
/// assert_eq!(kartrummet::render::palette::rgb("blue"), [128, 128, 128]);
/// ```
pub fn rgb(hex: &str) -> Rgb {
    let hex = hex.trim_start_matches('#');
    let part = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (hex.len(), part(0), part(2), part(4)) {
        (6, Some(r), Some(g), Some(b)) => [r, g, b],
        _ => [128, 128, 128],
    }
}

/// A darker version of a colour, for outlines (the web's `darker`).
pub fn darker([r, g, b]: Rgb) -> Rgb {
    let d = |c: u8| (f64::from(c) * 0.65).round() as u8;
    [d(r), d(g), d(b)]
}

/// The basemap colour of `part` (e.g. `land`).
pub fn basemap(part: &str) -> Rgb {
    rgb(PALETTE.basemap.get(part).map_or("", String::as_str))
}

/// The default colour of the `index`th layer.
pub fn qualitative(index: usize) -> Rgb {
    let q = &PALETTE.qualitative;
    rgb(&q[index % q.len().max(1)])
}

/// The colours of `n` travel-time bands, near to far (the web's `bandColors`).
pub fn band_colours(n: usize) -> Vec<Rgb> {
    let ramp = &PALETTE.bands;
    if n <= 1 {
        return vec![rgb(&ramp[2.min(ramp.len() - 1)])];
    }
    (0..n)
        .map(|i| {
            let at = (i as f64 * (ramp.len() - 1) as f64 / (n - 1) as f64).round() as usize;
            rgb(&ramp[at])
        })
        .collect()
}

/// The colours of a choropleth of `palette` with `classes` classes (3–7; fewer take the dark
/// end, as the web's `classColors` does).
pub fn class_colours(palette: &str, classes: usize) -> Vec<Rgb> {
    let n = classes.clamp(3, 7);
    let palettes = &PALETTE.palettes;
    let chosen = palettes
        .get(palette)
        .or_else(|| palettes.get("YlGnBu"))
        .and_then(|p| p.get(&n.to_string()));
    let colours: Vec<Rgb> = chosen.into_iter().flatten().map(|c| rgb(c)).collect();
    colours[colours.len().saturating_sub(classes.max(1))..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_file_parses_and_matches_the_web_map() {
        assert_eq!(rgb(&PALETTE.background), [0xe2, 0xe5, 0xe7]);
        assert_eq!(
            band_colours(4),
            vec![
                rgb("#fee391"),
                rgb("#fe9929"),
                rgb("#cc4c02"),
                rgb("#662506")
            ]
        );
        assert_eq!(
            class_colours("Blues", 2),
            vec![rgb("#9ecae1"), rgb("#3182bd")]
        );
        assert_eq!(class_colours("nonsense", 5).len(), 5);
        assert_eq!(basemap("land"), rgb("#f7f5f0"));
    }
}
