//! Text in the standard Helvetica fonts: WinAnsi bytes, widths and wrapping.
//!
//! The widths are the Adobe AFM advance widths (1/1000 em) of Helvetica and
//! Helvetica-Bold for the WinAnsi codes 32–255 (checked against both the Adobe
//! metrics and the URW Nimbus Sans AFM files in Debian's `fonts-urw-base35`).

/// The ellipsis put where text was cut.
const ELLIPSIS: &str = "…";

/// The cp1252 characters in 0x80–0x9F, the rest of WinAnsi being Latin-1.
const CP1252_EXTRAS: [(u8, char); 27] = [
    (0x80, '€'),
    (0x82, '‚'),
    (0x83, 'ƒ'),
    (0x84, '„'),
    (0x85, '…'),
    (0x86, '†'),
    (0x87, '‡'),
    (0x88, 'ˆ'),
    (0x89, '‰'),
    (0x8A, 'Š'),
    (0x8B, '‹'),
    (0x8C, 'Œ'),
    (0x8E, 'Ž'),
    (0x91, '‘'),
    (0x92, '’'),
    (0x93, '“'),
    (0x94, '”'),
    (0x95, '•'),
    (0x96, '–'),
    (0x97, '—'),
    (0x98, '˜'),
    (0x99, '™'),
    (0x9A, 'š'),
    (0x9B, '›'),
    (0x9C, 'œ'),
    (0x9E, 'ž'),
    (0x9F, 'Ÿ'),
];

/// Helvetica widths for WinAnsi codes 32–255.
#[rustfmt::skip]
const REGULAR_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold widths for WinAnsi codes 32–255.
#[rustfmt::skip]
const BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// One of the two standard fonts the report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
}

impl Font {
    /// The width in points of `text` set at `size` points.
    pub fn width(self, text: &str, size: f32) -> f32 {
        let table = match self {
            Font::Regular => &REGULAR_WIDTHS,
            Font::Bold => &BOLD_WIDTHS,
        };
        let units: u32 = text
            .chars()
            .map(|c| u32::from(table[usize::from(winansi(c) - 32)]))
            .sum();
        units as f32 * size / 1000.0
    }
}

/// The WinAnsi code of `c`: control characters become a space, characters
/// outside WinAnsi a '?'. Always 32 or more.
pub fn winansi(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
        c if c.is_control() => b' ',
        c => CP1252_EXTRAS
            .iter()
            .find(|(_, extra)| *extra == c)
            .map_or(b'?', |(code, _)| *code),
    }
}

/// `text` as WinAnsi bytes, one per character.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(winansi).collect()
}

/// `text` cut with a "…" so that it is at most `max_width` wide; empty if not
/// even the ellipsis fits.
pub fn fit(text: &str, font: Font, size: f32, max_width: f32) -> String {
    if font.width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut kept: String = text.to_owned();
    while kept.pop().is_some() {
        let cut = format!("{}{ELLIPSIS}", kept.trim_end());
        if font.width(&cut, size) <= max_width {
            return cut;
        }
    }
    String::new()
}

/// `text` broken into lines at most `max_width` wide, at spaces where it can
/// and inside words too long for a line.
pub fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    let fits = |line: &str| font.width(line, size) <= max_width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Like [`wrap`], but at most `max_lines` lines; a "…" ends the last one if
/// text was left out.
pub fn wrap_at_most(
    text: &str,
    font: Font,
    size: f32,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines = wrap(text, font, size, max_width);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = fit(&format!("{last}{ELLIPSIS}"), font, size, max_width);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_and_cp1252_extras_are_winansi() {
        assert_eq!(
            encode("åäöÅÄÖé"),
            [0xE5, 0xE4, 0xF6, 0xC5, 0xC4, 0xD6, 0xE9]
        );
        assert_eq!(
            encode("–—’“”•€"),
            [0x96, 0x97, 0x92, 0x93, 0x94, 0x95, 0x80]
        );
    }

    #[test]
    fn other_characters_become_question_marks_and_controls_spaces() {
        assert_eq!(encode("Ł😀"), b"??");
        assert_eq!(encode("a\tb\n"), b"a b ");
    }

    #[test]
    fn widths_follow_the_afm_metrics() {
        // "Hello": H 722 + e 556 + l 222 + l 222 + o 556 = 2278 units.
        assert!((Font::Regular.width("Hello", 10.0) - 22.78).abs() < 1e-3);
        // Bold digits are 556 wide, as are regular ones: numbers line up.
        assert_eq!(Font::Bold.width("12 345", 1000.0), 556.0 * 5.0 + 278.0);
        // "å" regular 556, "Ö" bold 778.
        assert_eq!(Font::Regular.width("å", 1000.0), 556.0);
        assert_eq!(Font::Bold.width("Ö", 1000.0), 778.0);
    }

    #[test]
    fn wrap_keeps_every_line_within_the_width() {
        let text = "Befolkning inom 30 minuters restid till närmaste vårdcentral \
                    Supercalifragilisticexpialidocious-vägen";
        let lines = wrap(text, Font::Regular, 10.0, 80.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(Font::Regular.width(line, 10.0) <= 80.0, "{line}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn wrap_at_most_ends_cut_text_with_an_ellipsis() {
        let lines = wrap_at_most("ett två tre fyra fem sex sju", Font::Regular, 10.0, 40.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(Font::Regular.width(&lines[1], 10.0) <= 40.0);
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_or_gives_nothing() {
        assert_eq!(fit("Ludvika", Font::Regular, 10.0, 100.0), "Ludvika");
        let cut = fit("Ludvika kommun", Font::Regular, 10.0, 40.0);
        assert!(cut.ends_with('…') && Font::Regular.width(&cut, 10.0) <= 40.0);
        assert_eq!(fit("Ludvika", Font::Regular, 10.0, 1.0), "");
    }
}
