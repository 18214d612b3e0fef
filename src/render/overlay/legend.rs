//! The legend box, bottom right above the attribution: per layer a bold title
//! and rows of swatch and label. Rows that do not fit in 60 % of the image's
//! height are dropped from the end and "…" is written instead.

use std::borrow::Cow;
use std::iter;

use tiny_skia::{ColorU8, PathBuilder, Rect};

use super::canvas::{Area, BACKING, Canvas, INK, MARGIN, line};
use super::text::{ELLIPSIS, TextStyle, Weight};
use crate::render::legend::{LegendSection, Swatch};

const TITLE: TextStyle = TextStyle::plain(12.0, Weight::Bold, INK);
const ITEM: TextStyle = TextStyle::plain(11.0, Weight::Regular, INK);
/// Sizes in CSS px.
const PADDING: f32 = 8.0;
const ROW: f32 = 18.0;
const SECTION_GAP: f32 = 6.0;
const SWATCH: f32 = 14.0;
const SWATCH_GAP: f32 = 6.0;
/// The largest share of the image's height and width the box may take.
const MAX_HEIGHT_SHARE: f32 = 0.6;
const MAX_WIDTH_SHARE: f32 = 0.5;

/// One line in the box.
enum Row<'a> {
    Title(Cow<'a, str>),
    Item {
        swatch: Swatch,
        colour: [u8; 3],
        label: Cow<'a, str>,
    },
    /// Stands for the rows that did not fit.
    More,
}

/// Draws the legend of `sections` with the box's bottom at `bottom` (CSS px)
/// and returns its box, unless no row fits.
pub(super) fn draw(canvas: &mut Canvas, sections: &[LegendSection], bottom: f32) -> Option<Area> {
    let max_width = canvas.width * MAX_WIDTH_SHARE - 2.0 * PADDING;
    let max_height = (canvas.height * MAX_HEIGHT_SHARE).min(bottom - MARGIN) - 2.0 * PADDING;
    let rows = rows(sections, max_width, max_height);
    if rows.is_empty() {
        return None;
    }
    let width = rows.iter().map(row_width).fold(0.0, f32::max) + 2.0 * PADDING;
    let height = total_height(&rows) + 2.0 * PADDING;
    let (left, top) = (
        (canvas.width - MARGIN - width).round(),
        (bottom - height).round(),
    );
    canvas.fill_box(left, top, width, height, BACKING);

    let x = left + PADDING;
    let mut y = top + PADDING;
    for (index, row) in rows.iter().enumerate() {
        y += row_height(index, row) - ROW;
        let middle = y + ROW / 2.0;
        let label_x = x + SWATCH + SWATCH_GAP;
        match row {
            Row::Title(title) => TITLE.draw(canvas, title, x, TITLE.baseline_for_middle(middle)),
            Row::Item {
                swatch,
                colour,
                label,
            } => {
                draw_swatch(canvas, *swatch, *colour, x, middle);
                ITEM.draw(canvas, label, label_x, ITEM.baseline_for_middle(middle));
            }
            Row::More => ITEM.draw(canvas, ELLIPSIS, label_x, ITEM.baseline_for_middle(middle)),
        }
        y += ROW;
    }
    Some(Area::new(left, top, width, height))
}

/// The rows that fit in `max_height`, texts shortened to `max_width`, CSS px.
fn rows(sections: &[LegendSection], max_width: f32, max_height: f32) -> Vec<Row<'_>> {
    let label_width = max_width - SWATCH - SWATCH_GAP;
    let all = sections.iter().flat_map(|section| {
        let title = Row::Title(TITLE.fit(&section.title, max_width));
        let items = section.items.iter().map(move |item| Row::Item {
            swatch: section.swatch,
            colour: item.colour,
            label: ITEM.fit(&item.label, label_width),
        });
        iter::once(title).chain(items)
    });

    let mut rows = Vec::new();
    let mut height = 0.0;
    for row in all {
        height += row_height(rows.len(), &row);
        if height > max_height {
            // Make room for "…", and drop a title left without rows.
            while !rows.is_empty() && total_height(&rows) + ROW > max_height {
                rows.pop();
            }
            while matches!(rows.last(), Some(Row::Title(_))) {
                rows.pop();
            }
            if !rows.is_empty() {
                rows.push(Row::More);
            }
            break;
        }
        rows.push(row);
    }
    rows
}

/// A row's height, CSS px; titles after the first have a gap above.
fn row_height(index: usize, row: &Row) -> f32 {
    match row {
        Row::Title(_) if index > 0 => ROW + SECTION_GAP,
        _ => ROW,
    }
}

fn total_height(rows: &[Row]) -> f32 {
    rows.iter()
        .enumerate()
        .map(|(index, row)| row_height(index, row))
        .sum()
}

fn row_width(row: &Row) -> f32 {
    match row {
        Row::Title(title) => TITLE.width(title),
        Row::Item { label, .. } => SWATCH + SWATCH_GAP + ITEM.width(label),
        Row::More => SWATCH + SWATCH_GAP + ITEM.width(ELLIPSIS),
    }
}

/// Draws a swatch as the layer is drawn on the map, left edge at `x`.
fn draw_swatch(canvas: &mut Canvas, swatch: Swatch, [r, g, b]: [u8; 3], x: f32, middle: f32) {
    let colour = ColorU8::from_rgba(r, g, b, 255);
    match swatch {
        Swatch::Fill => {
            let top = middle - SWATCH / 2.0;
            canvas.fill_box(x, top, SWATCH, SWATCH, colour);
            let darker = |c: u8| (f32::from(c) * 0.6) as u8;
            let outline = ColorU8::from_rgba(darker(r), darker(g), darker(b), 255);
            if let Some(rect) = Rect::from_xywh(x + 0.5, top + 0.5, SWATCH - 1.0, SWATCH - 1.0) {
                canvas.stroke(&PathBuilder::from_rect(rect), outline, 1.0);
            }
        }
        Swatch::Line => {
            if let Some(path) = line((x + 2.0, middle), (x + SWATCH - 2.0, middle)) {
                canvas.stroke(&path, colour, 4.0);
            }
        }
        Swatch::Point => {
            if let Some(disc) = PathBuilder::from_circle(x + SWATCH / 2.0, middle, 5.0) {
                canvas.fill(&disc, colour);
                canvas.stroke(&disc, ColorU8::from_rgba(255, 255, 255, 255), 1.5);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::legend::LegendItem;

    fn section(title: &str, rows: usize) -> LegendSection {
        LegendSection {
            title: title.to_owned(),
            swatch: Swatch::Fill,
            items: (0..rows)
                .map(|i| LegendItem {
                    colour: [10, 20, 30],
                    label: format!("{i}–{} min", i + 10),
                })
                .collect(),
        }
    }

    #[test]
    fn all_rows_when_they_fit() {
        let sections = [section("Restid", 3), section("Vårdcentraler", 1)];
        let rows = rows(&sections, 200.0, 1000.0);
        assert_eq!(rows.len(), 6);
        assert!(!rows.iter().any(|r| matches!(r, Row::More)));
    }

    #[test]
    fn rows_dropped_from_the_end_with_ellipsis() {
        let sections = [section("Restid", 3), section("Vårdcentraler", 5)];
        // Room for five rows: the first section and "…".
        let rows_in_five = rows(&sections, 200.0, 5.0 * ROW);
        assert_eq!(rows_in_five.len(), 5);
        assert!(matches!(rows_in_five[3], Row::Item { .. }));
        assert!(matches!(rows_in_five[4], Row::More));
        // A title whose rows make way for "…" goes too.
        let sections = [section("Restid", 1), section("Vårdcentraler", 3)];
        let shortened = rows(&sections, 200.0, 5.0 * ROW);
        assert_eq!(shortened.len(), 3);
        assert!(matches!(shortened[2], Row::More));
        // Not even one row and "…": nothing.
        assert!(rows(&sections, 200.0, ROW).is_empty());
    }
}
