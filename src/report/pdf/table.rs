//! The key-figure table: caption, bold header, the name column left-aligned
//! and the number columns right-aligned, fitted to the column's width.

use super::text::{self, Font};
use super::{Canvas, Column, FigureTable, INK, SMALL, how_many_fit, leading};

/// The largest and smallest font size of the table's cells.
const LARGEST: f32 = 8.0;
const SMALLEST: f32 = 5.5;
/// The most of the width the name column takes when names are long.
const NAMES_SHARE: f32 = 0.4;
/// Space between columns.
const COLUMN_GAP: f32 = 8.0;

/// The table laid out for a column's width.
struct Layout {
    caption: Vec<String>,
    /// The font size of the cells.
    size: f32,
    /// The width of each column.
    widths: Vec<f32>,
}

/// Widens each column to fit its cell in `row` at the largest size.
fn widen(natural: &mut [f32], row: &[String], font: Font) {
    for (width, cell) in natural.iter_mut().zip(row) {
        *width = width.max(font.width(cell, LARGEST));
    }
}

impl Layout {
    fn new(table: &FigureTable, width: f32) -> Self {
        let caption = text::wrap_at_most(&table.caption, Font::Bold, SMALL + 0.5, width, 2);
        let count = table
            .rows
            .iter()
            .map(Vec::len)
            .fold(table.columns.len(), usize::max);
        let mut natural = vec![0.0_f32; count];
        widen(&mut natural, &table.columns, Font::Bold);
        for row in &table.rows {
            widen(&mut natural, row, Font::Regular);
        }
        // A very long name is cut rather than squeezing the numbers.
        if let Some(names) = natural.first_mut() {
            *names = names.min(NAMES_SHARE * width);
        }
        let room = (width - COLUMN_GAP * count.saturating_sub(1) as f32).max(0.0);
        let total: f32 = natural.iter().sum();
        let size = if total > room {
            (LARGEST * room / total).max(SMALLEST)
        } else {
            LARGEST
        };
        // Even at the smallest size the columns may not fit: then they are
        // narrowed alike and their cells cut with "…".
        let at_size = total * size / LARGEST;
        let narrowing = if at_size > room { room / at_size } else { 1.0 };
        let mut widths: Vec<f32> = natural
            .iter()
            .map(|w| w * size / LARGEST * narrowing)
            .collect();
        // Room left over goes to the names, so the numbers end at the column's edge.
        if let Some(names) = widths.first_mut() {
            *names += (room - at_size * narrowing).max(0.0);
        }
        Layout {
            caption,
            size,
            widths,
        }
    }

    fn caption_height(&self) -> f32 {
        leading(SMALL + 0.5) * self.caption.len() as f32 + 2.0
    }

    fn row_height(&self) -> f32 {
        self.size * 1.55
    }
}

/// The height the whole table would take in a column `width` wide.
pub(super) fn height_wanted(table: &FigureTable, width: f32) -> f32 {
    let layout = Layout::new(table, width);
    layout.caption_height() + layout.row_height() * (table.rows.len() + 1) as f32 + 4.0
}

/// Draws the table from the column's top down, with as many rows as fit.
pub(super) fn draw(canvas: &mut Canvas, table: &FigureTable, column: &Column) {
    let layout = Layout::new(table, column.width);
    let header_bottom = column.top - layout.caption_height() - layout.row_height();
    if header_bottom < column.bottom {
        return;
    }
    canvas.lines(
        column.x,
        column.top,
        Font::Bold,
        SMALL + 0.5,
        INK,
        &layout.caption,
    );
    draw_row(
        canvas,
        &layout,
        column.x,
        header_bottom,
        Font::Bold,
        &table.columns,
    );
    canvas.rule(column.x, column.x + column.width, header_bottom);

    let row_height = layout.row_height();
    let heights = vec![row_height; table.rows.len()];
    // 3 pt below the header rule, 4 pt above "… och N rader till".
    let mut y = header_bottom - 3.0;
    let shown = how_many_fit(&heights, y - 4.0 - column.bottom);
    for row in &table.rows[..shown] {
        y -= row_height;
        draw_row(canvas, &layout, column.x, y, Font::Regular, row);
    }
    if shown > 0 {
        canvas.rule(column.x, column.x + column.width, y - 3.0);
    }
    canvas.more(column, y - 4.0, table.rows.len() - shown);
}

/// One row with its baseline just above `bottom`: the first cell left-aligned,
/// the others right-aligned, each cut to its column.
fn draw_row(canvas: &mut Canvas, layout: &Layout, x: f32, bottom: f32, font: Font, row: &[String]) {
    let baseline = bottom + 0.35 * layout.size;
    let mut left = x;
    for (i, (cell, width)) in row.iter().zip(&layout.widths).enumerate() {
        let cell = text::fit(cell, font, layout.size, *width);
        let cell_x = match i {
            0 => left,
            _ => left + width - font.width(&cell, layout.size),
        };
        canvas.text(cell_x, baseline, font, layout.size, INK, &cell);
        left += width + COLUMN_GAP;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> FigureTable {
        FigureTable {
            caption: "Befolkning per restidsband".into(),
            columns: vec!["Kommun".into(), "0–10 min".into(), "10–20 min".into()],
            rows: (0..rows)
                .map(|i| vec![format!("Kommun {i}"), "12 345".into(), "678".into()])
                .collect(),
        }
    }

    #[test]
    fn a_narrow_table_keeps_the_largest_size() {
        let layout = Layout::new(&table(3), 290.0);
        assert_eq!(layout.size, LARGEST);
        assert_eq!(layout.widths.len(), 3);
        let total: f32 = layout.widths.iter().sum::<f32>() + COLUMN_GAP * 2.0;
        assert!((total - 290.0).abs() < 1e-3, "{total}");
    }

    #[test]
    fn a_wide_table_shrinks_to_the_column() {
        let mut wide = table(3);
        wide.columns
            .extend((0..12).map(|i| format!("Band {i} min")));
        let layout = Layout::new(&wide, 290.0);
        assert!(layout.size < LARGEST);
        let total: f32 = layout.widths.iter().sum::<f32>() + COLUMN_GAP * 14.0;
        assert!(total <= 290.0 + 1e-3, "{total}");
    }

    #[test]
    fn rows_longer_than_the_header_still_get_a_width() {
        let mut ragged = table(1);
        ragged
            .rows
            .push(vec!["A".into(), "1".into(), "2".into(), "3".into()]);
        assert_eq!(Layout::new(&ragged, 290.0).widths.len(), 4);
    }

    #[test]
    fn an_empty_table_has_no_columns() {
        let empty = FigureTable {
            caption: String::new(),
            columns: vec![],
            rows: vec![],
        };
        let layout = Layout::new(&empty, 290.0);
        assert!(layout.widths.is_empty());
        assert_eq!(layout.size, LARGEST);
    }
}
