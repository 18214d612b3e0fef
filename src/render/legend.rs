//! What a map's legend says, shared by the image overlay and the PDF report.

/// How a legend swatch is drawn: as the layer is drawn on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    /// A filled square (areas, grid cells).
    Fill,
    /// A short thick line (roads, railways, lines).
    Line,
    /// A dot with a white ring (points).
    Point,
}

/// One row of a legend: a colour and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    /// sRGB colour, straight (not premultiplied).
    pub colour: [u8; 3],
    /// What the colour means, e.g. "10–20 min" or "Vårdcentraler".
    pub label: String,
}

/// The legend of one map layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendSection {
    /// The layer's title, e.g. "Restid till livsmedelsbutik".
    pub title: String,
    /// How its swatches are drawn.
    pub swatch: Swatch,
    /// Its rows, top to bottom.
    pub items: Vec<LegendItem>,
}

/// A number as the map's legends and reports write it in Swedish: a space between thousands,
/// a decimal comma, at most two decimals.
///
/// ```
/// use kartrummet::render::legend::format_number;
/// assert_eq!(format_number(12345.0), "12 345");
/// assert_eq!(format_number(-0.256), "−0,26");
/// assert_eq!(format_number(2.5), "2,5");
/// ```
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let text = format!("{:.2}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    let negative = value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative { format!("−{out}") } else { out }
}
