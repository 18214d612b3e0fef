//! Tests of the page layout, and of real files read back with poppler-utils.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::render::legend::LegendItem;

/// A 300 × 200 gradient.
fn gradient() -> Vec<u8> {
    let mut rgb = Vec::with_capacity(300 * 200 * 3);
    for y in 0..200_u32 {
        for x in 0..300_u32 {
            rgb.extend([(x * 255 / 299) as u8, (y * 255 / 199) as u8, 160]);
        }
    }
    rgb
}

/// The owned data behind a [`ReportPage`].
struct Example {
    title: String,
    rgb: Vec<u8>,
    legend: Vec<LegendSection>,
    figures: FigureTable,
    sources: Vec<String>,
    notes: Vec<String>,
}

impl Example {
    fn new(legend_items: usize, rows: usize) -> Self {
        let colours = [
            [255, 255, 178],
            [254, 204, 92],
            [253, 141, 60],
            [227, 26, 28],
        ];
        let items = (0..legend_items)
            .map(|i| LegendItem {
                colour: colours[i % colours.len()],
                label: format!("{}–{} min", i * 10, i * 10 + 10),
            })
            .collect();
        let mut municipalities: Vec<Vec<String>> = ["Ludvika", "Falun", "Borlänge", "Älvdalen"]
            .iter()
            .map(|name| {
                vec![
                    name.to_string(),
                    "12 345".into(),
                    "6 789".into(),
                    "1 011".into(),
                ]
            })
            .collect();
        municipalities.extend((4..rows).map(|i| vec![format!("Kommun {i}"), "1".into()]));
        municipalities.truncate(rows);
        Example {
            title: "Restid till närmaste vårdcentral".into(),
            rgb: gradient(),
            legend: vec![
                LegendSection {
                    title: "Restid med bil".into(),
                    swatch: Swatch::Fill,
                    items,
                },
                LegendSection {
                    title: "Vårdcentraler".into(),
                    swatch: Swatch::Point,
                    items: vec![LegendItem {
                        colour: [31, 97, 141],
                        label: "Vårdcentral".into(),
                    }],
                },
                LegendSection {
                    title: "Vägar".into(),
                    swatch: Swatch::Line,
                    items: vec![LegendItem {
                        colour: [120, 120, 120],
                        label: "Riksväg".into(),
                    }],
                },
            ],
            figures: FigureTable {
                caption: "Befolkning per restidsband".into(),
                columns: vec![
                    "Kommun".into(),
                    "0–10 min".into(),
                    "10–20 min".into(),
                    "20+ min".into(),
                ],
                rows: municipalities,
            },
            sources: vec![
                "SCB, befolkning på rutnät 2025".into(),
                "Lantmäteriet, vägnät".into(),
            ],
            notes: vec![
                "Restiderna gäller bil på vägnätet utan köer; färja och gångväg är ej medräknade."
                    .into(),
            ],
        }
    }

    fn page(&self) -> ReportPage<'_> {
        ReportPage {
            title: &self.title,
            subtitle: "Mötesunderlag · Region Dalarna · 2 december 2026",
            map: MapImage {
                width: 300,
                height: 200,
                rgb: &self.rgb,
            },
            legend: &self.legend,
            figures: Some(&self.figures),
            sources: &self.sources,
            notes: &self.notes,
        }
    }
}

/// Writes the page to `name` in `dir` and gives the path.
fn write_file(dir: &Path, name: &str, page: &ReportPage) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, write(page).expect("the page is valid")).expect("temp dir is writable");
    path
}

/// A poppler-utils tool's standard output for the file at `path`; `-` in
/// `args` stands for the file.
fn run(tool: &str, args: &[&str], path: &Path) -> String {
    let args = args.iter().map(|arg| {
        if *arg == "-" {
            path.as_os_str()
        } else {
            arg.as_ref()
        }
    });
    let output = Command::new(tool)
        .args(args)
        .output()
        .expect("poppler-utils is installed");
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler writes UTF-8")
}

/// The value of a field in `pdfinfo`'s output.
fn info_field<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map_or("", str::trim)
}

/// `pdftotext`'s text of the page, laid out.
fn page_text(path: &Path) -> String {
    run(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", "-", "/dev/stdout"],
        path,
    )
    .replace('\u{a0}', " ")
}

#[test]
fn the_report_reads_back_with_poppler() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = Example::new(4, 4);
    let path = write_file(dir.path(), "rapport.pdf", &example.page());

    let info = run("pdfinfo", &["-"], &path);
    assert_eq!(info_field(&info, "Pages"), "1", "{info}");
    assert!(
        info_field(&info, "Page size").starts_with("842 x 595 pts"),
        "{info}"
    );

    let text = page_text(&path);
    for expected in [
        "Restid till närmaste vårdcentral",
        "Mötesunderlag · Region Dalarna · 2 december 2026",
        "Ludvika",
        "Borlänge",
        "12 345",
        "0–10 min",
        "Källor: SCB, befolkning på rutnät 2025; Lantmäteriet, vägnät",
        "färja och gångväg är ej medräknade",
        "Vårdcentraler",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }

    let images = run("pdfimages", &["-list", "-"], &path);
    let rows: Vec<&str> = images.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{images}");
    let fields: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(&fields[3..8], ["300", "200", "rgb", "3", "8"], "{images}");
}

#[test]
fn numbers_are_right_aligned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "tal.pdf", &Example::new(4, 4).page());
    let words = words(&path);
    let right_edges = |text: &str| -> Vec<f32> {
        words
            .iter()
            .filter(|word| word.text == text)
            .map(|word| word.x_max)
            .collect()
    };
    // "345" of "12 345" in one column, "789" of "6 789" in the next.
    for edges in [right_edges("345"), right_edges("789")] {
        assert_eq!(edges.len(), 4, "{edges:?}");
        assert!(
            edges.iter().all(|edge| (edge - edges[0]).abs() < 0.01),
            "{edges:?}"
        );
    }
    let names = right_edges("Ludvika").len() + right_edges("Falun").len();
    assert_eq!(names, 2);
}

/// A word as `pdftotext -bbox` places it, from the page's top left.
struct Word {
    text: String,
    x_min: f32,
    y_min: f32,
    x_max: f32,
    y_max: f32,
}

/// The words on the page, with their boxes.
fn words(path: &Path) -> Vec<Word> {
    let html = run("pdftotext", &["-bbox", "-", "/dev/stdout"], path);
    html.lines()
        .filter_map(|line| {
            let line = line.trim_start().strip_prefix("<word ")?;
            let number = |key: &str| -> Option<f32> {
                let start = line.find(&format!("{key}=\""))? + key.len() + 2;
                line[start..].split('"').next()?.parse().ok()
            };
            let text = line.split('>').nth(1)?.split('<').next()?.to_owned();
            Some(Word {
                text,
                x_min: number("xMin")?,
                y_min: number("yMin")?,
                x_max: number("xMax")?,
                y_max: number("yMax")?,
            })
        })
        .collect()
}

#[test]
fn a_long_table_is_cut_with_a_count_of_the_rest() {
    let example = Example::new(4, 200);
    let mut canvas = Canvas::new();
    let column = Column {
        x: 500.0,
        width: 290.0,
        top: 300.0,
        bottom: 100.0,
    };
    table::draw(&mut canvas, &example.figures, &column);
    let content = canvas.content.finish();
    // Ludvika, Falun, Borlänge and Älvdalen, then "Kommun 4", "Kommun 5" …
    let shown = 4 + count(&content, b"Kommun ");
    assert!(shown > 5 && shown < 200, "{shown}");
    // pdf-writer writes text with bytes past ASCII as a hex string.
    let more = text::encode(&format!("… och {} rader till", 200 - shown));
    let hex: String = more.iter().map(|byte| format!("{byte:02X}")).collect();
    assert_eq!(count(&content, hex.as_bytes()), 1, "{shown} rows shown");
}

#[test]
fn a_long_table_is_cut_on_the_page_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "lang.pdf", &Example::new(4, 120).page());
    let text = page_text(&path);
    let shown = 4 + text
        .lines()
        .filter(|line| line.contains("Kommun ") && !line.contains("min"))
        .count();
    assert!(
        text.contains(&format!("… och {} rader till", 120 - shown)),
        "{text}"
    );
}

#[test]
fn huge_input_stays_on_the_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut example = Example::new(300, 500);
    example.title = "Restid till närmaste vårdcentral ".repeat(20);
    example.legend[0].title = "Mycket lång rubrik ".repeat(30);
    example
        .figures
        .columns
        .extend((0..30).map(|i| format!("Restidsband nummer {i}")));
    example.figures.rows[0][0] = "Kommunnamnsomaldrigtarslut".repeat(10);
    example.sources = (0..50)
        .map(|i| format!("Källa nummer {i} med lång beskrivning"))
        .collect();
    example.notes = (0..20)
        .map(|i| format!("Anmärkning {i}: ").repeat(10))
        .collect();
    let path = write_file(dir.path(), "stor.pdf", &example.page());

    assert_eq!(info_field(&run("pdfinfo", &["-"], &path), "Pages"), "1");
    let words = words(&path);
    for word in &words {
        // Inside the margins, allowing 1 pt for rounding.
        let inside = word.x_min >= MARGIN - 1.0
            && word.x_max <= PAGE_WIDTH - MARGIN + 1.0
            && word.y_min >= MARGIN - 1.0
            && word.y_max <= PAGE_HEIGHT - MARGIN + 1.0;
        assert!(
            inside,
            "{} at {} {} {} {}",
            word.text, word.x_min, word.y_min, word.x_max, word.y_max
        );
    }
    assert!(words.len() > 100, "{} words", words.len());
    let text = page_text(&path);
    assert!(text.contains("rader till"), "{text}");
}

#[test]
fn characters_outside_winansi_still_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut example = Example::new(2, 2);
    example.title = "Łódź 🚗 Ludvika".into();
    let path = write_file(dir.path(), "tecken.pdf", &example.page());
    assert!(page_text(&path).contains("?ód? ? Ludvika"));
}

#[test]
fn an_empty_page_still_writes() {
    let page = ReportPage {
        title: "",
        subtitle: "",
        map: MapImage {
            width: 0,
            height: 0,
            rgb: &[],
        },
        legend: &[],
        figures: None,
        sources: &[],
        notes: &[],
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "tom.pdf", &page);
    assert_eq!(info_field(&run("pdfinfo", &["-"], &path), "Pages"), "1");
    assert_eq!(run("pdfimages", &["-list", "-"], &path).lines().count(), 2);
}

#[test]
fn a_map_whose_bytes_do_not_match_its_size_is_an_error() {
    let example = Example::new(2, 2);
    let mut page = example.page();
    page.map = MapImage {
        width: 300,
        height: 201,
        rgb: &example.rgb,
    };
    assert!(matches!(
        write(&page),
        Err(PdfError::MapSize {
            width: 300,
            height: 201,
            ..
        })
    ));
    page.map = MapImage {
        width: u32::MAX,
        height: 0,
        rgb: &[],
    };
    assert!(write(&page).is_err());
}

#[test]
fn long_titles_shrink_then_wrap() {
    assert_eq!(
        title_lines("Kort titel"),
        (20.0, vec!["Kort titel".to_owned()])
    );
    let medium =
        "Restid till närmaste vårdcentral, apotek, bibliotek och livsmedelsbutik i Dalarnas län";
    let (size, lines) = title_lines(medium);
    assert!((14.0..20.0).contains(&size) && lines.len() == 1, "{size}");
    let (size, lines) = title_lines(&medium.repeat(5));
    assert_eq!((size, lines.len()), (14.0, 2));
    assert!(lines[1].ends_with('…'));
}

#[test]
fn blocks_fit_with_room_for_the_count_of_the_rest() {
    assert_eq!(how_many_fit(&[10.0; 5], 50.0), 5);
    // 11.05 pt is kept for "… och N rader till".
    assert_eq!(how_many_fit(&[10.0; 6], 50.0), 3);
    assert_eq!(how_many_fit(&[10.0; 6], 5.0), 0);
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}
