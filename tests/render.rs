//! Map images and meeting reports drawn by the real server with maplibre-rs on Mesa's
//! software Vulkan driver: pixels probed where the geometry says they must be, the report
//! read back with poppler, bad requests refused, and a server without Vulkan still serving.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;

use geo::{Area, BoundingRect, Coord, Geometry, MapCoords};
use kartrummet::layer::Value as Value_;
use kartrummet::render::Frame;
use kartrummet::render::palette::{self, PALETTE, Rgb, rgb};
use reqwest::blocking::Response;
use serde_json::{Value, json};
use tiny_skia::Pixmap;

mod common;

use common::regions::{self, Layers, Region};
use common::{DEADLINE, assert_problem, client, content_type, kartrum, run_cli, wait_until};

const TOKEN: &str = "render-test-token";
/// Dalarna, as `w,s,e,n`.
const DALARNA: [f64; 4] = [12.1, 59.8, 16.8, 62.3];

fn region() -> &'static Region {
    regions::dalarna(Layers::Only(&[
        "kommuner",
        "lan",
        "befolkning_1km",
        "busslinjer",
        "tatorter",
        "servicepunkter",
    ]))
}

fn bbox_text(b: [f64; 4]) -> String {
    b.map(|v| v.to_string()).join(",")
}

fn png(response: Response) -> Pixmap {
    assert_eq!(response.status(), 200, "{:?}", response.text());
    assert_eq!(content_type(&response), "image/png");
    Pixmap::decode_png(&response.bytes().unwrap()).expect("a PNG")
}

fn pixel(image: &Pixmap, x: i64, y: i64) -> Option<Rgb> {
    let p = image.pixel(u32::try_from(x).ok()?, u32::try_from(y).ok()?)?;
    Some([p.red(), p.green(), p.blue()])
}

/// `top` laid over `below` at `opacity`, as 8-bit sRGB.
fn over(top: Rgb, opacity: f64, below: Rgb) -> Rgb {
    [0, 1, 2].map(|i| {
        (f64::from(top[i]) * opacity + f64::from(below[i]) * (1.0 - opacity)).round() as u8
    })
}

fn near(a: Rgb, b: Rgb, tolerance: i32) -> bool {
    (0..3).all(|i| (i32::from(a[i]) - i32::from(b[i])).abs() <= tolerance)
}

fn luminance(c: Rgb) -> f64 {
    0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])
}

/// The boundary segments of a polygon layer in device pixels.
fn segments(frame: &Frame, geometry: &Geometry<f64>) -> Vec<[[f64; 2]; 2]> {
    let projected = geometry.map_coords(|c| {
        let (x, y) = frame.project(c.x, c.y);
        Coord { x, y }
    });
    let mut out = Vec::new();
    let mut rings = |p: &geo::Polygon<f64>| {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for l in ring.lines() {
                out.push([[l.start.x, l.start.y], [l.end.x, l.end.y]]);
            }
        }
    };
    match &projected {
        Geometry::Polygon(p) => rings(p),
        Geometry::MultiPolygon(mp) => mp.iter().for_each(&mut rings),
        _ => {}
    }
    out
}

fn distance(p: [f64; 2], [a, b]: [[f64; 2]; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length = dx * dx + dy * dy;
    let t = if length == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length).clamp(0.0, 1.0)
    };
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

/// `kommuner` over Dalarna: the outline colour at boundary vertices computed from the
/// geometry, and nothing but the fill (or the background beyond the coast) away from them.
fn kommun_boundaries(server: &common::Server) {
    let (width, height, dpr) = (1024, 768, 2.0);
    let url = format!(
        "/api/render?layers=kommuner&bbox={}&width={width}&height={height}&dpr={dpr}&decorations=false&basemap=false",
        bbox_text(DALARNA)
    );
    let image = png(client().get(server.at(&url)).send().unwrap());
    assert_eq!((image.width(), image.height()), (2048, 1536));
    let frame = Frame::fit(DALARNA, width, height, dpr).unwrap();
    let kommuner = region().layer("kommuner");
    let mut lines = Vec::new();
    for i in kommuner.display_candidates(frame.bbox()) {
        lines.extend(segments(&frame, &kommuner.features[i].display));
    }
    let background = rgb(&PALETTE.background);
    let fill = over(palette::qualitative(0), 0.2, background);
    // Vertices inside the image: the outline darkens them (the fill is far lighter).
    let inside = |p: [f64; 2]| p[0] > 3.0 && p[1] > 3.0 && p[0] < 2045.0 && p[1] < 1533.0;
    let vertices: Vec<[f64; 2]> = lines
        .iter()
        .map(|s| s[0])
        .filter(|p| inside(*p))
        .step_by(3)
        .collect();
    assert!(vertices.len() > 20, "{} vertices", vertices.len());
    for v in &vertices {
        let darkest = (-1..=1)
            .flat_map(|dx| (-1..=1).map(move |dy| (dx, dy)))
            .filter_map(|(dx, dy)| {
                pixel(&image, v[0].round() as i64 + dx, v[1].round() as i64 + dy)
            })
            .map(luminance)
            .fold(f64::INFINITY, f64::min);
        assert!(
            darkest < luminance(fill) - 60.0,
            "no boundary at {v:?}: luminance {darkest}"
        );
    }
    // A grid of pixels 6+ pixels from every boundary: the fill, or the background.
    let mut probed = 0;
    for gy in (20i32..1520).step_by(61) {
        for gx in (20i32..2030).step_by(67) {
            let p = [f64::from(gx) + 0.5, f64::from(gy) + 0.5];
            if lines.iter().any(|s| distance(p, *s) < 6.0) {
                continue;
            }
            let c = pixel(&image, i64::from(gx), i64::from(gy)).unwrap();
            assert!(
                near(c, fill, 3) || near(c, background, 3),
                "{c:?} at {gx},{gy}: neither fill {fill:?} nor background"
            );
            probed += 1;
        }
    }
    assert!(probed > 200, "{probed} probes");
}

/// A service-access result over Dalarna: each band's colour covers a share of the pixels
/// within 3 points of its cells' share of the on-screen area.
fn band_shares(server: &common::Server) {
    let body = json!({ "kind": "grocery", "bands": { "unit": "min", "breaks": [10, 20, 30] }, "threshold": 30 });
    let response = client()
        .post(server.at("/api/analysis/service-access"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let result: Value = response.json().unwrap();
    let id = result["layer"]["id"]
        .as_str()
        .expect("a stored result")
        .to_string();
    let (width, height, dpr) = (1024, 768, 2.0);
    let url = format!(
        "/api/render?layers={id}&bbox={}&width={width}&height={height}&dpr={dpr}&decorations=false&basemap=false",
        bbox_text(DALARNA)
    );
    let image = png(client().get(server.at(&url)).send().unwrap());
    let frame = Frame::fit(DALARNA, width, height, dpr).unwrap();
    let layer = wait_until("the stored result in the store", || {
        region().store().refresh().ok()?;
        region().store().layer(&id)
    });
    let band = layer.field_index("band").unwrap();
    let labels: Vec<String> = result["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    let colours = palette::band_colours(labels.len());
    let background = rgb(&PALETTE.background);
    let mut expected = vec![0.0; labels.len()];
    for f in &layer.features {
        let Value_::Str(label) = &f.properties[band] else {
            continue;
        };
        let Some(i) = labels.iter().position(|l| l == label) else {
            continue;
        };
        let on_screen = f.display.map_coords(|c| {
            let (x, y) = frame.project(c.x, c.y);
            Coord { x, y }
        });
        let inside = on_screen.bounding_rect().is_some_and(|r| {
            r.min().x >= 0.0 && r.min().y >= 0.0 && r.max().x <= 2048.0 && r.max().y <= 1536.0
        });
        assert!(inside, "the cells are all in the frame");
        expected[i] += on_screen.unsigned_area();
    }
    let mut counted = vec![0.0; labels.len()];
    for p in image.pixels() {
        let c = [p.red(), p.green(), p.blue()];
        if let Some(i) = colours
            .iter()
            .position(|band| near(c, over(*band, 0.78, background), 3))
        {
            counted[i] += 1.0;
        }
    }
    let share = |v: &[f64]| -> Vec<f64> {
        let total: f64 = v.iter().sum();
        v.iter().map(|x| x / total).collect()
    };
    let (expected, counted) = (share(&expected), share(&counted));
    for i in 0..labels.len() {
        assert!(
            (expected[i] - counted[i]).abs() < 0.03,
            "band {}: {:.3} of the area, {:.3} of the pixels",
            labels[i],
            expected[i],
            counted[i]
        );
    }
    assert!(
        expected.iter().filter(|s| **s > 0.05).count() >= 2,
        "{expected:?}"
    );
}

/// Bad requests are 400s naming the bound, an unknown layer a 404; nothing is drawn.
fn bad_requests(server: &common::Server) {
    let get = |query: &str| {
        client()
            .get(server.at(&format!("/api/render?{query}")))
            .send()
            .unwrap()
    };
    let b = bbox_text(DALARNA);
    for (query, says) in [
        (format!("layers=kommuner&bbox={b}&width=5000"), "16–4096"),
        (
            format!("layers=kommuner&bbox={b}&width=4096&height=4096&dpr=2"),
            "8192",
        ),
        (format!("layers=kommuner&bbox={b}&dpr=0"), "dpr"),
        ("layers=kommuner&bbox=16,60,13,62".to_string(), "bbox"),
        ("layers=kommuner&bbox=1,2,3".to_string(), "bbox"),
        ("layers=kommuner&bbox=nan,1,2,3".to_string(), "bbox"),
        (format!("layers=kommuner,kommuner&bbox={b}"), "each once"),
        (format!("layers=&bbox={b}"), "layer ids"),
        (format!("layers=kommuner&bbox={b}&width=-3"), "width"),
        (
            format!("layers=kommuner&bbox={b}&title={}", "x".repeat(300)),
            "title",
        ),
    ] {
        let detail = assert_problem(get(&query), 400);
        assert!(detail.contains(says), "{query}: {detail}");
    }
    assert_problem(get(&format!("layers=kommuner,no_such_layer&bbox={b}")), 404);
    assert_problem(get(&format!("layers=kommuner&bbox={b}&colour=red")), 400);
}

/// With decorations, the legend, scale bar and labels add dark text to the image, and with
/// the basemap the land is drawn below.
fn decorations_and_basemap(server: &common::Server) {
    let get = |extra: &str| {
        png(client()
            .get(server.at(&format!(
                "/api/render?layers=kommuner&bbox={}&width=800&height=600{extra}",
                bbox_text(DALARNA)
            )))
            .send()
            .unwrap())
    };
    let plain = get("&decorations=false&basemap=false");
    let full = get("&title=Dalarna");
    let dark = |image: &Pixmap| {
        image
            .pixels()
            .iter()
            .filter(|p| luminance([p.red(), p.green(), p.blue()]) < 60.0)
            .count()
    };
    assert!(
        dark(&full) > dark(&plain) + 500,
        "{} vs {}",
        dark(&full),
        dark(&plain)
    );
    assert_ne!(plain.data(), full.data());
}

/// A saved view with a service-access analysis: its image at dpr 2, and its report: one A4
/// landscape page with the title, the table per municipality, the sources and the map.
fn view_map_and_report(server: &common::Server) {
    let view = json!({
        "title": "Dagligvaror i Dalarna",
        "camera": { "center": [14.9, 61.0], "zoom": 6.6 },
        "layers": [{ "id": "kommuner", "opacity": 0.6, "style": { "kind": "simple", "color": "#5b4b8a" } }],
        "analysis": { "service": { "kind": "grocery", "breaks": [10, 20, 30] } },
    });
    let created = client()
        .post(server.at("/api/views"))
        .bearer_auth(TOKEN)
        .json(&view)
        .send()
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let image = png(client()
        .get(server.at(&format!(
            "/api/views/{id}/map.png?width=320&height=200&dpr=2"
        )))
        .send()
        .unwrap());
    assert_eq!((image.width(), image.height()), (640, 400));
    let background = rgb(&PALETTE.background);
    let band = over(palette::band_colours(4)[0], 0.78, background);
    let banded = image
        .pixels()
        .iter()
        .filter(|p| near([p.red(), p.green(), p.blue()], band, 40))
        .count();
    assert!(
        banded > 100,
        "the result is drawn: {banded} pixels near the first band"
    );
    assert_problem(
        client()
            .get(server.at("/api/views/no-such-view/map.png"))
            .send()
            .unwrap(),
        404,
    );
    assert_problem(
        client()
            .get(server.at(&format!("/api/views/{id}/map.png?width=9000")))
            .send()
            .unwrap(),
        400,
    );

    let response = client()
        .get(server.at(&format!("/api/views/{id}/report.pdf")))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, response.bytes().unwrap()).unwrap();
    let run = |tool: &str, args: &[&str]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .arg(&file)
            .args(if tool == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let info = run("pdfinfo", &[]);
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(info.contains("842 x 595 pts"), "{info}");
    let text = run("pdftotext", &["-layout"]);
    for expected in [
        "Dagligvaror i Dalarna",
        "Mötesunderlag",
        "Falun",
        "Ludvika",
        "Totalt",
        "10–20 min",
        "SCB",
        "Restiderna följer",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the report:\n{text}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.contains("Totalt") && l.chars().filter(char::is_ascii_digit).count() >= 6),
        "{text}"
    );
    let images = run("pdfimages", &["-list"]);
    assert!(
        images
            .lines()
            .any(|l| l.contains(" 1800 ") && l.contains(" 1280 ")),
        "{images}"
    );

    // The same report from the command line, without the server.
    let cli = dir.path().join("cli.pdf");
    let written = run_cli(&[
        "report",
        "--data-dir",
        region().dir().to_str().unwrap(),
        "--profile",
        region().manifest().to_str().unwrap(),
        "--view",
        &id,
        "--out",
        cli.to_str().unwrap(),
    ]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&cli)
        .arg("-")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Dagligvaror i Dalarna"));
}

#[test]
fn maps_and_reports_over_http() {
    let server = region().serve(Some(TOKEN), &[]);
    let status: Value = client()
        .get(server.at("/api/render/status"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(status["available"], true, "{status}");
    kommun_boundaries(&server);
    band_shares(&server);
    bad_requests(&server);
    decorations_and_basemap(&server);
    view_map_and_report(&server);
}

/// Without a Vulkan driver the server still starts, says which routes are unavailable, and
/// they answer 503 while everything else works.
#[test]
fn without_vulkan_the_server_serves_and_map_routes_answer_503() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web");
    std::fs::create_dir_all(&web).unwrap();
    let mut child = kartrum()
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .arg("--web-dir")
        .arg(&web)
        .env("VK_ICD_FILENAMES", "/nonexistent.json")
        .env("VK_DRIVER_FILES", "/nonexistent.json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    let (mut url, mut said) = (None, None);
    while url.is_none() || said.is_none() {
        let Ok(line) = received.recv_timeout(DEADLINE) else {
            let _ = child.kill();
            panic!("the server did not start and say so: {url:?} {said:?}");
        };
        if let Some(u) = line.strip_prefix("listening on ") {
            url = Some(u.trim().to_string());
        }
        if line.starts_with("map images") {
            said = Some(line);
        }
    }
    let (url, said) = (url.unwrap(), said.unwrap());
    let result = std::panic::catch_unwind(|| {
        assert!(
            said.contains("unavailable") && said.contains("/api/render") && said.contains("503"),
            "{said}"
        );
        let status: Value = client()
            .get(format!("{url}/api/render/status"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(status["available"], false);
        let detail = assert_problem(
            client()
                .get(format!("{url}/api/render?layers=a&bbox=1,2,3,4"))
                .send()
                .unwrap(),
            503,
        );
        assert!(detail.contains("Vulkan"), "{detail}");
        assert_eq!(
            client()
                .get(format!("{url}/healthz"))
                .send()
                .unwrap()
                .status(),
            200
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    result.unwrap();
}

/// `kartrum render` and `kartrum report` draw the same without a server; a bad box is a clear
/// message and a non-zero exit, and nothing is written.
#[test]
fn the_command_line_renders_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kommuner.png");
    let data_dir = region().dir().to_str().unwrap();
    let manifest = region().manifest().to_str().unwrap();
    let ok = run_cli(&[
        "render",
        "--data-dir",
        data_dir,
        "--profile",
        manifest,
        "--layers",
        "kommuner",
        "--bbox",
        &bbox_text(DALARNA),
        "--width",
        "400",
        "--height",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let image = Pixmap::decode_png(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (400, 300));
    let bad = dir.path().join("bad.png");
    let refused = run_cli(&[
        "render",
        "--data-dir",
        data_dir,
        "--layers",
        "kommuner",
        "--bbox",
        "16,60,13,62",
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("bbox"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!bad.exists());
    let missing = run_cli(&[
        "report",
        "--data-dir",
        data_dir,
        "--view",
        "no-such-view",
        "--out",
        dir.path().join("r.pdf").to_str().unwrap(),
    ]);
    assert!(!missing.status.success());
}
