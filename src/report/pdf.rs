//! The meeting report ("mötesunderlag"): one A4 landscape PDF page with the
//! map, its legend, the key figures, sources and notes.
//!
//! Text is set in the standard fonts Helvetica and Helvetica-Bold (nothing is
//! embedded) with WinAnsiEncoding; the map is one Flate-compressed RGB image.
//! Whatever the input, everything stays on the page: long text is wrapped or
//! cut with "…", and lists that do not fit end with "… och N rader till".

mod table;
mod text;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::render::legend::{LegendSection, Swatch};
use text::Font;

/// A4 landscape, in points.
const PAGE_WIDTH: f32 = 842.0;
const PAGE_HEIGHT: f32 = 595.0;
const MARGIN: f32 = 36.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// The map's share of the content width; the legend and figures get the rest.
const MAP_SHARE: f32 = 0.6;
/// Space between the map and the right column, and around the header and footer.
const GAP: f32 = 18.0;

/// Dark grey text (#1b2631).
const INK: [u8; 3] = [0x1b, 0x26, 0x31];
/// Secondary text: subtitle, notes, "… och N rader till".
const MUTED: [u8; 3] = [0x5d, 0x6d, 0x7e];
/// Thin rules and frames.
const RULE: [u8; 3] = [0xb0, 0xba, 0xc4];

const FONT_REGULAR: Name = Name(b"F1");
const FONT_BOLD: Name = Name(b"F2");
const MAP_IMAGE: Name = Name(b"Karta");
/// Font size of the legend, figures and sources.
const SMALL: f32 = 8.5;

/// Everything on the page.
pub struct ReportPage<'a> {
    /// The view's title, large, top left.
    pub title: &'a str,
    /// E.g. "Mötesunderlag · Region Dalarna · 2 december 2026".
    pub subtitle: &'a str,
    /// The map: left 60 % of the page, keeping its aspect ratio.
    pub map: MapImage<'a>,
    /// The legend, at the top of the right column.
    pub legend: &'a [LegendSection],
    /// The key figures, in the right column below the legend.
    pub figures: Option<&'a FigureTable>,
    /// Shown at the bottom as "Källor: …".
    pub sources: &'a [String],
    /// Small print at the bottom, e.g. the caveat about the road network.
    pub notes: &'a [String],
}

/// The map as straight RGB pixels, row by row (`width * height * 3` bytes).
pub struct MapImage<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels, top row first.
    pub rgb: &'a [u8],
}

/// A table of key figures, e.g. per municipality: population per travel-time band.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureTable {
    /// Shown above the table in bold.
    pub caption: String,
    /// Column headings; the first column is the name, the others numbers.
    pub columns: Vec<String>,
    /// The rows, each one text per column.
    pub rows: Vec<Vec<String>>,
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The map's pixel bytes do not match its size.
    #[error("kartbilden på {width}×{height} bildpunkter stämmer inte med sina {bytes} byte RGB")]
    MapSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The number of bytes given.
        bytes: usize,
    },
}

/// Writes the page as a PDF file's bytes; an error only for a map image whose
/// bytes do not match its size.
pub fn write(page: &ReportPage) -> Result<Vec<u8>, PdfError> {
    let map_size = checked_map_size(&page.map)?;
    let mut canvas = Canvas::new();
    let body_top = draw_header(&mut canvas, page.title, page.subtitle);
    let body_bottom = draw_footer(&mut canvas, page.sources, page.notes);

    let map_width = CONTENT_WIDTH * MAP_SHARE;
    if let Some((width, height)) = map_size {
        let scale = (map_width / width as f32).min((body_top - body_bottom) / height as f32);
        let (w, h) = (width as f32 * scale, height as f32 * scale);
        canvas.image(MARGIN, body_top - h, w, h);
    }

    let column = Column {
        x: MARGIN + map_width + GAP,
        width: CONTENT_WIDTH - map_width - GAP,
        top: body_top,
        bottom: body_bottom,
    };
    let table_room = page.figures.map_or(0.0, |figures| {
        GAP + table::height_wanted(figures, column.width).min(0.45 * column.height())
    });
    let legend_bottom = draw_legend(
        &mut canvas,
        page.legend,
        &Column {
            bottom: column.bottom + table_room,
            ..column
        },
    );
    if let Some(figures) = page.figures {
        let top = if page.legend.is_empty() {
            column.top
        } else {
            legend_bottom - GAP
        };
        table::draw(&mut canvas, figures, &Column { top, ..column });
    }

    let map = map_size.map(|(width, height)| (width, height, page.map.rgb));
    Ok(assemble(page.title, &canvas.content.finish(), map))
}

/// The map's size for the PDF, `None` for an empty map, or an error if its
/// bytes do not match.
fn checked_map_size(map: &MapImage) -> Result<Option<(i32, i32)>, PdfError> {
    let expected = u64::from(map.width) * u64::from(map.height) * 3;
    let size = i32::try_from(map.width)
        .ok()
        .zip(i32::try_from(map.height).ok());
    match size {
        Some(size) if expected == map.rgb.len() as u64 => Ok((expected > 0).then_some(size)),
        _ => Err(PdfError::MapSize {
            width: map.width,
            height: map.height,
            bytes: map.rgb.len(),
        }),
    }
}

/// The PDF file: one page with its content, the two fonts and the map.
fn assemble(title: &str, content: &[u8], map: Option<(i32, i32, &[u8])>) -> Vec<u8> {
    let [catalog, tree, page, content_id, regular, bold, image, info] =
        [1, 2, 3, 4, 5, 6, 7, 8].map(Ref::new);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut page_writer = pdf.page(page);
    page_writer
        .parent(tree)
        .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
        .contents(content_id);
    let mut resources = page_writer.resources();
    resources
        .fonts()
        .pair(FONT_REGULAR, regular)
        .pair(FONT_BOLD, bold);
    if map.is_some() {
        resources.x_objects().pair(MAP_IMAGE, image);
    }
    resources.finish();
    page_writer.finish();

    pdf.stream(content_id, &compress_to_vec_zlib(content, 6))
        .filter(Filter::FlateDecode);
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    if let Some((width, height, rgb)) = map {
        let pixels = compress_to_vec_zlib(rgb, 6);
        let mut xobject = pdf.image_xobject(image, &pixels);
        xobject.filter(Filter::FlateDecode);
        xobject.width(width).height(height);
        xobject.color_space().device_rgb();
        xobject.bits_per_component(8);
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .creator(TextStr("Kartrummet"));
    pdf.finish()
}

/// Title and subtitle with a rule below; returns where the body starts.
fn draw_header(canvas: &mut Canvas, title: &str, subtitle: &str) -> f32 {
    let (size, lines) = title_lines(title);
    let mut y = PAGE_HEIGHT - MARGIN;
    y -= canvas.lines(MARGIN, y, Font::Bold, size, INK, &lines);
    let subtitle = text::fit(subtitle, Font::Regular, 10.0, CONTENT_WIDTH);
    y -= canvas.lines(MARGIN, y, Font::Regular, 10.0, MUTED, &[subtitle]);
    y -= 6.0;
    canvas.rule(MARGIN, PAGE_WIDTH - MARGIN, y);
    y - GAP
}

/// The title on one line, shrunk from 20 down to 14 pt if need be, else
/// wrapped on at most two lines at 14 pt.
fn title_lines(title: &str) -> (f32, Vec<String>) {
    for size in (14..=20).rev().map(|size| size as f32) {
        if Font::Bold.width(title, size) <= CONTENT_WIDTH {
            return (size, vec![title.to_owned()]);
        }
    }
    (
        14.0,
        text::wrap_at_most(title, Font::Bold, 14.0, CONTENT_WIDTH, 2),
    )
}

/// Sources and notes at the bottom, with a rule above; returns where the body
/// ends. At most 3 lines of sources and 4 of notes.
fn draw_footer(canvas: &mut Canvas, sources: &[String], notes: &[String]) -> f32 {
    const NOTE_SIZE: f32 = 7.5;
    let sources = match sources {
        [] => Vec::new(),
        _ => {
            let line = format!("Källor: {}", sources.join("; "));
            text::wrap_at_most(&line, Font::Regular, SMALL, CONTENT_WIDTH, 3)
        }
    };
    let mut note_lines: Vec<String> = Vec::new();
    for note in notes {
        let room = 4 - note_lines.len();
        note_lines.extend(text::wrap_at_most(
            note,
            Font::Regular,
            NOTE_SIZE,
            CONTENT_WIDTH,
            room,
        ));
        if note_lines.len() == 4 {
            break;
        }
    }
    let height =
        leading(SMALL) * sources.len() as f32 + leading(NOTE_SIZE) * note_lines.len() as f32;
    if height == 0.0 {
        return MARGIN;
    }
    let top = MARGIN + height;
    canvas.rule(MARGIN, PAGE_WIDTH - MARGIN, top + 6.0);
    let sources_height = canvas.lines(MARGIN, top, Font::Regular, SMALL, INK, &sources);
    canvas.lines(
        MARGIN,
        top - sources_height,
        Font::Regular,
        NOTE_SIZE,
        MUTED,
        &note_lines,
    );
    top + 6.0 + GAP
}

/// One entry of the legend as laid out in the column.
enum LegendEntry {
    /// A section's title.
    Title(Vec<String>),
    /// A swatch and its label.
    Item {
        swatch: Swatch,
        colour: [u8; 3],
        label: Vec<String>,
    },
}

/// Room for a swatch, left of the labels.
const SWATCH_ROOM: f32 = 18.0;

impl LegendEntry {
    fn height(&self) -> f32 {
        match self {
            LegendEntry::Title(lines) => 4.0 + leading(SMALL + 0.5) * lines.len() as f32,
            LegendEntry::Item { label, .. } => (leading(SMALL) * label.len() as f32).max(13.0),
        }
    }
}

/// Draws the legend from the column's top; returns where it ended.
fn draw_legend(canvas: &mut Canvas, legend: &[LegendSection], column: &Column) -> f32 {
    let mut entries = Vec::new();
    for section in legend {
        let title = text::wrap_at_most(&section.title, Font::Bold, SMALL + 0.5, column.width, 2);
        entries.push(LegendEntry::Title(title));
        for item in &section.items {
            let width = column.width - SWATCH_ROOM;
            entries.push(LegendEntry::Item {
                swatch: section.swatch,
                colour: item.colour,
                label: text::wrap_at_most(&item.label, Font::Regular, SMALL, width, 2),
            });
        }
    }
    let heights: Vec<f32> = entries.iter().map(LegendEntry::height).collect();
    let shown = how_many_fit(&heights, column.height());
    let mut y = column.top;
    for entry in &entries[..shown] {
        match entry {
            LegendEntry::Title(lines) => {
                canvas.lines(column.x, y - 4.0, Font::Bold, SMALL + 0.5, INK, lines);
            }
            LegendEntry::Item {
                swatch,
                colour,
                label,
            } => {
                canvas.swatch(*swatch, *colour, column.x, y + 0.5);
                canvas.lines(column.x + SWATCH_ROOM, y, Font::Regular, SMALL, INK, label);
            }
        }
        y -= entry.height();
    }
    y - canvas.more(column, y, entries.len() - shown)
}

/// A column filled from the top down.
#[derive(Debug, Clone, Copy)]
struct Column {
    x: f32,
    width: f32,
    top: f32,
    bottom: f32,
}

impl Column {
    fn height(&self) -> f32 {
        self.top - self.bottom
    }
}

/// Distance between baselines for text of `size`.
fn leading(size: f32) -> f32 {
    size * 1.3
}

/// How many blocks of these heights fit in `room` when a "… och N rader till"
/// line must fit below them unless all do.
fn how_many_fit(heights: &[f32], room: f32) -> usize {
    if heights.iter().sum::<f32>() <= room {
        return heights.len();
    }
    let mut used = leading(SMALL);
    heights
        .iter()
        .take_while(|height| {
            used += *height;
            used <= room
        })
        .count()
}

/// The page's content stream, drawn in the report's style.
struct Canvas {
    content: Content,
}

impl Canvas {
    fn new() -> Self {
        Canvas {
            content: Content::new(),
        }
    }

    /// Lines of text from `top` down; returns the height used.
    fn lines(
        &mut self,
        x: f32,
        top: f32,
        font: Font,
        size: f32,
        colour: [u8; 3],
        lines: &[String],
    ) -> f32 {
        for (i, line) in lines.iter().enumerate() {
            let baseline = top - 0.95 * size - i as f32 * leading(size);
            self.text(x, baseline, font, size, colour, line);
        }
        leading(size) * lines.len() as f32
    }

    /// One piece of text with its baseline at `baseline`.
    fn text(&mut self, x: f32, baseline: f32, font: Font, size: f32, colour: [u8; 3], text: &str) {
        let name = match font {
            Font::Regular => FONT_REGULAR,
            Font::Bold => FONT_BOLD,
        };
        self.fill(colour);
        self.content
            .begin_text()
            .set_font(name, size)
            .next_line(x, baseline)
            .show(Str(&text::encode(text)))
            .end_text();
    }

    /// "… och N rader till" at `top` if `hidden` is not 0 and it fits in the
    /// column; returns the height used.
    fn more(&mut self, column: &Column, top: f32, hidden: usize) -> f32 {
        if hidden == 0 || top - column.bottom < leading(SMALL) {
            return 0.0;
        }
        let line = match hidden {
            1 => "… och 1 rad till".to_owned(),
            n => format!("… och {n} rader till"),
        };
        self.lines(column.x, top, Font::Regular, SMALL, MUTED, &[line])
    }

    /// A thin horizontal rule.
    fn rule(&mut self, x0: f32, x1: f32, y: f32) {
        self.stroke(RULE, 0.5);
        self.content.move_to(x0, y).line_to(x1, y).stroke();
    }

    /// The map image scaled into the rectangle, with a thin frame.
    fn image(&mut self, x: f32, y: f32, width: f32, height: f32) {
        self.content
            .save_state()
            .transform([width, 0.0, 0.0, height, x, y])
            .x_object(MAP_IMAGE)
            .restore_state();
        self.stroke(RULE, 0.5);
        self.content.rect(x, y, width, height).stroke();
    }

    /// A legend swatch in the 12 × 12 pt box whose top left is (`x`, `top`).
    fn swatch(&mut self, swatch: Swatch, colour: [u8; 3], x: f32, top: f32) {
        let (cx, cy) = (x + 6.0, top - 6.0);
        match swatch {
            Swatch::Fill => {
                self.fill(colour);
                self.stroke(RULE, 0.5);
                self.content
                    .rect(x + 1.0, top - 11.0, 10.0, 10.0)
                    .fill_nonzero_and_stroke();
            }
            Swatch::Line => {
                self.fill(colour);
                self.content.rect(x, cy - 1.5, 12.0, 3.0).fill_nonzero();
            }
            Swatch::Point => {
                self.fill([255, 255, 255]);
                self.stroke(RULE, 0.5);
                self.circle(cx, cy, 5.0);
                self.content.fill_nonzero_and_stroke();
                self.fill(colour);
                self.circle(cx, cy, 3.5);
                self.content.fill_nonzero();
            }
        }
    }

    /// A circle path, as four Bézier curves.
    fn circle(&mut self, cx: f32, cy: f32, r: f32) {
        let k = 0.5523 * r;
        self.content
            .move_to(cx + r, cy)
            .cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r)
            .cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy)
            .cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r)
            .cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy)
            .close_path();
    }

    fn fill(&mut self, [r, g, b]: [u8; 3]) {
        self.content.set_fill_rgb(unit(r), unit(g), unit(b));
    }

    fn stroke(&mut self, [r, g, b]: [u8; 3], width: f32) {
        self.content
            .set_stroke_rgb(unit(r), unit(g), unit(b))
            .set_line_width(width);
    }
}

/// A colour channel from 0–255 to 0–1.
fn unit(channel: u8) -> f32 {
    f32::from(channel) / 255.0
}

#[cfg(test)]
mod tests;
